/**
 * Queries on the runs and schedules read models (`runs`, `run_attempts`, `schedules`, written
 * by the runs and schedules projections): one run with its attempt timeline, runs listed
 * newest first and dead letters most recent first (keyset paging, one tenant each), and the
 * scheduler's work lists: due schedules, due retries, attempts past their deadline, buffered
 * fires and runs in flight per job. The scheduler's queries take the client of its
 * transaction and lock what they return (`FOR UPDATE SKIP LOCKED`), so two schedulers never
 * take the same item.
 */
import type {
  AttemptBodyRef,
  AttemptErrorClass,
  CatchUpPolicy,
  HttpRequestSpec,
  OverlapPolicy,
  RetryPolicy,
  RunSkipReason,
  RunTrigger,
  ScheduleSpec,
} from "@jobledger/events";
import type pg from "pg";
import type { RunStatus } from "../../domain/run/aggregate.ts";
import {
  CURSOR_AT,
  checkPageSize,
  cursorAtSql,
  type KeysetPage,
  keysetAfter,
  pageOf,
} from "./keyset-cursor.ts";

export { InvalidCursor } from "./keyset-cursor.ts";

export type { RunStatus };

export interface RunView {
  tenant: string;
  runId: string;
  jobId: string;
  /** the job version whose definition the run uses; null on a row the scheduler wrote ahead */
  jobVersion: number | null;
  status: RunStatus;
  /** why the run exists (skipped fires: "schedule") */
  trigger: RunTrigger;
  scheduledFor: Date | null;
  dueAt: Date | null;
  /** current attempt, 0 when none (skipped) */
  attempt: number;
  /** attempts made before the last redrive */
  attemptBase: number;
  /** deadline of the attempt in flight */
  deadline: Date | null;
  /** when a scheduled retry is due */
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastErrorClass: AttemptErrorClass | null;
  lastError: string | null;
  skipReason: RunSkipReason | null;
  missedCount: number | null;
  missedFrom: Date | null;
  missedTo: Date | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  /** stream version of the last event applied (0: queued by the scheduler, not projected yet) */
  version: number;
}

export interface AttemptView {
  attempt: number;
  startedAt: Date;
  deadline: Date | null;
  runner: string | null;
  finishedAt: Date | null;
  outcome: "succeeded" | "failed" | "timed-out" | null;
  statusCode: number | null;
  errorClass: AttemptErrorClass | null;
  message: string | null;
  durationMs: number | null;
  responseHeaders: Record<string, string> | null;
  bodyExcerpt: string | null;
  bodyBytes: number | null;
  bodyTruncated: boolean | null;
  /** true when NUL or bytes that are not UTF-8 were replaced by U+FFFD in `bodyExcerpt`; null: no response */
  bodyExcerptReplaced: boolean | null;
  /** the stored whole body (key, SHA-256, size, content type, truncated); null when none */
  body: AttemptBodyRef | null;
}

export interface RunDetail extends RunView {
  /** in attempt order */
  attempts: AttemptView[];
}

export type RunPage = KeysetPage<RunView>;

export interface ListRunsOptions {
  jobId?: string;
  status?: RunStatus;
  /** created at or after */
  from?: Date;
  /** created before */
  to?: Date;
  /** page size, 1..200, default 50 */
  limit?: number;
  /** `nextCursor` of the previous page */
  cursor?: string | null;
}

export interface DeadLetterOptions {
  jobId?: string;
  /** page size, 1..200, default 50 */
  limit?: number;
  cursor?: string | null;
}

/** A schedule row as the scheduler tick works on it. */
export interface ScheduleRow {
  tenant: string;
  jobId: string;
  jobVersion: number;
  status: "active" | "paused" | "deleted";
  schedule: ScheduleSpec;
  overlap: OverlapPolicy;
  concurrency: number | null;
  catchUp: CatchUpPolicy | null;
  request: HttpRequestSpec;
  retry: RetryPolicy;
  /** the job's creation time (anchors rate schedules without startAt) */
  anchor: Date;
  nextFireAt: Date | null;
  nextDueAt: Date | null;
  lastFireAt: Date | null;
  bufferedFireAt: Date | null;
  updatedAt: Date;
}

