/**
 * Avro building blocks of a job definition, as published in the job event schemas
 * (JobCreated, JobUpdated) and reused by run events (RunQueued). Their conversion to
 * and from the TS shapes is in `job-definition-convert.ts`.
 *
 * FROZEN: these fragments are part of published schemas. Never edit them (the golden
 * tests fail if their canonical form changes); a change adds `..._V<N>` fragments used by
 * new schema versions. `_V<N>` names the job schema version a fragment first appeared in.
 *
 * - v1: name, description, request, schedule (cron/rate/once), retry, overlap, tags.
 * - v2: the schedule gains `startAt`, `endAt`, `jitterSeconds` and `dst` (cron only; the
 *   flat record carries the default for other types), the definition gains `concurrency`
 *   and `catchUp`. Defaults make every v1 definition read as: no bounds, no jitter,
 *   DST `run-after`/`first`, concurrency null, catch-up 1 run within 3600 s.
 */

export const HTTP_REQUEST_V1 = {
  type: "record",
  name: "HttpRequest",
  fields: [
    {
      name: "method",
      type: { type: "enum", name: "HttpMethod", symbols: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] },
    },
    { name: "url", type: "string", doc: "absolute http(s) URL" },
    { name: "headers", type: { type: "map", values: "string" } },
    { name: "body", type: ["null", "string"], default: null },
    { name: "timeoutMs", type: "long" },
  ],
} as const;

/** The TS union as one record: `type` says which of the nullable fields are set. */
export const SCHEDULE_V1 = {
  type: "record",
  name: "Schedule",
  fields: [
    { name: "type", type: { type: "enum", name: "ScheduleType", symbols: ["cron", "rate", "once"] } },
    { name: "expression", type: ["null", "string"], default: null, doc: "cron: the expression" },
    { name: "timezone", type: ["null", "string"], default: null, doc: "cron: IANA time zone" },
    { name: "everySeconds", type: ["null", "long"], default: null, doc: "rate: the period" },
    { name: "at", type: ["null", "string"], default: null, doc: "once: ISO-8601 instant, UTC" },
  ],
} as const;

/** Avro enum symbols cannot start with a digit or hold `-`: `429` is `status_429` on the wire. */
export const RETRY_POLICY_V1 = {
  type: "record",
  name: "RetryPolicy",
  fields: [
    { name: "maxAttempts", type: "int" },
    { name: "initialDelayMs", type: "long" },
    { name: "maxDelayMs", type: "long" },
    { name: "multiplier", type: "double" },
    {
      name: "retryOn",
      type: {
        type: "array",
        items: {
          type: "enum",
          name: "RetryOn",
          symbols: ["network", "timeout", "status_429", "status_5xx", "status_4xx"],
        },
      },
    },
  ],
} as const;

export const OVERLAP_POLICY_V1 = {
  type: "enum",
  name: "OverlapPolicy",
  symbols: ["skip", "queue", "allow", "cancel_previous"],
} as const;

export const JOB_DEFINITION_V1 = {
  type: "record",
  name: "JobDefinition",
  fields: [
    { name: "name", type: "string" },
    { name: "description", type: ["null", "string"], default: null },
    { name: "request", type: HTTP_REQUEST_V1 },
    { name: "schedule", type: SCHEDULE_V1 },
    { name: "retry", type: RETRY_POLICY_V1 },
    { name: "overlap", type: OVERLAP_POLICY_V1 },
    { name: "tags", type: { type: "array", items: "string" } },
  ],
} as const;

// ---- v2 ----------------------------------------------------------------------------------

/** A cron schedule's DST rules; `run-after` is `run_after` on the wire. */
export const DST_POLICY_V2 = {
  type: "record",
  name: "DstPolicy",
  fields: [
    {
      name: "nonexistent",
      type: { type: "enum", name: "DstNonexistent", symbols: ["run_after", "skip"] },
      doc: "a wall time inside a spring-forward gap",
    },
    {
      name: "repeated",
      type: { type: "enum", name: "DstRepeated", symbols: ["first", "both"] },
      doc: "a wall time that happens twice at fall-back",
    },
  ],
} as const;

/** The v1 schedule plus bounds, jitter and DST rules (every new field has a default). */
export const SCHEDULE_V2 = {
  type: "record",
  name: "Schedule",
  fields: [
    { name: "type", type: { type: "enum", name: "ScheduleType", symbols: ["cron", "rate", "once"] } },
    { name: "expression", type: ["null", "string"], default: null, doc: "cron: the expression" },
    { name: "timezone", type: ["null", "string"], default: null, doc: "cron: IANA time zone" },
    { name: "everySeconds", type: ["null", "long"], default: null, doc: "rate: the period" },
    { name: "at", type: ["null", "string"], default: null, doc: "once: ISO-8601 instant, UTC" },
    {
      name: "startAt",
      type: ["null", "string"],
      default: null,
      doc: "ISO-8601 instant, UTC; no fire before it (inclusive)",
    },
    {
      name: "endAt",
      type: ["null", "string"],
      default: null,
      doc: "ISO-8601 instant, UTC; no fire at or after it (exclusive)",
    },
    { name: "jitterSeconds", type: "int", default: 0, doc: "each fire delayed by 0..jitterSeconds" },
    {
      name: "dst",
      type: DST_POLICY_V2,
      default: { nonexistent: "run_after", repeated: "first" },
      doc: "cron only; other types carry the default",
    },
  ],
} as const;

/** After downtime: at most `maxRuns` of the fires missed within the last `windowSeconds`. */
export const CATCH_UP_POLICY_V2 = {
  type: "record",
  name: "CatchUpPolicy",
  fields: [
    { name: "windowSeconds", type: "long" },
    { name: "maxRuns", type: "int" },
  ],
} as const;

export const JOB_DEFINITION_V2 = {
  type: "record",
  name: "JobDefinition",
  fields: [
    { name: "name", type: "string" },
    { name: "description", type: ["null", "string"], default: null },
    { name: "request", type: HTTP_REQUEST_V1 },
    { name: "schedule", type: SCHEDULE_V2 },
    { name: "retry", type: RETRY_POLICY_V1 },
    { name: "overlap", type: OVERLAP_POLICY_V1 },
    { name: "tags", type: { type: "array", items: "string" } },
    {
      name: "concurrency",
      type: ["null", "int"],
      default: null,
      doc: "most runs in flight at once; null = 1, or unlimited with overlap allow",
    },
    {
      name: "catchUp",
      type: CATCH_UP_POLICY_V2,
      default: { windowSeconds: 3600, maxRuns: 1 },
    },
  ],
} as const;
