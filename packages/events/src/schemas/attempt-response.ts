/**
 * What an attempt learned of the target's response (`AttemptResponseFacts`), shared by
 * AttemptSucceeded and AttemptFailed: the Avro fields as published in their v1 (FROZEN,
 * never edit), the field v2 adds (the reference to the stored whole body), the field v3 adds
 * (whether the excerpt had bytes replaced to be storable text), and their conversion.
 */
import type { AvroRecord } from "../avro-type.ts";
import type { AttemptBodyRef, AttemptResponseFacts } from "../types.ts";
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

/** v2 (FROZEN once published): where the whole body is stored; null = not stored. */
export const ATTEMPT_BODY_FIELD_V2 = {
  name: "body",
  type: [
    "null",
    {
      type: "record",
      name: "AttemptBodyRef",
      doc: "the whole response body, stored as an object (up to the runner's read cap)",
      fields: [
        { name: "key", type: "string", doc: "bodies/tenant=<t>/dt=<yyyy-mm-dd>/<runId>/<attempt>" },
        { name: "sha256", type: "string", doc: "hex SHA-256 of the stored bytes" },
        { name: "bytes", type: "long", doc: "bytes stored" },
        { name: "contentType", type: ["null", "string"], default: null },
        {
          name: "truncated",
          type: "boolean",
          doc: "reading stopped at the cap or the body broke off: the object may not hold the whole body",
        },
      ],
    },
  ],
  default: null,
} as const;

/** v3 (FROZEN once published): the excerpt is not the body's exact text (see `bodyExcerptReplaced`). */
export const ATTEMPT_EXCERPT_REPLACED_FIELD_V3 = {
  name: "bodyExcerptReplaced",
  type: "boolean",
  default: false,
  doc: "true when NUL or bytes that are not UTF-8 were replaced by U+FFFD in bodyExcerpt (the stored body keeps the bytes)",
} as const;

/** The v3 `bodyExcerptReplaced` field: absent or anything but true is written as false. */
export function excerptReplacedToAvro(data: unknown): AvroRecord {
  const replaced = prop(data, "bodyExcerptReplaced");
  return { bodyExcerptReplaced: replaced === undefined || replaced === null ? false : replaced };
}

/** The v3 `bodyExcerptReplaced` field: present only when true (older versions read as false). */
export function excerptReplacedFromAvro(value: AvroRecord): { bodyExcerptReplaced?: true } {
  return value.bodyExcerptReplaced === true ? { bodyExcerptReplaced: true } : {};
}

export function responseFactsToAvro(data: unknown, problems: Problems): AvroRecord {
  checkStorableHeaders(prop(data, "headers"), "headers", problems);
  return pick(data, ["durationMs", "headers", "bodyExcerpt", "bodyBytes", "bodyTruncated"]);
}

/** The v2 `body` field: a missing reference is written as null. */
export function bodyRefToAvro(data: unknown, problems: Problems): AvroRecord {
  const body = prop(data, "body");
  if (body === undefined || body === null) return { body: null };
  const sha = prop(body, "sha256");
  if (typeof sha === "string" && !/^[0-9a-f]{64}$/.test(sha)) {
    problems.push({ path: "body.sha256", message: "must be 64 lower-case hex digits" });
  }
  const key = prop(body, "key");
  if (typeof key === "string" && !key.startsWith("bodies/")) {
    problems.push({ path: "body.key", message: 'must start with "bodies/"' });
  }
  return { body: pick(body, ["key", "sha256", "bytes", "contentType", "truncated"]) };
}

/** The v2 `body` field: present only when a body is stored (see `AttemptResponseFacts.body`). */
export function bodyRefFromAvro(value: AvroRecord): { body?: AttemptBodyRef } {
  const body = value.body as AvroRecord | null | undefined;
  if (body === null || body === undefined) return {};
  return {
    body: {
      key: body.key as string,
      sha256: body.sha256 as string,
      bytes: body.bytes as number,
      contentType: body.contentType as string | null,
      truncated: body.truncated as boolean,
    },
  };
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
