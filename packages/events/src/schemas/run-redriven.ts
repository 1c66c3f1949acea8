/**
 * `RunRedriven`: a run taken back out of the dead letters; a RunQueued for its next
 * attempt follows. Published versions, oldest first (never edit one).
 */
import { type EventSchema, pick } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";

const V1 = {
  type: "record",
  name: "RunRedriven",
  namespace: NAMESPACE,
  fields: [{ name: "reason", type: ["null", "string"], default: null }],
} as const;

export const runRedrivenSchema: EventSchema<"RunRedriven"> = {
  family: "RunRedriven",
  versions: [{ version: 1, schema: V1 }],
  toAvro: (data) => pick(data, ["reason"]),
  fromAvro: (value) => ({ reason: value.reason as string | null }),
};
