/**
 * The "runs" projection: one row of `runs` per run stream `<tenant>/run/<runId>` and one row
 * of `run_attempts` per attempt (migrations 0003_runs_and_schedules, 0004_attempt_bodies). It
 * also raises `schedules.last_fire_at` to the fire time of every scheduled or catch-up run and every
 * skipped fire (moving a `next_fire_at` it passes), so the schedule state can be rebuilt from
 * events alone.
 *
 * Like the jobs projection it relies on the projector's position guard (each event once, in
 * stream order). The events that open a run (RunQueued of attempt 1, RunSkipped) upsert the
 * row: they replace the scheduler's provisional row, and a rebuild starts over cleanly.
 */
import { type DecodedEvent, type EventType, parseStreamId } from "@jobledger/events";
import type pg from "pg";
import { selectRows } from "../adapters/postgres/page-rows.ts";
import type { Projection } from "../adapters/postgres/projector.ts";
import { RUN_EVENT_TYPES } from "../domain/run/aggregate.ts";
import { raiseFire, SCHEDULES_TABLE } from "./schedules.ts";

const HANDLED: ReadonlySet<EventType> = new Set<EventType>(RUN_EVENT_TYPES);

/** The run id of an event on `<tenant>/run/<runId>`; the tenant must be the event's own. */
export function runIdOf(event: Pick<DecodedEvent, "streamId" | "tenant" | "type">): string {
  const { tenant, kind, id } = parseStreamId(event.streamId);
  if (kind !== "run" || tenant !== event.tenant) {
    throw new Error(
      `${event.type} on stream "${event.streamId}" does not belong to a run stream "${event.tenant}/run/<runId>" of tenant ${event.tenant}`,
    );
  }
  return id;
}

/** The message an attempt timed out by the watchdog carries. */
export function timedOutMessage(deadline: string): string {
  return `no outcome reported by the attempt's deadline ${deadline}`;
}

type Event<T extends EventType> = DecodedEvent<T>;

export const runsProjection: Projection = {
  name: "runs",
  handles: (type) => HANDLED.has(type),
  async apply(client, event) {
    const runId = runIdOf(event);
    const key = [event.tenant, runId, event.version, event.occurredAt];
    const expectOne = (result: pg.QueryResult, table = "run") => {
      if (result.rowCount !== 1) {
        throw new Error(
          `${event.type} (version ${event.version}) of ${event.streamId} found no ${table} row: was the run's earlier history applied?`,
        );
      }
    };
    /** updates the run row: $1 tenant, $2 run id, $3 version, $4 occurredAt, then `values` */
    const updateRun = async (set: string, values: unknown[] = []) =>
      expectOne(
        await client.query(
          `UPDATE runs SET version = $3, updated_at = $4, ${set} WHERE tenant = $1 AND run_id = $2`,
          [...key, ...values],
        ),
      );
    /** updates the attempt row: $1 tenant, $2 run id, $3 attempt, $4 occurredAt, then `values` */
    const finishAttempt = async (attempt: number, set: string, values: unknown[]) =>
      expectOne(
        await client.query(
          `UPDATE run_attempts SET finished_at = $4, ${set}
           WHERE tenant = $1 AND run_id = $2 AND attempt = $3`,
          [event.tenant, runId, attempt, event.occurredAt, ...values],
        ),
        `attempt ${attempt}`,
      );

    switch (event.type) {
      case "RunQueued": {
        const data = (event as Event<"RunQueued">).data;
        if (data.trigger === "retry" || data.trigger === "redrive") {
          await updateRun(
            `status = 'queued', attempt = $5, due_at = $6, next_attempt_at = NULL, deadline = NULL,
             finished_at = NULL`,
            [data.attempt, data.dueAt],
          );
          return;
        }
        if (data.scheduledFor !== null && (data.trigger === "schedule" || data.trigger === "catch-up")) {
          // first: the scheduler holds schedule rows while it inserts provisional runs (lock order)
          await raiseLastFire(client, event.tenant, data.jobId, data.scheduledFor);
        }
        await openRun(client, [
          ...key,
          data.jobId,
          data.jobVersion,
          "queued",
          data.trigger,
          data.scheduledFor,
          data.dueAt,
          data.attempt,
          null,
          null,
          null,
          null,
          null,
        ]);
        return;
      }
      case "RunSkipped": {
        const data = (event as Event<"RunSkipped">).data;
        await raiseLastFire(client, event.tenant, data.jobId, data.scheduledFor);
        await openRun(client, [
          ...key,
          data.jobId,
          data.jobVersion,
          "skipped",
          "schedule",
          data.scheduledFor,
          null,
          0,
          event.occurredAt,
          data.reason,
          data.missedCount,
          data.missedFrom,
          data.missedTo,
        ]);
        return;
      }
      case "AttemptStarted": {
        const data = (event as Event<"AttemptStarted">).data;
        await updateRun(`status = 'running', attempt = $5, deadline = $6, next_attempt_at = NULL`, [
          data.attempt,
          data.deadline,
        ]);
        await client.query(
          `INSERT INTO run_attempts (tenant, run_id, attempt, started_at, deadline, runner)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (tenant, run_id, attempt) DO UPDATE SET
             started_at = EXCLUDED.started_at, deadline = EXCLUDED.deadline, runner = EXCLUDED.runner,
             finished_at = NULL, outcome = NULL, status_code = NULL, error_class = NULL, message = NULL,
             duration_ms = NULL, response_headers = NULL, body_excerpt = NULL, body_bytes = NULL,
             body_truncated = NULL, body_object = NULL`,
          [event.tenant, runId, data.attempt, event.occurredAt, data.deadline, data.runner],
        );
        return;
      }
      case "AttemptSucceeded": {
        const data = (event as Event<"AttemptSucceeded">).data;
        await finishAttempt(
          data.attempt,
          `outcome = 'succeeded', status_code = $5, error_class = NULL, message = NULL, duration_ms = $6,
           response_headers = $7, body_excerpt = $8, body_bytes = $9, body_truncated = $10,
           body_object = $11`,
          [data.status, ...responseFacts(data)],
        );
        // the status stays: RunSucceeded follows (or the run was cancelled meanwhile)
        await updateRun(
          `deadline = NULL, last_status_code = $5, last_error_class = NULL, last_error = NULL`,
          [data.status],
        );
        return;
      }
      case "AttemptFailed": {
        const data = (event as Event<"AttemptFailed">).data;
        await finishAttempt(
          data.attempt,
          `outcome = 'failed', status_code = $5, error_class = $6, message = $7, duration_ms = $8,
           response_headers = $9, body_excerpt = $10, body_bytes = $11, body_truncated = $12,
           body_object = $13`,
          [data.status, data.errorClass, data.message, ...responseFacts(data)],
        );
        await updateRun(`deadline = NULL, last_status_code = $5, last_error_class = $6, last_error = $7`, [
          data.status,
          data.errorClass,
          data.message,
        ]);
        return;
      }
      case "AttemptTimedOut": {
        const data = (event as Event<"AttemptTimedOut">).data;
        const message = timedOutMessage(data.deadline);
        await finishAttempt(
          data.attempt,
          `outcome = 'timed-out', status_code = NULL, error_class = 'timeout', message = $5`,
          [message],
        );
        await updateRun(
          `deadline = NULL, last_status_code = NULL, last_error_class = 'timeout', last_error = $5`,
          [message],
        );
        return;
      }
      case "RetryScheduled": {
        const data = (event as Event<"RetryScheduled">).data;
        await updateRun(`status = 'retry-scheduled', next_attempt_at = $5`, [data.dueAt]);
        return;
      }
      case "RunSucceeded":
        await updateRun(`status = 'succeeded', finished_at = $4, next_attempt_at = NULL, deadline = NULL`);
        return;
      case "RunDeadLettered": {
        const data = (event as Event<"RunDeadLettered">).data;
        await updateRun(
          `status = 'dead-lettered', finished_at = $4, next_attempt_at = NULL, deadline = NULL, last_error = $5`,
          [data.lastError],
        );
        return;
      }
      case "RunCancelled":
        await updateRun(`status = 'cancelled', finished_at = $4, next_attempt_at = NULL, deadline = NULL`);
        return;
      case "RunRedriven":
        // the RunQueued of the next attempt follows and sets the status
        await updateRun(`attempt_base = attempt, finished_at = NULL`);
        return;
      default:
        throw new Error(`the runs projection does not handle ${event.type}`);
    }
  },
};

