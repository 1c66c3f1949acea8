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

export type ScheduleSpec =
  | { type: "cron"; expression: string; timezone: string }
  | { type: "rate"; everySeconds: number }
  /** ISO-8601 instant, UTC (e.g. 2026-11-23T12:00:00.000Z) */
  | { type: "once"; at: string };

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

/** Every event type and the shape of its payload (newest schema version). */
export interface EventDataMap {
  JobCreated: JobCreatedData;
  JobUpdated: JobUpdatedData;
  JobPaused: JobPausedData;
  JobResumed: JobResumedData;
  JobDeleted: JobDeletedData;
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
}

export type AnyEnvelope = { [T in EventType]: EventEnvelope<T> }[EventType];
