/**
 * The event contract: TypeScript shapes of every event payload (current schema version)
 * and of the envelope every event travels in. The Avro schemas in `schemas/` are the
 * source of truth on the wire; these types mirror their newest versions.
 */

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface HttpRequestSpec {
  method: HttpMethod;
  /** absolute http(s) URL */
  url: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
}

/** What a cron schedule does with wall-clock times that a DST change skips or repeats. */
export interface DstPolicy {
  /** a time inside a spring-forward gap: fire after the gap at the shifted time, or not at all */
  nonexistent: "run-after" | "skip";
  /** a time that happens twice at fall-back: fire at the first occurrence only, or at both */
  repeated: "first" | "both";
}

/** Bounds and spreading that apply to every kind of schedule. */
export interface ScheduleBounds {
  /** ISO instant; no fire before it (inclusive) */
  startAt: string | null;
  /** ISO instant; no fire at or after it (exclusive) */
  endAt: string | null;
  /** each fire is delayed by a deterministic 0..jitterSeconds (per job and fire time) */
  jitterSeconds: number;
}

export type ScheduleSpec =
  | ({ type: "cron"; expression: string; timezone: string; dst: DstPolicy } & ScheduleBounds)
  | ({ type: "rate"; everySeconds: number } & ScheduleBounds)
  /** `at`: ISO-8601 instant, UTC (e.g. 2026-11-23T12:00:00.000Z) */
  | ({ type: "once"; at: string } & ScheduleBounds);

/** After downtime: run at most `maxRuns` of the fires missed within the last `windowSeconds`. */
export interface CatchUpPolicy {
  windowSeconds: number;
  maxRuns: number;
}

export type RetryOn = "network" | "timeout" | "429" | "5xx" | "4xx";

export interface RetryPolicy {
  /** total attempts including the first, >= 1 */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  retryOn: RetryOn[];
}

export type OverlapPolicy = "skip" | "queue" | "allow" | "cancel-previous";

export interface JobDefinition {
  name: string;
  description: string | null;
  request: HttpRequestSpec;
  schedule: ScheduleSpec;
  retry: RetryPolicy;
  overlap: OverlapPolicy;
  /** most runs of this job in flight at once; null = 1, or unlimited with overlap "allow" */
  concurrency: number | null;
  catchUp: CatchUpPolicy;
  tags: string[];
}

export type JobField = keyof JobDefinition;

export interface JobCreatedData {
  definition: JobDefinition;
}

/** Only the fields that changed are set; `changedFields` names them. */
export interface JobUpdatedData {
  changes: Partial<JobDefinition>;
  changedFields: JobField[];
}

export interface JobPausedData {
  reason: string | null;
}

// biome-ignore lint/complexity/noBannedTypes: an event with no payload fields
export type JobResumedData = {};

export interface JobDeletedData {
  reason: string | null;
}

// ---- runs: stream `<tenant>/run/<runId>`, opened by RunQueued (or RunSkipped) ----

/** Why a run exists. */
export type RunTrigger = "schedule" | "catch-up" | "manual" | "retry" | "redrive";

/**
 * A run may start once `dueAt` has passed. The first RunQueued of a run (attempt 1) carries a
 * snapshot of what to send; later ones (retries, redrives) carry `request: null` and reuse it.
 */
export interface RunQueuedData {
  jobId: string;
  /** the job's stream version whose definition this run uses */
  jobVersion: number;
  /** 1-based attempt this queueing is for */
  attempt: number;
  trigger: RunTrigger;
  /** nominal fire time (ISO) for scheduled runs; null for manual ones */
  scheduledFor: string | null;
  /** ISO instant the attempt may start (fire time + jitter, or a retry's due time) */
  dueAt: string;
  request: HttpRequestSpec | null;
  retry: RetryPolicy | null;
}

export interface AttemptStartedData {
  attempt: number;
  /** which runner took it (e.g. `local:<pid>` or a Lambda request id) */
  runner: string;
  /** ISO instant after which the watchdog may declare the attempt dead */
  deadline: string;
}

export type AttemptErrorClass =
  | "network"
  | "timeout"
  | "http-429"
  | "http-5xx"
  | "http-4xx"
  | "http-3xx"
  | "refused-target"
  | "invalid-response";

/**
 * Where the whole response body of an attempt is stored (an object in the lake's bucket or
 * folder, see docs/architecture.md "Response bodies"). Since AttemptSucceeded/AttemptFailed v2.
 */
export interface AttemptBodyRef {
  /** object key, `bodies/tenant=<t>/dt=<yyyy-mm-dd>/<runId>/<attempt>` */
  key: string;
  /** hex SHA-256 of the stored bytes */
  sha256: string;
  /** bytes stored */
  bytes: number;
  /** the response's `content-type`, if it sent one */
  contentType: string | null;
  /**
   * true when the object may not hold the whole body: reading stopped at the runner's cap
   * (the target may have sent more), or the body broke off (timeout, reset)
   */
  truncated: boolean;
}

