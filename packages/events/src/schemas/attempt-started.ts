/** `AttemptStarted`: a runner took an attempt of a run. Published versions, oldest first (never edit one). */
import { type EventSchema, pick } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";

const V1 = {
  type: "record",
  name: "AttemptStarted",
  namespace: NAMESPACE,
  fields: [
    { name: "attempt", type: "int" },
    { name: "runner", type: "string", doc: "which runner took it, e.g. local:<pid> or a Lambda request id" },
    {
      name: "deadline",
      type: "string",
      doc: "ISO-8601 instant, UTC, after which the watchdog may declare the attempt dead",
    },
  ],
} as const;

export const attemptStartedSchema: EventSchema<"AttemptStarted"> = {
  family: "AttemptStarted",
  versions: [{ version: 1, schema: V1 }],
  toAvro: (data) => pick(data, ["attempt", "runner", "deadline"]),
  fromAvro: (value) => ({
    attempt: value.attempt as number,
    runner: value.runner as string,
    deadline: value.deadline as string,
  }),
};
