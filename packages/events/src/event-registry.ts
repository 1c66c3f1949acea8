/**
 * The registry of every schema Jobledger has published (all event types and the
 * envelope), and lookups on it.
 */
import { SchemaRegistry } from "./registry.ts";
import { type ENVELOPE, envelopeSchema, eventSchemas } from "./schemas/index.ts";
import type { EventType } from "./types.ts";

/** A schema family name: an event type, or `Envelope`. */
export type SchemaFamilyName = EventType | typeof ENVELOPE;

/** Every schema version ever published, keyed by fingerprint (read-only). */
export const schemaRegistry: SchemaRegistry<SchemaFamilyName> = new SchemaRegistry<SchemaFamilyName>([
  ...Object.values(eventSchemas),
  envelopeSchema,
]);

/** Every event type, in declaration order. */
export const eventTypes: readonly EventType[] = Object.freeze(Object.keys(eventSchemas) as EventType[]);

export function isEventType(value: unknown): value is EventType {
  return typeof value === "string" && Object.hasOwn(eventSchemas, value);
}

/** The schema version writers use now for an event type (or the envelope). */
export function currentSchemaVersion(family: SchemaFamilyName): number {
  return schemaRegistry.newest(family).version;
}
