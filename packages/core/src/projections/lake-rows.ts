/**
 * The lake's rows, derived from events without I/O: one `events` row per event and one `runs`
 * row per finished run (computed from the run stream's events up to its terminal event), and
 * the object keys they are written under. The column names are the analysts' contract
 * (docs/analytics.md, Glue tables in stacks/lake.ts): change them only together.
 *
 * Tenant and day are Hive partitions (`tenant=<t>/dt=YYYY-MM-DD/` in the key), not columns in
 * the files: DuckDB and Athena both read them from the path.
 */
import { createHash } from "node:crypto";
import type { DecodedEvent, EventDataMap } from "@jobledger/events";

export type LakeTable = "events" | "runs";

export interface EventRow {
  event_id: string;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  occurred_at: Date;
  actor: string;
  correlation_id: string;
  causation_id: string | null;
  payload: string;
}

/** Terminal statuses of a run as the lake names them. */
export type LakeRunStatus = "succeeded" | "dead_lettered" | "cancelled" | "skipped";

export interface RunRow {
  run_id: string;
  job_id: string;
  status: LakeRunStatus;
  /** how the run came to be: schedule, catch-up, manual (of its first RunQueued) */
  trigger: string;
  attempts: number;
  scheduled_at: Date | null;
  started_at: Date | null;
  finished_at: Date;
  duration_ms: number | null;
  http_status: number | null;
  error_class: string | null;
  /** stream version of the terminal event (a redriven run finishes again at a higher one) */
  version: number;
}

const TERMINAL: Record<string, LakeRunStatus> = {
  RunSucceeded: "succeeded",
  RunDeadLettered: "dead_lettered",
  RunCancelled: "cancelled",
  RunSkipped: "skipped",
};

/** Whether the event finishes a run (so a `runs` row is written for it). */
export function finishesRun(event: Pick<DecodedEvent, "type">): boolean {
  return event.type in TERMINAL;
}

export function eventRow(event: DecodedEvent): EventRow {
  return {
    event_id: event.eventId,
    stream_id: event.streamId,
    version: event.version,
    type: event.type,
    schema_version: event.schemaVersion,
    occurred_at: event.occurredAt,
    actor: event.actor,
    correlation_id: event.correlationId,
    causation_id: event.causationId,
    payload: JSON.stringify(event.data),
  };
}

type Data<T extends keyof EventDataMap> = EventDataMap[T];

/**
 * The `runs` row of a run stream's events from version 1 up to and including a terminal event.
 * Throws when the history does not end in a terminal event or does not open the run.
 */
export function runRow(history: readonly DecodedEvent[]): RunRow {
  const last = history[history.length - 1];
  if (!last || !finishesRun(last))
    throw new Error("a run row needs a history that ends with a terminal event");
  const runId = last.streamId.split("/").pop() ?? last.streamId;
  let jobId: string | null = null;
  let trigger = "manual";
  let scheduledAt: Date | null = null;
  let startedAt: Date | null = null;
  let attempts = 0;
  let httpStatus: number | null = null;
  let errorClass: string | null = null;
  for (const event of history) {
    switch (event.type) {
      case "RunQueued": {
        const data = event.data as Data<"RunQueued">;
        if (jobId === null) {
          jobId = data.jobId;
          trigger = data.trigger;
          scheduledAt = new Date(data.scheduledFor ?? data.dueAt);
        }
        break;
      }
      case "RunSkipped": {
        const data = event.data as Data<"RunSkipped">;
        jobId = data.jobId;
        trigger = "schedule";
        scheduledAt = new Date(data.scheduledFor);
        break;
      }
      case "AttemptStarted":
        attempts += 1;
        startedAt ??= event.occurredAt;
        break;
      case "AttemptSucceeded":
        httpStatus = (event.data as Data<"AttemptSucceeded">).status;
        errorClass = null;
        break;
      case "AttemptFailed": {
        const data = event.data as Data<"AttemptFailed">;
        httpStatus = data.status;
        errorClass = data.errorClass;
        break;
      }
      case "AttemptTimedOut":
        httpStatus = null;
        errorClass = "attempt-timeout";
        break;
    }
  }
  if (jobId === null) throw new Error(`run stream ${last.streamId} has no RunQueued or RunSkipped`);
  const status = TERMINAL[last.type] as LakeRunStatus;
  return {
    run_id: runId,
    job_id: jobId,
    status,
    trigger,
    attempts,
    scheduled_at: scheduledAt,
    started_at: startedAt,
    finished_at: last.occurredAt,
    duration_ms: startedAt === null ? null : last.occurredAt.getTime() - startedAt.getTime(),
    http_status: httpStatus,
    error_class: status === "succeeded" ? null : errorClass,
    version: last.version,
  };
}

/** The key the lake dedupes `runs` rows by: a redriven run finishes again at a higher version. */
export function runRowKey(runId: string, version: number): string {
  return `${runId}@${version}`;
}

/** `YYYY-MM-DD` (UTC) of an instant: the `dt` partition. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Hive partition folder of a table, tenant and day. */
export function partitionOf(table: LakeTable, tenant: string, dt: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(tenant)) throw new Error(`tenant "${tenant}" cannot name a lake partition`);
  return `${table}/tenant=${tenant}/dt=${dt}/`;
}

/**
 * The object name of a group of rows: a hash of the ids that made them, so the same batch
 * (a retry) writes the same key and replaces the object instead of adding a second one.
 */
export function objectNameOf(ids: readonly string[]): string {
  const hash = createHash("sha256");
  for (const id of ids) hash.update(id).update("\n");
  return `part-${hash.digest("hex").slice(0, 32)}.parquet`;
}