export interface AttemptResponseFacts {
  durationMs: number;
  /** response headers, lower-cased, without set-cookie */
  headers: Record<string, string>;
  /** the first KB of the body (UTF-8) */
  bodyExcerpt: string;
  bodyBytes: number;
  bodyTruncated: boolean;
  /**
   * the stored whole body (v2). Absent when none was stored: v1 events, storage off, an
   * empty body, or a failed object write. Decoding leaves it out rather than setting null,
   * so v1 events read exactly as before; writers may pass null for "none".
   */
  body?: AttemptBodyRef | null;
  /**
   * true when `bodyExcerpt` is not the body's exact text: NUL or bytes that are not UTF-8 were
   * replaced by U+FFFD so the excerpt is storable text (v3; the stored body keeps the bytes).
   * Decoding leaves it out when false, so v1 and v2 events read exactly as before.
   */
  bodyExcerptReplaced?: boolean;
}

export interface AttemptSucceededData extends AttemptResponseFacts {
  attempt: number;
  status: number;
}

export interface AttemptFailedData extends AttemptResponseFacts {
  attempt: number;
  errorClass: AttemptErrorClass;
  status: number | null;
  message: string;
  retryAfterMs: number | null;
}

/** The watchdog's verdict on an attempt whose runner never reported back. */
export interface AttemptTimedOutData {
  attempt: number;
  deadline: string;
}

export interface RetryScheduledData {
  /** the attempt that will run */
  attempt: number;
  dueAt: string;
  delayMs: number;
  reason: string;
}

export interface RunSucceededData {
  attempts: number;
}

export interface RunDeadLetteredData {
  attempts: number;
  reason: "exhausted" | "not-retryable";
  lastError: string;
}

export interface RunCancelledData {
  reason: string | null;
}

/** A run taken back out of the dead letters; a RunQueued for the next attempt follows. */
export interface RunRedrivenData {
  reason: string | null;
}

export type RunSkipReason = "overlap" | "missed" | "paused";

/**
 * A fire time that did not run. One event can stand for many missed fires of one outage
 * (`missedCount`, between `missedFrom` and `missedTo`), so long outages never flood.
 */
export interface RunSkippedData {
  jobId: string;
  jobVersion: number;
  scheduledFor: string;
  reason: RunSkipReason;
  missedCount: number;
  missedFrom: string | null;
  missedTo: string | null;
}

// ---- notifications: stream `<tenant>/notification/<sourceEventId>` ----

export type NotificationChannelType = "email" | "slack" | "teams" | "webhook" | "push";

/** What a notification is about (the source event id keys its stream). */
export interface NotificationFacts {
  /** event that caused it (its id is the notification stream's id) */
  sourceEventId: string;
  sourceStreamId: string;
  /** `run.failed`, `run.dead_lettered`, `job.recovered`, `run.skipped` */
  kind: string;
  jobId: string;
  runId: string | null;
  preferenceId: string;
  /** `user:<id>` or `team:<id>` */
  recipient: string;
  channel: NotificationChannelType;
  /** where it went, without secrets (an address, or a URL's origin) */
  destination: string;
  /** delivery attempts made, >= 1 */
  attempts: number;
}

export type NotificationSentData = NotificationFacts;

export interface NotificationFailedData extends NotificationFacts {
  error: string;
  /** true when no further attempt will be made (reported, not retried) */
  final: boolean;
}

/** Every event type and the shape of its payload (newest schema version). */
export interface EventDataMap {
  JobCreated: JobCreatedData;
  JobUpdated: JobUpdatedData;
  JobPaused: JobPausedData;
  JobResumed: JobResumedData;
  JobDeleted: JobDeletedData;
  RunQueued: RunQueuedData;
  AttemptStarted: AttemptStartedData;
  AttemptSucceeded: AttemptSucceededData;
  AttemptFailed: AttemptFailedData;
  AttemptTimedOut: AttemptTimedOutData;
  RetryScheduled: RetryScheduledData;
  RunSucceeded: RunSucceededData;
  RunDeadLettered: RunDeadLetteredData;
  RunCancelled: RunCancelledData;
  RunRedriven: RunRedrivenData;
  RunSkipped: RunSkippedData;
  NotificationSent: NotificationSentData;
  NotificationFailed: NotificationFailedData;
}

export type EventType = keyof EventDataMap;

/** What a writer supplies; the event store assigns version and hashes. */
export interface NewEvent<T extends EventType = EventType> {
  eventId: string;
  type: T;
  data: EventDataMap[T];
  occurredAt: Date;
  correlationId: string;
  causationId: string | null;
  /** who did it: `user:<id>`, `apikey:<id>`, `system:<component>` */
  actor: string;
  tenant: string;
}

/** An event as stored and read back. */
export interface EventEnvelope<T extends EventType = EventType> extends NewEvent<T> {
  streamId: string;
  /** 1-based position in its stream */
  version: number;
  /** hex SHA-256 of the previous event of the stream ("" for version 1) */
  prevHash: string;
  /** hex SHA-256 over prevHash and this event's content */
  hash: string;
}

/** Extra facts a decoder knows about the bytes it read. */
export interface DecodedEvent<T extends EventType = EventType> extends EventEnvelope<T> {
  /** schema version of the payload as written (before upcasting) */
  schemaVersion: number;
  /** CRC-64-AVRO fingerprint of the payload writer's schema, 16 hex digits */
  schemaFingerprint: string;
  /**
   * hex SHA-256 of the payload bytes as written (single-object encoding): what the hash chain
   * covers, so it stays verifiable when later schema versions read the payload differently
   */
  payloadDigest: string;
}

export type AnyEnvelope = { [T in EventType]: EventEnvelope<T> }[EventType];
