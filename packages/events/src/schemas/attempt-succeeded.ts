/**
 * `AttemptSucceeded`: the target answered with success. Published versions, oldest first
 * (never edit one).
 * - v1: status and what was learned of the response (excerpt, sizes, headers).
 * - v2: `body`, the reference to the stored whole body (null/absent: none stored).
 */
import {
  ATTEMPT_BODY_FIELD_V2,
  ATTEMPT_RESPONSE_FIELDS_V1,
  bodyRefFromAvro,
  bodyRefToAvro,
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

export const attemptSucceededSchema: EventSchema<"AttemptSucceeded"> = {
  family: "AttemptSucceeded",
  versions: [
    { version: 1, schema: V1 },
    { version: 2, schema: V2 },
  ],
  toAvro: (data, problems) => ({
    attempt: prop(data, "attempt"),
    status: prop(data, "status"),
    ...responseFactsToAvro(data, problems),
    ...bodyRefToAvro(data, problems),
  }),
  fromAvro: (value) => ({
    attempt: value.attempt as number,
    status: value.status as number,
    ...responseFactsFromAvro(value),
    ...bodyRefFromAvro(value),
  }),
};
