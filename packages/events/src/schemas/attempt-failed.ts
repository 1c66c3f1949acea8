/**
 * `AttemptFailed`: an attempt ended without success (network error, timeout, refused
 * target, or an unwanted status). Published versions, oldest first (never edit one).
 * - v1: error class, status, message, Retry-After and what was learned of the response.
 * - v2: `body`, the reference to the stored whole body (null/absent: none stored).
 * - v3: `bodyExcerptReplaced`, true when the excerpt had NUL or non-UTF-8 bytes replaced by
 *   U+FFFD to be storable text (v1/v2 read as false).
 */
import type { AttemptErrorClass } from "../types.ts";
import {
  ATTEMPT_BODY_FIELD_V2,
  ATTEMPT_EXCERPT_REPLACED_FIELD_V3,
  ATTEMPT_RESPONSE_FIELDS_V1,
  bodyRefFromAvro,
  bodyRefToAvro,
  excerptReplacedFromAvro,
  excerptReplacedToAvro,
  responseFactsFromAvro,
  responseFactsToAvro,
} from "./attempt-response.ts";
import { type EventSchema, pick, prop } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";
import { enumLabels, fromSymbol, symbolMap, toSymbol } from "./symbols.ts";

const ERROR_CLASS = symbolMap<AttemptErrorClass>("AttemptErrorClass", [
  "network",
  "timeout",
  ["http-429", "http_429"],
  ["http-5xx", "http_5xx"],
  ["http-4xx", "http_4xx"],
  ["http-3xx", "http_3xx"],
  ["refused-target", "refused_target"],
  ["invalid-response", "invalid_response"],
]);

const V1 = {
  type: "record",
  name: "AttemptFailed",
  namespace: NAMESPACE,
  fields: [
    { name: "attempt", type: "int" },
    {
      name: "errorClass",
      type: {
        type: "enum",
        name: "AttemptErrorClass",
        symbols: [
          "network",
          "timeout",
          "http_429",
          "http_5xx",
          "http_4xx",
          "http_3xx",
          "refused_target",
          "invalid_response",
        ],
      },
    },
    { name: "status", type: ["null", "int"], default: null, doc: "HTTP status code, if one came" },
    { name: "message", type: "string" },
    { name: "retryAfterMs", type: ["null", "long"], default: null, doc: "from a Retry-After header" },
    ...ATTEMPT_RESPONSE_FIELDS_V1,
  ],
} as const;

/** v2: adds `body`, the reference to the stored whole response body (v1 reads as none). */
const V2 = { ...V1, fields: [...V1.fields, ATTEMPT_BODY_FIELD_V2] } as const;

/** v3: adds `bodyExcerptReplaced` (v1 and v2 read as false). */
const V3 = { ...V2, fields: [...V2.fields, ATTEMPT_EXCERPT_REPLACED_FIELD_V3] } as const;

export const attemptFailedSchema: EventSchema<"AttemptFailed"> = {
  family: "AttemptFailed",
  versions: [
    { version: 1, schema: V1 },
    { version: 2, schema: V2 },
    { version: 3, schema: V3 },
  ],
  enumLabels: enumLabels(ERROR_CLASS),
  toAvro: (data, problems) => ({
    ...pick(data, ["attempt", "status", "message", "retryAfterMs"]),
    errorClass: toSymbol(ERROR_CLASS, prop(data, "errorClass"), "errorClass", problems),
    ...responseFactsToAvro(data, problems),
    ...bodyRefToAvro(data, problems),
    ...excerptReplacedToAvro(data),
  }),
  fromAvro: (value) => ({
    attempt: value.attempt as number,
    errorClass: fromSymbol(ERROR_CLASS, value.errorClass, "attempt error class"),
    status: value.status as number | null,
    message: value.message as string,
    retryAfterMs: value.retryAfterMs as number | null,
    ...responseFactsFromAvro(value),
    ...bodyRefFromAvro(value),
    ...excerptReplacedFromAvro(value),
  }),
};
