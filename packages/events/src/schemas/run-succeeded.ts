/** `RunSucceeded`: a run ended with a successful attempt. Published versions, oldest first (never edit one). */
import { type EventSchema, pick } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";

const V1 = {
  type: "record",
  name: "RunSucceeded",
  namespace: NAMESPACE,
  fields: [{ name: "attempts", type: "int", doc: "attempts made, the successful one included" }],
} as const;

export const runSucceededSchema: EventSchema<"RunSucceeded"> = {
  family: "RunSucceeded",
  versions: [{ version: 1, schema: V1 }],
  toAvro: (data) => pick(data, ["attempts"]),
  fromAvro: (value) => ({ attempts: value.attempts as number }),
};
