/**
 * The envelope every event travels in (`jobledger.events.Envelope`): identity, position,
 * provenance and hash chain, with the payload as single-object encoded bytes in `data`.
 * Published versions, oldest first (never edit one).
 */
import type { SchemaFamily } from "../registry.ts";
import { NAMESPACE } from "./namespace.ts";

export const ENVELOPE = "Envelope";

export const envelopeSchema: SchemaFamily<typeof ENVELOPE> = {
  family: ENVELOPE,
  versions: [
    {
      version: 1,
      schema: {
        type: "record",
        name: "Envelope",
        namespace: NAMESPACE,
        fields: [
          { name: "eventId", type: "string" },
          { name: "streamId", type: "string", doc: "<tenant>/<kind>/<id>" },
          { name: "version", type: "long", doc: "1-based position in the stream" },
          { name: "type", type: "string", doc: "the event type, e.g. JobCreated" },
          { name: "occurredAt", type: { type: "long", logicalType: "timestamp-millis" } },
          { name: "correlationId", type: "string" },
          { name: "causationId", type: ["null", "string"], default: null },
          { name: "actor", type: "string", doc: "user:<id>, apikey:<id> or system:<component>" },
          { name: "tenant", type: "string" },
          { name: "prevHash", type: "string", doc: 'hex SHA-256 of the previous event ("" for version 1)' },
          { name: "hash", type: "string" },
          { name: "data", type: "bytes", doc: "the payload, Avro single-object encoded" },
        ],
      },
    },
  ],
};
