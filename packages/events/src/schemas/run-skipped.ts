/**
 * `RunSkipped`: a fire time that did not run (its run stream holds only this event). One
 * event can stand for many missed fires of one outage (`missedCount` between `missedFrom`
 * and `missedTo`). Published versions, oldest first (never edit one).
 */
import type { RunSkipReason } from "../types.ts";
import { type EventSchema, pick, prop } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";
import { enumLabels, fromSymbol, symbolMap, toSymbol } from "./symbols.ts";

const REASON = symbolMap<RunSkipReason>("RunSkipReason", ["overlap", "missed", "paused"]);

const V1 = {
  type: "record",
  name: "RunSkipped",
  namespace: NAMESPACE,
  fields: [
    { name: "jobId", type: "string" },
    { name: "jobVersion", type: "long" },
    { name: "scheduledFor", type: "string", doc: "ISO-8601 instant, UTC, of the (latest) skipped fire" },
    {
      name: "reason",
      type: { type: "enum", name: "RunSkipReason", symbols: ["overlap", "missed", "paused"] },
    },
    { name: "missedCount", type: "long", doc: "how many fires this event stands for" },
    { name: "missedFrom", type: ["null", "string"], default: null, doc: "earliest fire it stands for" },
    { name: "missedTo", type: ["null", "string"], default: null, doc: "latest fire it stands for" },
  ],
} as const;

export const runSkippedSchema: EventSchema<"RunSkipped"> = {
  family: "RunSkipped",
  versions: [{ version: 1, schema: V1 }],
  enumLabels: enumLabels(REASON),
  toAvro: (data, problems) => ({
    ...pick(data, ["jobId", "jobVersion", "scheduledFor", "missedCount", "missedFrom", "missedTo"]),
    reason: toSymbol(REASON, prop(data, "reason"), "reason", problems),
  }),
  fromAvro: (value) => ({
    jobId: value.jobId as string,
    jobVersion: value.jobVersion as number,
    scheduledFor: value.scheduledFor as string,
    reason: fromSymbol(REASON, value.reason, "skip reason"),
    missedCount: value.missedCount as number,
    missedFrom: value.missedFrom as string | null,
    missedTo: value.missedTo as string | null,
  }),
};