/** A run the scheduler acts on. */
export interface RunRef {
  tenant: string;
  runId: string;
}

/** A client of the caller's transaction (or the pool, for a read without locks). */
export type Queryable = pg.Pool | pg.PoolClient;

export interface RunQueries {
  /** the run with its attempts, or null when it does not exist in this tenant */
  get(tenant: string, runId: string): Promise<RunDetail | null>;
  /** runs newest first (by creation time) */
  list(tenant: string, options?: ListRunsOptions): Promise<RunPage>;
  /** dead-lettered runs, most recently dead-lettered first */
  deadLetters(tenant: string, options?: DeadLetterOptions): Promise<RunPage>;
  /** active schedules whose next due time has come, earliest first, locked */
  dueSchedules(client: Queryable, now: Date, limit: number): Promise<ScheduleRow[]>;
  /** active schedules holding a buffered fire, oldest fire first, locked */
  bufferedSchedules(client: Queryable, limit: number): Promise<ScheduleRow[]>;
  /** runs whose scheduled retry is due, earliest first, locked */
  dueRetries(client: Queryable, now: Date, limit: number): Promise<RunRef[]>;
  /** running runs past their attempt's deadline, earliest first, locked */
  expiredAttempts(client: Queryable, now: Date, limit: number): Promise<RunRef[]>;
  /** runs of the job in flight (queued, running, retry-scheduled) */
  activeRunCount(client: Queryable, tenant: string, jobId: string): Promise<number>;
  /** ids of the job's runs in flight, oldest first */
  activeRunIds(client: Queryable, tenant: string, jobId: string): Promise<string[]>;
}

export const DEFAULT_RUN_PAGE_SIZE = 50;
export const MAX_RUN_PAGE_SIZE = 200;

interface RunRow {
  tenant: string;
  run_id: string;
  job_id: string;
  job_version: number | null;
  status: RunStatus;
  trigger: RunTrigger;
  scheduled_for: Date | null;
  due_at: Date | null;
  attempt: number;
  attempt_base: number;
  deadline: Date | null;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error_class: AttemptErrorClass | null;
  last_error: string | null;
  skip_reason: RunSkipReason | null;
  missed_count: number | null;
  missed_from: Date | null;
  missed_to: Date | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  version: number;
  /** the paging column in UTC with microseconds */
  [CURSOR_AT]: string;
}

interface AttemptRow {
  attempt: number;
  started_at: Date;
  deadline: Date | null;
  runner: string | null;
  finished_at: Date | null;
  outcome: AttemptView["outcome"];
  status_code: number | null;
  error_class: AttemptErrorClass | null;
  message: string | null;
  duration_ms: number | null;
  response_headers: Record<string, string> | null;
  body_excerpt: string | null;
  body_bytes: number | null;
  body_truncated: boolean | null;
  body_excerpt_replaced: boolean | null;
  body_object: AttemptBodyRef | null;
}

interface ScheduleDbRow {
  tenant: string;
  job_id: string;
  job_version: number;
  status: ScheduleRow["status"];
  schedule: ScheduleSpec;
  overlap: OverlapPolicy;
  concurrency: number | null;
  catch_up: CatchUpPolicy | null;
  request: HttpRequestSpec;
  retry: RetryPolicy;
  anchor: Date;
  next_fire_at: Date | null;
  next_due_at: Date | null;
  last_fire_at: Date | null;
  buffered_fire_at: Date | null;
  updated_at: Date;
}

const RUN_COLUMNS = `tenant, run_id, job_id, job_version, status, trigger, scheduled_for, due_at, attempt,
  attempt_base, deadline, next_attempt_at, last_status_code, last_error_class, last_error, skip_reason,
  missed_count, missed_from, missed_to, created_at, updated_at, finished_at, version`;

