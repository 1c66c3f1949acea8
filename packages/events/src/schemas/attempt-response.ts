/**
 * What an attempt learned of the target's response (`AttemptResponseFacts`), shared by
 * AttemptSucceeded and AttemptFailed: the Avro fields as published in their v1 (FROZEN,
 * never edit) and their conversion.
 */
import type { AvroRecord } from "../avro-type.ts";
import type { AttemptResponseFacts } from "../types.ts";
import { type Problems, pick, prop } from "./event-schema.ts";
import { checkStorableHeaders, headersFromAvro } from "./job-definition-convert.ts";

export const ATTEMPT_RESPONSE_FIELDS_V1 = [
  { name: "durationMs", type: "long" },
  {
    name: "headers",
    type: { type: "map", values: "string" },
    doc: "response headers, lower-cased, without set-cookie",
  },
  { name: "bodyExcerpt", type: "string", doc: "the first KB of the body (UTF-8)" },
  { name: "bodyBytes", type: "long", doc: "the whole body's size" },
  { name: "bodyTruncated", type: "boolean" },
] as const;

export function responseFactsToAvro(data: unknown, problems: Problems): AvroRecord {
  checkStorableHeaders(prop(data, "headers"), "headers", problems);
  return pick(data, ["durationMs", "headers", "bodyExcerpt", "bodyBytes", "bodyTruncated"]);
}

export function responseFactsFromAvro(value: AvroRecord): AttemptResponseFacts {
  return {
    durationMs: value.durationMs as number,
    headers: headersFromAvro(value.headers),
    bodyExcerpt: value.bodyExcerpt as string,
    bodyBytes: value.bodyBytes as number,
    bodyTruncated: value.bodyTruncated as boolean,
  };
}
