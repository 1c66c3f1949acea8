/**
 * The fields NotificationSent and NotificationFailed share: what a notification was about
 * and where it went. A frozen v1 fragment (add a `_V2` fragment rather than editing it).
 */
import type { AvroRecord } from "../avro-type.ts";
import type { NotificationChannelType, NotificationFacts } from "../types.ts";
import type { Problems } from "./event-schema.ts";
import { pick, prop } from "./event-schema.ts";
import { fromSymbol, symbolMap, toSymbol } from "./symbols.ts";

export const NOTIFICATION_CHANNEL = symbolMap<NotificationChannelType>("NotificationChannel", [
  "email",
  "slack",
  "teams",
  "webhook",
  "push",
]);

/** The channel enum is defined once (in NotificationSent and NotificationFailed alike). */
export const NOTIFICATION_FACT_FIELDS_V1 = [
  { name: "sourceEventId", type: "string" },
  { name: "sourceStreamId", type: "string" },
  { name: "kind", type: "string", doc: "run.failed | run.dead_lettered | job.recovered | run.skipped" },
  { name: "jobId", type: "string" },
  { name: "runId", type: ["null", "string"], default: null },
  { name: "preferenceId", type: "string" },
  { name: "recipient", type: "string", doc: "user:<id> or team:<id>" },
  {
    name: "channel",
    type: {
      type: "enum",
      name: "NotificationChannel",
      symbols: ["email", "slack", "teams", "webhook", "push"],
    },
  },
  { name: "destination", type: "string", doc: "an address or a URL origin; never a secret" },
  { name: "attempts", type: "int" },
] as const;

const PLAIN = [
  "sourceEventId",
  "sourceStreamId",
  "kind",
  "jobId",
  "runId",
  "preferenceId",
  "recipient",
] as const;

export function factsToAvro(data: unknown, problems: Problems): AvroRecord {
  return {
    ...pick(data, [...PLAIN, "destination", "attempts"]),
    channel: toSymbol(NOTIFICATION_CHANNEL, prop(data, "channel"), "channel", problems),
  };
}

export function factsFromAvro(value: AvroRecord): NotificationFacts {
  return {
    sourceEventId: value.sourceEventId as string,
    sourceStreamId: value.sourceStreamId as string,
    kind: value.kind as string,
    jobId: value.jobId as string,
    runId: value.runId as string | null,
    preferenceId: value.preferenceId as string,
    recipient: value.recipient as string,
    channel: fromSymbol(NOTIFICATION_CHANNEL, value.channel, "notification channel"),
    destination: value.destination as string,
    attempts: value.attempts as number,
  };
}
