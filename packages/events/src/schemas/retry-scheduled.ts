/**
 * `RetryScheduled`: a failed attempt will be retried; the scheduler queues it when
 * `dueAt` passes. Published versions, oldest first (never edit one).
 */
import { type EventSchema, pick } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";

const V1 = {
  type: "record",
  name: "RetryScheduled",
  namespace: NAMESPACE,
  fields: [
    { name: "attempt", type: "int", doc: "the attempt that will run" },
    { name: "dueAt", type: "string", doc: "ISO-8601 instant, UTC" },
    { name: "delayMs", type: "long" },
    { name: "reason", type: "string" },
  ],
} as const;

export const retryScheduledSchema: EventSchema<"RetryScheduled"> = {
  family: "RetryScheduled",
  versions: [{ version: 1, schema: V1 }],
  toAvro: (data) => pick(data, ["attempt", "dueAt", "delayMs", "reason"]),
  fromAvro: (value) => ({
    attempt: value.attempt as number,
    dueAt: value.dueAt as string,
    delayMs: value.delayMs as number,
    reason: value.reason as string,
  }),
};