/**
 * Inserts (or, over a provisional or rebuilt row, replaces) the row of a run. Values in
 * order: tenant, run id, version, occurredAt, job id, job version, status, trigger,
 * scheduled for, due at, attempt, finished at, skip reason, missed count/from/to.
 */
async function openRun(client: pg.PoolClient, values: unknown[]): Promise<void> {
  await client.query(
    `INSERT INTO runs (tenant, run_id, version, created_at, updated_at, job_id, job_version, status, trigger,
                       scheduled_for, due_at, attempt, attempt_base, finished_at, skip_reason, missed_count,
                       missed_from, missed_to)
     VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, $14, $15, $16)
     ON CONFLICT (tenant, run_id) DO UPDATE SET
       version = EXCLUDED.version, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
       job_id = EXCLUDED.job_id, job_version = EXCLUDED.job_version, status = EXCLUDED.status,
       trigger = EXCLUDED.trigger, scheduled_for = EXCLUDED.scheduled_for, due_at = EXCLUDED.due_at,
       attempt = EXCLUDED.attempt, attempt_base = 0, deadline = NULL, next_attempt_at = NULL,
       last_status_code = NULL, last_error_class = NULL, last_error = NULL,
       finished_at = EXCLUDED.finished_at, skip_reason = EXCLUDED.skip_reason,
       missed_count = EXCLUDED.missed_count, missed_from = EXCLUDED.missed_from, missed_to = EXCLUDED.missed_to`,
    values,
  );
}

/**
 * Raises the job's `schedules.last_fire_at` to `fireAt` (no row yet: the schedules projection
 * reads runs when JobCreated lands), moving a `next_fire_at` it passes: `raiseFire` in
 * schedules.ts, shared with the rebuild's page fold.
 */
async function raiseLastFire(client: pg.PoolClient, tenant: string, jobId: string, fireAt: string) {
  const [row] = await selectRows(client, SCHEDULES_TABLE, [[tenant, jobId]], { forUpdate: true });
  const raised = raiseFire(row ?? null, fireAt);
  if (raised === null || raised === row) return;
  await client.query(
    `UPDATE schedules SET last_fire_at = $3, next_fire_at = $4, next_due_at = $5 WHERE tenant = $1 AND job_id = $2`,
    [tenant, jobId, raised.last_fire_at, raised.next_fire_at, raised.next_due_at],
  );
}

/**
 * duration, headers (JSON), body excerpt, bytes, truncated, stored body (JSON, migration
 * 0004): the columns every outcome shares.
 */
function responseFacts(data: Event<"AttemptSucceeded" | "AttemptFailed">["data"]): unknown[] {
  return [
    data.durationMs,
    JSON.stringify(data.headers),
    data.bodyExcerpt,
    data.bodyBytes,
    data.bodyTruncated,
    data.body ? JSON.stringify(data.body) : null,
  ];
}
