/** `AttemptSucceeded`: the target answered with success. Published versions, oldest first (never edit one). */
import {
  ATTEMPT_RESPONSE_FIELDS_V1,
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

export const attemptSucceededSchema: EventSchema<"AttemptSucceeded"> = {
  family: "AttemptSucceeded",
  versions: [{ version: 1, schema: V1 }],
  toAvro: (data, problems) => ({
    attempt: prop(data, "attempt"),
    status: prop(data, "status"),
    ...responseFactsToAvro(data, problems),
  }),
  fromAvro: (value) => ({
    attempt: value.attempt as number,
    status: value.status as number,
    ...responseFactsFromAvro(value),
  }),
};
