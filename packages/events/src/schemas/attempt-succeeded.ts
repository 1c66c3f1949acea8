/**
 * `AttemptSucceeded`: the target answered with success. Published versions, oldest first
 * (never edit one).
 * - v1: status and what was learned of the response (excerpt, sizes, headers).
 * - v2: `body`, the reference to the stored whole body (null/absent: none stored).
 * - v3: `bodyExcerptReplaced`, true when the excerpt had NUL or non-UTF-8 bytes replaced by
 *   U+FFFD to be storable text (v1/v2 read as false).
 */
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
import { type EventSchema, prop } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";

const V1 = {
  type: "record",
  name: "AttemptSucceeded",
  namespace: NAMESPACE,
  fields: [
    { name: "attempt", type: "int" },
    { name: "status", type: "int", doc: "HTTP status code" },
    ...ATTEMPT_RESPONSE_FIELDS_V1,
  ],
} as const;

/** v2: adds `body`, the reference to the stored whole response body (v1 reads as none). */
const V2 = { ...V1, fields: [...V1.fields, ATTEMPT_BODY_FIELD_V2] } as const;

/** v3: adds `bodyExcerptReplaced` (v1 and v2 read as false). */
const V3 = { ...V2, fields: [...V2.fields, ATTEMPT_EXCERPT_REPLACED_FIELD_V3] } as const;

export const attemptSucceededSchema: EventSchema<"AttemptSucceeded"> = {
  family: "AttemptSucceeded",
  versions: [
    { version: 1, schema: V1 },
    { version: 2, schema: V2 },
    { version: 3, schema: V3 },
  ],
  toAvro: (data, problems) => ({
    attempt: prop(data, "attempt"),
    status: prop(data, "status"),
    ...responseFactsToAvro(data, problems),
    ...bodyRefToAvro(data, problems),
    ...excerptReplacedToAvro(data),
  }),
  fromAvro: (value) => ({
    attempt: value.attempt as number,
    status: value.status as number,
    ...responseFactsFromAvro(value),
    ...bodyRefFromAvro(value),
    ...excerptReplacedFromAvro(value),
  }),
};
