/**
 * Turning schema JSON into avsc types the same way everywhere (with our logical types),
 * and the Parsing Canonical Form that fingerprints are computed over.
 */
import avro from "avsc";
import { exactLongType } from "./exact-long.ts";
import { TimestampMillisType } from "./timestamp-millis.ts";

/** Avro schema JSON as we write it in `schemas/` (deeply read-only once defined). */
export type AvroSchema = string | readonly AvroSchema[] | AvroComplexSchema;
export interface AvroComplexSchema {
  readonly type: AvroSchema;
  readonly [attribute: string]: unknown;
}

/** A value as avsc reads and writes records. */
export type AvroRecord = Record<string, unknown>;

type AvscSchema = Parameters<typeof avro.Type.forSchema>[0];

/** `"long"` or `{ "type": "long" }` without a logical type */
function isPlainLong(schema: unknown): boolean {
  if (schema === "long") return true;
  if (schema === null || typeof schema !== "object") return false;
  const s = schema as Record<string, unknown>;
  return s.type === "long" && s.logicalType === undefined;
}

/** Parse schema JSON into an avsc type (longs exact over the safe-integer range, timestamps as Date). */
export function createAvroType(schema: AvroSchema): avro.Type {
  // avsc's schema typing is mutable and narrower than JSON; the schema is validated by avsc itself.
  return avro.Type.forSchema(schema as unknown as AvscSchema, {
    typeHook: (s: unknown) => (isPlainLong(s) ? exactLongType : undefined),
    logicalTypes: { "timestamp-millis": TimestampMillisType },
    omitRecordMethods: true,
    wrapUnions: "auto",
  });
}

/**
 * The Parsing Canonical Form of a type (Avro specification). avsc's `schema()` without
 * options already keeps only name/type/fields/symbols/items/values/size, in that order,
 * with full names and primitives in simple form; the test suite checks this against the
 * specification's published examples.
 */
export function canonicalForm(type: avro.Type): string {
  return JSON.stringify(type.schema());
}

/** Freeze schema JSON deeply so a published version cannot be changed at run time. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
