/**
 * What each event type's schema module provides: its published versions and the
 * conversion between the TypeScript payload (types.ts) and the newest Avro shape.
 */
import type { AvroRecord } from "../avro-type.ts";
import type { ValidationProblem } from "../errors.ts";
import type { SchemaFamily } from "../registry.ts";
import type { EventDataMap, EventType } from "../types.ts";
import type { EnumLabels } from "../validation.ts";

/** Collects problems the schema alone cannot see (e.g. a field required by a variant). */
export type Problems = ValidationProblem[];

export interface EventSchema<T extends EventType> extends SchemaFamily<T> {
  /**
   * TS payload to the newest Avro shape. Never throws on bad input: it passes bad
   * values through for the schema check to report, and adds what only it can see to
   * `problems`.
   */
  toAvro(data: EventDataMap[T], problems: Problems): AvroRecord;
  /** Newest Avro shape (already resolved and upcast) to the TS payload. */
  fromAvro(value: AvroRecord): EventDataMap[T];
  /** TS spellings of enum symbols Avro cannot spell, for error messages */
  readonly enumLabels?: EnumLabels;
}

/** Read a property of something that should be an object but may not be. */
export function prop(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * The named properties of something that should be an object, as an Avro record value
 * (missing ones come out undefined, for the schema check to report).
 */
export function pick(value: unknown, fields: readonly string[]): AvroRecord {
  return Object.fromEntries(fields.map((field) => [field, prop(value, field)]));
}
