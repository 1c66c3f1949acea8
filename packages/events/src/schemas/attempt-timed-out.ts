/**
 * `AttemptTimedOut`: the watchdog's verdict on an attempt whose runner never reported
 * back by its deadline. Published versions, oldest first (never edit one).
 */
import { type EventSchema, pick } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";

const V1 = {
  type: "record",
  name: "AttemptTimedOut",
  namespace: NAMESPACE,
  fields: [
    { name: "attempt", type: "int" },
    { name: "deadline", type: "string", doc: "the attempt's deadline (ISO-8601, UTC) that passed" },
  ],
} as const;

export const attemptTimedOutSchema: EventSchema<"AttemptTimedOut"> = {
  family: "AttemptTimedOut",
  versions: [{ version: 1, schema: V1 }],
  toAvro: (data) => pick(data, ["attempt", "deadline"]),
  fromAvro: (value) => ({ attempt: value.attempt as number, deadline: value.deadline as string }),
};
