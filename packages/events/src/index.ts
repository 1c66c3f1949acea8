/**
 * `@jobledger/events`: the event contracts (TS shapes), their Avro schemas and every
 * published version, the fingerprint-keyed registry, and the single-object codec.
 */
export type { AvroRecord, AvroSchema } from "./avro-type.ts";
export { canonicalForm, createAvroType } from "./avro-type.ts";
export type { AnyDecodedEvent, DecodedPayload } from "./codec.ts";
export { decodeEvent, decodePayload, encodeEvent, encodePayload } from "./codec.ts";
export { checkCompatibility } from "./compatibility.ts";
export type { ValidationProblem } from "./errors.ts";
export {
  EventDecodingError,
  EventValidationError,
  InvalidStreamIdError,
  UnknownSchemaError,
} from "./errors.ts";
export type { SchemaFamilyName } from "./event-registry.ts";
export { currentSchemaVersion, eventTypes, isEventType, schemaRegistry } from "./event-registry.ts";
export { fingerprintHex, rabinFingerprint } from "./rabin.ts";
export type { ReadResult, SchemaEntry, SchemaFamily, SchemaVersion, Upcaster } from "./registry.ts";
export { SchemaRegistry } from "./registry.ts";
export { JOB_FIELDS } from "./schemas/job-updated.ts";
export { SINGLE_OBJECT_HEADER_LENGTH, SINGLE_OBJECT_MARKER } from "./single-object.ts";
export type { StreamIdParts } from "./stream-id.ts";
export { parseStreamId, streamIdOf } from "./stream-id.ts";
export * from "./types.ts";
