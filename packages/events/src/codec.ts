/**
 * Encoding and decoding events: the payload and then the envelope, each Avro
 * single-object encoded with the newest schema; reading accepts every published version
 * and returns the newest TS shapes (types.ts).
 */
import { createHash } from "node:crypto";
import type { AvroRecord } from "./avro-type.ts";
import {
  EventDecodingError,
  EventValidationError,
  InvalidStreamIdError,
  type ValidationProblem,
} from "./errors.ts";
import { eventTypes, isEventType, schemaRegistry } from "./event-registry.ts";
import { ENVELOPE, eventSchemas } from "./schemas/index.ts";
import { parseStreamId } from "./stream-id.ts";
import type { DecodedEvent, EventDataMap, EventEnvelope, EventType } from "./types.ts";

/** A payload read back, discriminated by `type`. */
export type DecodedPayload = {
  [T in EventType]: {
    type: T;
    data: EventDataMap[T];
    /** schema version of the payload as written (before upcasting) */
    schemaVersion: number;
    /** CRC-64-AVRO fingerprint of the writer schema, 16 hex digits */
    schemaFingerprint: string;
  };
}[EventType];

/** A decoded event, discriminated by `type` (assignable to `DecodedEvent`). */
export type AnyDecodedEvent = { [T in EventType]: DecodedEvent<T> }[EventType];

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Encode a payload with the newest schema of its event type, single-object framed.
 * Throws EventValidationError naming the event type and every invalid field path.
 */
export function encodePayload<T extends EventType>(type: T, data: EventDataMap[T]): Uint8Array {
  if (!isEventType(type)) {
    throw new EventValidationError("event", [
      {
        path: "type",
        message: `unknown event type ${JSON.stringify(type)} (known: ${eventTypes.join(", ")})`,
      },
    ]);
  }
  const subject = `${type} payload`;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new EventValidationError(subject, [{ path: "", message: "the payload must be an object" }]);
  }
  const problems: ValidationProblem[] = [];
  const schema = eventSchemas[type];
  const value = schema.toAvro(data, problems);
  return schemaRegistry.write(type, value, { subject, problems, enumLabels: schema.enumLabels });
}

function readPayload(bytes: Uint8Array, reading: string): DecodedPayload {
  const { entry, value } = schemaRegistry.read(bytes, reading, (e) => e.eventType !== ENVELOPE);
  const type = entry.eventType as EventType;
  try {
    const data = eventSchemas[type].fromAvro(value);
    return {
      type,
      data,
      schemaVersion: entry.version,
      schemaFingerprint: entry.fingerprint,
    } as DecodedPayload;
  } catch (error) {
    throw new EventDecodingError(
      `cannot read ${reading} (${type} v${entry.version}, schema ${entry.fingerprint}): ${message(error)}`,
      { cause: error },
    );
  }
}

/** Decode a payload written with any published version, into the newest TS shape. */
export function decodePayload(bytes: Uint8Array): DecodedPayload {
  return readPayload(bytes, "event payload");
}

function envelopeProblems(event: EventEnvelope): ValidationProblem[] {
  try {
    const { tenant } = parseStreamId(event.streamId);
    if (tenant !== event.tenant) {
      return [
        {
          path: "tenant",
          message: `is ${JSON.stringify(event.tenant)} but stream ${event.streamId} belongs to tenant ${JSON.stringify(tenant)}`,
        },
      ];
    }
    return [];
  } catch (error) {
    if (error instanceof InvalidStreamIdError) return [{ path: "streamId", message: error.message }];
    throw error;
  }
}

/**
 * Encode an event (payload, then envelope) with the newest schemas. Throws
 * EventValidationError naming the event type and every invalid field path; also when
 * the stream id is not `<tenant>/<kind>/<id>` of the event's own tenant.
 */
export function encodeEvent(event: EventEnvelope): Uint8Array {
  if (event === null || typeof event !== "object") {
    throw new EventValidationError("event", [{ path: "", message: "the event must be an object" }]);
  }
  const data = encodePayload(event.type, event.data);
  const envelope: AvroRecord = {
    eventId: event.eventId,
    streamId: event.streamId,
    version: event.version,
    type: event.type,
    occurredAt: event.occurredAt,
    correlationId: event.correlationId,
    causationId: event.causationId,
    actor: event.actor,
    tenant: event.tenant,
    prevHash: event.prevHash,
    hash: event.hash,
    data,
  };
  const subject = `envelope of ${event.type} event ${String(event.eventId)}`;
  return schemaRegistry.write(ENVELOPE, envelope, { subject, problems: envelopeProblems(event) });
}

/**
 * Decode an event written with any published envelope and payload versions. `data` is
 * in the newest payload shape; `schemaVersion`/`schemaFingerprint` tell how it was written.
 * Throws UnknownSchemaError for a fingerprint never published, EventDecodingError otherwise.
 */
export function decodeEvent(bytes: Uint8Array): AnyDecodedEvent {
  const { value: envelope } = schemaRegistry.read(bytes, "event envelope", (e) => e.eventType === ENVELOPE);
  const eventId = envelope.eventId as string;
  const payload = readPayload(envelope.data as Uint8Array, `payload of event ${eventId}`);
  if (payload.type !== envelope.type) {
    throw new EventDecodingError(
      `event ${eventId}: the envelope says ${String(envelope.type)} but the payload was written with the ${payload.type} schema`,
    );
  }
  return {
    eventId,
    streamId: envelope.streamId as string,
    version: envelope.version as number,
    type: payload.type,
    data: payload.data,
    occurredAt: envelope.occurredAt as Date,
    correlationId: envelope.correlationId as string,
    causationId: envelope.causationId as string | null,
    actor: envelope.actor as string,
    tenant: envelope.tenant as string,
    prevHash: envelope.prevHash as string,
    hash: envelope.hash as string,
    schemaVersion: payload.schemaVersion,
    schemaFingerprint: payload.schemaFingerprint,
    payloadDigest: createHash("sha256")
      .update(envelope.data as Uint8Array)
      .digest("hex"),
  } as AnyDecodedEvent;
}
