/**
 * `RunQueued`: a run (stream `<tenant>/run/<runId>`) may start its next attempt once
 * `dueAt` has passed. Published versions, oldest first (never edit one).
 *
 * The first one of a run (attempt 1) carries a snapshot of the request and retry policy;
 * retries and redrives carry null and reuse it. Instants are ISO-8601 strings, as in the
 * TS contract, so they read back exactly as written.
 */
import type { AvroRecord } from "../avro-type.ts";
import type { RunTrigger } from "../types.ts";
import { type EventSchema, pick, prop } from "./event-schema.ts";
import { HTTP_REQUEST_V1, RETRY_POLICY_V1 } from "./job-definition.ts";
import {
  RETRY_ENUM_LABELS,
  requestFromAvro,
  requestToAvro,
  retryFromAvro,
  retryToAvro,
} from "./job-definition-convert.ts";
import { NAMESPACE } from "./namespace.ts";
import { enumLabels, fromSymbol, symbolMap, toSymbol } from "./symbols.ts";

const TRIGGER = symbolMap<RunTrigger>("RunTrigger", [
  "schedule",
  ["catch-up", "catch_up"],
  "manual",
  "retry",
  "redrive",
]);

const V1 = {
  type: "record",
  name: "RunQueued",
  namespace: NAMESPACE,
  fields: [
    { name: "jobId", type: "string" },
    { name: "jobVersion", type: "long", doc: "the job's stream version whose definition this run uses" },
    { name: "attempt", type: "int", doc: "1-based attempt this queueing is for" },
    {
      name: "trigger",
      type: {
        type: "enum",
        name: "RunTrigger",
        symbols: ["schedule", "catch_up", "manual", "retry", "redrive"],
      },
    },
    {
      name: "scheduledFor",
      type: ["null", "string"],
      default: null,
      doc: "nominal fire time (ISO-8601, UTC) of scheduled runs; null for manual ones",
    },
    { name: "dueAt", type: "string", doc: "ISO-8601 instant, UTC, the attempt may start" },
    { name: "request", type: ["null", HTTP_REQUEST_V1], default: null, doc: "attempt 1 only" },
    { name: "retry", type: ["null", RETRY_POLICY_V1], default: null, doc: "attempt 1 only" },
  ],
} as const;

export const runQueuedSchema: EventSchema<"RunQueued"> = {
  family: "RunQueued",
  versions: [{ version: 1, schema: V1 }],
  enumLabels: new Map([...enumLabels(TRIGGER), ...RETRY_ENUM_LABELS]),
  toAvro: (data, problems) => ({
    ...pick(data, ["jobId", "jobVersion", "attempt", "scheduledFor", "dueAt"]),
    trigger: toSymbol(TRIGGER, prop(data, "trigger"), "trigger", problems),
    request: requestToAvro(prop(data, "request"), "request", problems),
    retry: retryToAvro(prop(data, "retry"), "retry", problems),
  }),
  fromAvro: (value) => ({
    jobId: value.jobId as string,
    jobVersion: value.jobVersion as number,
    attempt: value.attempt as number,
    trigger: fromSymbol(TRIGGER, value.trigger, "run trigger"),
    scheduledFor: value.scheduledFor as string | null,
    dueAt: value.dueAt as string,
    request: value.request === null ? null : requestFromAvro(value.request as AvroRecord),
    retry: value.retry === null ? null : retryFromAvro(value.retry as AvroRecord),
  }),
};