const SCHEDULE_COLUMNS = `tenant, job_id, job_version, status, schedule, overlap, concurrency, catch_up, request,
  retry, anchor, next_fire_at, next_due_at, last_fire_at, buffered_fire_at, updated_at`;

/** the domain's ACTIVE_RUN_STATUSES, spelled as the partial index runs_active_idx is */
const ACTIVE = `status IN ('queued', 'running', 'retry-scheduled')`;

export function createRunQueries(pool: pg.Pool): RunQueries {
  /** A page of runs ordered newest first by `(atColumn, run_id)`. */
  async function page(
    tenant: string,
    atColumn: "created_at" | "updated_at",
    filters: (where: string[], param: (value: unknown) => string) => void,
    options: { limit?: number; cursor?: string | null },
  ): Promise<RunPage> {
    const limit = checkPageSize(options.limit ?? DEFAULT_RUN_PAGE_SIZE, MAX_RUN_PAGE_SIZE);
    const params: unknown[] = [tenant];
    const where = ["tenant = $1"];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    filters(where, param);
    if (options.cursor) where.push(keysetAfter(options.cursor, atColumn, "run_id", param));
    const result = await pool.query<RunRow>(
      `SELECT ${RUN_COLUMNS}, ${cursorAtSql(atColumn)} FROM runs WHERE ${where.join(" AND ")}
       ORDER BY ${atColumn} DESC, run_id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    return pageOf(result.rows, limit, toRunView, (row) => ({ at: row[CURSOR_AT], id: row.run_id }));
  }

  return {
    async get(tenant, runId) {
      const run = await pool.query<RunRow>(
        `SELECT ${RUN_COLUMNS}, ${cursorAtSql("created_at")} FROM runs WHERE tenant = $1 AND run_id = $2`,
        [tenant, runId],
      );
      const row = run.rows[0];
      if (!row) return null;
      const attempts = await pool.query<AttemptRow>(
        `SELECT attempt, started_at, deadline, runner, finished_at, outcome, status_code, error_class, message,
                duration_ms, response_headers, body_excerpt, body_bytes, body_truncated, body_excerpt_replaced,
                body_object
         FROM run_attempts WHERE tenant = $1 AND run_id = $2 ORDER BY attempt`,
        [tenant, runId],
      );
      return { ...toRunView(row), attempts: attempts.rows.map(toAttemptView) };
    },

    list(tenant, options = {}) {
      return page(
        tenant,
        "created_at",
        (where, param) => {
          if (options.jobId !== undefined) where.push(`job_id = ${param(options.jobId)}`);
          if (options.status !== undefined) where.push(`status = ${param(options.status)}`);
          if (options.from !== undefined)
            where.push(`created_at >= ${param(checkDate("from", options.from))}`);
          if (options.to !== undefined) where.push(`created_at < ${param(checkDate("to", options.to))}`);
        },
        options,
      );
    },

    deadLetters(tenant, options = {}) {
      return page(
        tenant,
        "updated_at",
        (where, param) => {
          where.push("status = 'dead-lettered'");
          if (options.jobId !== undefined) where.push(`job_id = ${param(options.jobId)}`);
        },
        options,
      );
    },

    async dueSchedules(client, now, limit) {
      const result = await client.query<ScheduleDbRow>(
        `SELECT ${SCHEDULE_COLUMNS} FROM schedules
         WHERE status = 'active' AND next_due_at IS NOT NULL AND next_due_at <= $1
         ORDER BY next_due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, checkBatch(limit)],
      );
      return result.rows.map(toScheduleRow);
    },

    async bufferedSchedules(client, limit) {
      const result = await client.query<ScheduleDbRow>(
        `SELECT ${SCHEDULE_COLUMNS} FROM schedules
         WHERE buffered_fire_at IS NOT NULL AND status = 'active'
         ORDER BY buffered_fire_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [checkBatch(limit)],
      );
      return result.rows.map(toScheduleRow);
    },

    async dueRetries(client, now, limit) {
      const result = await client.query<{ tenant: string; run_id: string }>(
        `SELECT tenant, run_id FROM runs
         WHERE status = 'retry-scheduled' AND next_attempt_at <= $1
         ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, checkBatch(limit)],
      );
      return result.rows.map((row) => ({ tenant: row.tenant, runId: row.run_id }));
    },

    async expiredAttempts(client, now, limit) {
      const result = await client.query<{ tenant: string; run_id: string }>(
        `SELECT tenant, run_id FROM runs
         WHERE status = 'running' AND deadline <= $1
         ORDER BY deadline LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, checkBatch(limit)],
      );
      return result.rows.map((row) => ({ tenant: row.tenant, runId: row.run_id }));
    },

    async activeRunCount(client, tenant, jobId) {
      const result = await client.query<{ count: number }>(
        `SELECT count(*)::integer AS count FROM runs WHERE tenant = $1 AND job_id = $2 AND ${ACTIVE}`,
        [tenant, jobId],
      );
      return result.rows[0]?.count ?? 0;
    },

    async activeRunIds(client, tenant, jobId) {
      const result = await client.query<{ run_id: string }>(
        `SELECT run_id FROM runs WHERE tenant = $1 AND job_id = $2 AND ${ACTIVE}
         ORDER BY created_at, run_id`,
        [tenant, jobId],
      );
      return result.rows.map((row) => row.run_id);
    },
  };
}

function checkDate(name: string, value: Date): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new RangeError(`${name} must be a valid Date`);
  }
  return value;
}

function checkBatch(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`batch size must be a positive integer, got ${limit}`);
  }
  return limit;
}

function toRunView(row: RunRow): RunView {
  return {
    tenant: row.tenant,
    runId: row.run_id,
    jobId: row.job_id,
    jobVersion: row.job_version,
    status: row.status,
    trigger: row.trigger,
    scheduledFor: row.scheduled_for,
    dueAt: row.due_at,
    attempt: row.attempt,
    attemptBase: row.attempt_base,
    deadline: row.deadline,
    nextAttemptAt: row.next_attempt_at,
    lastStatusCode: row.last_status_code,
    lastErrorClass: row.last_error_class,
    lastError: row.last_error,
    skipReason: row.skip_reason,
    missedCount: row.missed_count,
    missedFrom: row.missed_from,
    missedTo: row.missed_to,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    version: row.version,
  };
}

function toAttemptView(row: AttemptRow): AttemptView {
  return {
    attempt: row.attempt,
    startedAt: row.started_at,
    deadline: row.deadline,
    runner: row.runner,
    finishedAt: row.finished_at,
    outcome: row.outcome,
    statusCode: row.status_code,
    errorClass: row.error_class,
    message: row.message,
    durationMs: row.duration_ms,
    responseHeaders: row.response_headers,
    bodyExcerpt: row.body_excerpt,
    bodyBytes: row.body_bytes,
    bodyTruncated: row.body_truncated,
    bodyExcerptReplaced: row.body_excerpt_replaced,
    body: row.body_object,
  };
}

function toScheduleRow(row: ScheduleDbRow): ScheduleRow {
  return {
    tenant: row.tenant,
    jobId: row.job_id,
    jobVersion: row.job_version,
    status: row.status,
    schedule: row.schedule,
    overlap: row.overlap,
    concurrency: row.concurrency,
    catchUp: row.catch_up,
    request: row.request,
    retry: row.retry,
    anchor: row.anchor,
    nextFireAt: row.next_fire_at,
    nextDueAt: row.next_due_at,
    lastFireAt: row.last_fire_at,
    bufferedFireAt: row.buffered_fire_at,
    updatedAt: row.updated_at,
  };
}
