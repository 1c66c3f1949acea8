/**
 * `RunDeadLettered`: a run ended without success and waits for a redrive (retries
 * exhausted, or a failure not worth retrying). Published versions, oldest first (never edit one).
 */
import type { RunDeadLetteredData } from "../types.ts";
import { type EventSchema, pick, prop } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";
import { enumLabels, fromSymbol, symbolMap, toSymbol } from "./symbols.ts";

const REASON = symbolMap<RunDeadLetteredData["reason"]>("DeadLetterReason", [
  "exhausted",
  ["not-retryable", "not_retryable"],
]);

const V1 = {
  type: "record",
  name: "RunDeadLettered",
  namespace: NAMESPACE,
  fields: [
    { name: "attempts", type: "int" },
    {
      name: "reason",
      type: { type: "enum", name: "DeadLetterReason", symbols: ["exhausted", "not_retryable"] },
    },
    { name: "lastError", type: "string" },
  ],
} as const;

export const runDeadLetteredSchema: EventSchema<"RunDeadLettered"> = {
  family: "RunDeadLettered",
  versions: [{ version: 1, schema: V1 }],
  enumLabels: enumLabels(REASON),
  toAvro: (data, problems) => ({
    ...pick(data, ["attempts", "lastError"]),
    reason: toSymbol(REASON, prop(data, "reason"), "reason", problems),
  }),
  fromAvro: (value) => ({
    attempts: value.attempts as number,
    reason: fromSymbol(REASON, value.reason, "dead-letter reason"),
    lastError: value.lastError as string,
  }),
};
