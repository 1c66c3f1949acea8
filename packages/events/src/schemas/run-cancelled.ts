/** `RunCancelled`: a run was stopped before it ended. Published versions, oldest first (never edit one). */
import { type EventSchema, pick } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";

const V1 = {
  type: "record",
  name: "RunCancelled",
  namespace: NAMESPACE,
  fields: [{ name: "reason", type: ["null", "string"], default: null }],
} as const;

export const runCancelledSchema: EventSchema<"RunCancelled"> = {
  family: "RunCancelled",
  versions: [{ version: 1, schema: V1 }],
  toAvro: (data) => pick(data, ["reason"]),
  fromAvro: (value) => ({ reason: value.reason as string | null }),
};
