/**
 * The "schedules" projection: one row of `schedules` per job stream (migration
 * 0003_runs_and_schedules), holding what the scheduler tick needs: the schedule, overlap,
 * concurrency, catch-up, request and retry of the job's current definition, its status, and
 * when it fires next.
 *
 * `next_fire_at` is computed from event times only (never the wall clock), as the first fire
 * strictly after max(event time, last_fire_at), on JobCreated, on a JobUpdated that changes
 * the schedule, and on JobResumed; pause and delete clear it. Between events the scheduler
 * tick owns next_fire_at, next_due_at, last_fire_at and buffered_fire_at; the runs projection
 * raises last_fire_at for each fire it sees and moves a next_fire_at the fire reached, so the
 * row does not depend on the order job and run streams are projected in. `next_due_at` is
 * next_fire_at plus the fire's deterministic jitter.
 *
 * `foldSchedule` (job events) and `raiseFire` (a fire the runs projection saw) are the whole
 * projection as pure functions of the row before; the live `apply` reads and locks the row,
 * folds and writes it back, and the rebuild folds a page per stream in memory
 * (page-projector.ts).
 */
import type { DecodedEvent, EventType, JobDefinition, ScheduleSpec } from "@jobledger/events";
import type pg from "pg";
import { selectRows, type TableSpec, upsertRows } from "../adapters/postgres/page-rows.ts";
import type { Projection } from "../adapters/postgres/projector.ts";
import { JOB_EVENT_TYPES } from "../domain/job/aggregate.ts";
import { dueAt, nextFireAfter } from "../domain/schedule/index.ts";
import { jobIdOf, PAUSE_TOGGLES } from "./jobs.ts";

const HANDLED: ReadonlySet<EventType> = new Set<EventType>(JOB_EVENT_TYPES);

/** The definition fields this projection keeps, and their columns. */
const COLUMN_OF = {
  schedule: "schedule",
  overlap: "overlap",
  concurrency: "concurrency",
  catchUp: "catch_up",
  request: "request",
  retry: "retry",
} as const satisfies Partial<Record<keyof JobDefinition, string>>;

type ScheduleField = keyof typeof COLUMN_OF;
const SCHEDULE_FIELDS = Object.keys(COLUMN_OF) as ScheduleField[];
/** fields whose null is a real value (a decoder may drop it) */
const NULLABLE_FIELDS: ReadonlySet<ScheduleField> = new Set<ScheduleField>(["concurrency"]);

/** The next fire and its due time: the first fire strictly after max(`at`, `lastFireAt`). */
export function nextFireOf(
  jobId: string,
  schedule: ScheduleSpec,
  anchor: Date,
  at: Date,
  lastFireAt: Date | null,
): { nextFireAt: Date | null; nextDueAt: Date | null } {
  const after = lastFireAt !== null && lastFireAt > at ? lastFireAt : at;
  const nextFireAt = nextFireAfter(schedule, after, anchor);
  return {
    nextFireAt,
    nextDueAt: nextFireAt === null ? null : dueAt(jobId, nextFireAt, schedule.jitterSeconds ?? 0),
  };
}

/** A row of `schedules` as the fold sees it. */
export interface ScheduleRow {
  tenant: string;
  job_id: string;
  job_version: number;
  status: "active" | "paused" | "deleted";
  schedule: ScheduleSpec;
  overlap: JobDefinition["overlap"];
  concurrency: number | null;
  catch_up: JobDefinition["catchUp"] | null;
  request: JobDefinition["request"];
  retry: JobDefinition["retry"];
  anchor: Date;
  next_fire_at: Date | null;
  next_due_at: Date | null;
  last_fire_at: Date | null;
  buffered_fire_at: Date | null;
  updated_at: Date;
}

export const SCHEDULES_TABLE: TableSpec<ScheduleRow> = {
  table: "schedules",
  key: ["tenant", "job_id"],
  columns: {
    tenant: "text",
    job_id: "text",
    job_version: "integer",
    status: "text",
    schedule: "jsonb not null",
    overlap: "text",
    concurrency: "integer",
    catch_up: "jsonb not null",
    request: "jsonb not null",
    retry: "jsonb not null",
    anchor: "timestamptz",
    next_fire_at: "timestamptz",
    next_due_at: "timestamptz",
    last_fire_at: "timestamptz",
    buffered_fire_at: "timestamptz",
    updated_at: "timestamptz",
  },
};

/**
 * The schedules row after `event`, from the row before it (null: none yet). Pure. On JobCreated,
 * `firesSeen` is the latest fire time among the job's scheduled and catch-up runs in `runs`
 * (the runs projection may have seen fires before the job's stream was projected).
 */
export function foldSchedule(
  row: ScheduleRow | null,
  event: DecodedEvent,
  firesSeen: Date | null = null,
): ScheduleRow {
  const jobId = jobIdOf(event);
  const { tenant } = event;
  const fail = (why: string): never => {
    throw new Error(`${event.type} (version ${event.version}) of ${event.streamId} ${why}`);
  };
  const next = (schedule: ScheduleSpec, anchor: Date, lastFireAt: Date | null) => {
    try {
      return nextFireOf(jobId, schedule, anchor, event.occurredAt, lastFireAt);
    } catch (error) {
      return fail(`has a schedule whose next fire cannot be computed: ${String(error)}`);
    }
  };
  const stored = (): ScheduleRow => row ?? fail("found no schedule row: was JobCreated not applied?");
  const touched = (): ScheduleRow => ({
    ...stored(),
    job_version: event.version,
    updated_at: event.occurredAt,
  });

  switch (event.type) {
    case "JobCreated": {
      const definition = (event as DecodedEvent<"JobCreated">).data.definition;
      const anchor = event.occurredAt;
      // fires the runs projection saw before this row existed (streams are projected in any order)
      const lastFireAt = latest(row?.last_fire_at ?? null, firesSeen);
      const { nextFireAt, nextDueAt } = next(definition.schedule, anchor, lastFireAt);
      // replaces a row a rebuild (positions reset, rows kept) finds
      return {
        tenant,
        job_id: jobId,
        job_version: event.version,
        status: "active",
        schedule: definition.schedule,
        overlap: definition.overlap,
        concurrency: definition.concurrency,
        catch_up: definition.catchUp ?? null,
        request: definition.request,
        retry: definition.retry,
        anchor,
        next_fire_at: nextFireAt,
        next_due_at: nextDueAt,
        last_fire_at: lastFireAt,
        buffered_fire_at: null,
        updated_at: anchor,
      };
    }
    case "JobUpdated": {
      const changes = changedScheduleFields(event as DecodedEvent<"JobUpdated">, fail);
      const updated: Record<string, unknown> = { ...touched() };
      for (const field of Object.keys(changes) as ScheduleField[]) updated[COLUMN_OF[field]] = changes[field];
      const result = updated as unknown as ScheduleRow;
      if (changes.schedule !== undefined && result.status === "active") {
        const { nextFireAt, nextDueAt } = next(changes.schedule, result.anchor, result.last_fire_at);
        result.next_fire_at = nextFireAt;
        result.next_due_at = nextDueAt;
      }
      return result;
    }
    case "JobResumed": {
      const before = stored();
      const { nextFireAt, nextDueAt } = next(before.schedule, before.anchor, before.last_fire_at);
      return { ...touched(), status: "active", next_fire_at: nextFireAt, next_due_at: nextDueAt };
    }
    case "JobPaused":
      // a buffered fire stays: the scheduler releases buffers of active schedules only
      return { ...touched(), status: "paused", next_fire_at: null, next_due_at: null };
    case "JobDeleted":
      return {
        ...touched(),
        status: "deleted",
        next_fire_at: null,
        next_due_at: null,
        buffered_fire_at: null,
      };
    default:
      throw new Error(`the schedules projection does not handle ${event.type}`);
  }
}

/**
 * The schedules row after the runs projection saw a fire at `fireAt` (a scheduled or catch-up
 * run, or a skipped fire): `last_fire_at` rises to it, and a `next_fire_at` it reached moves to
 * the first fire after it, as the tick that handled the fire would have set it. So
 * `next_fire_at` stays the first fire after max(last schedule-setting event, last fire),
 * whatever order the job's and its runs' streams are projected in. Pure; returns `row` itself
 * when nothing changes (and null when there is no row: JobCreated reads the runs instead).
 */
export function raiseFire(row: ScheduleRow | null, fireAt: string): ScheduleRow | null {
  const fire = new Date(fireAt);
  if (!row || (row.last_fire_at !== null && row.last_fire_at >= fire)) return row;
  // paused or deleted (no next fire), or the next fire is still ahead: only the last fire moves
  if (row.next_fire_at === null || row.next_fire_at > fire) return { ...row, last_fire_at: fire };
  let next: { nextFireAt: Date | null; nextDueAt: Date | null };
  try {
    next = nextFireOf(row.job_id, row.schedule, row.anchor, fire, null);
  } catch (error) {
    throw new Error(
      `the schedule of job ${row.job_id} (tenant ${row.tenant}) has no computable fire after ${fireAt}: ${String(error)}`,
    );
  }
  return { ...row, last_fire_at: fire, next_fire_at: next.nextFireAt, next_due_at: next.nextDueAt };
}

/** The later of two times (GREATEST: nulls ignored). */
function latest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}

/** The latest fire time among a job's scheduled and catch-up runs (skipped fires included). */
export async function runsLastFire(
  client: pg.ClientBase,
  tenant: string,
  jobId: string,
): Promise<Date | null> {
  const { rows } = await client.query<{ last: Date | null }>(
    `SELECT max(scheduled_for) AS last FROM runs
      WHERE tenant = $1 AND job_id = $2 AND trigger IN ('schedule', 'catch-up')`,
    [tenant, jobId],
  );
  return rows[0]?.last ?? null;
}

export const schedulesProjection: Projection = {
  name: "schedules",
  handles: (type) => HANDLED.has(type),
  // both set status, next_fire_at, next_due_at, job_version, updated_at (a resume reads only
  // schedule, anchor and last_fire_at, which neither writes)
  supersedes: (earlier, later) => PAUSE_TOGGLES.has(earlier.type) && PAUSE_TOGGLES.has(later.type),
  async apply(client, event) {
    const jobId = jobIdOf(event);
    // locked: the scheduler tick writes next_fire_at, last_fire_at and buffered_fire_at of these rows
    const [row] = await selectRows(client, SCHEDULES_TABLE, [[event.tenant, jobId]], { forUpdate: true });
    const firesSeen = event.type === "JobCreated" ? await runsLastFire(client, event.tenant, jobId) : null;
    await upsertRows(client, SCHEDULES_TABLE, [foldSchedule(row ?? null, event, firesSeen)]);
  },
};

/**
 * The changed fields of a JobUpdated this projection keeps. `changedFields` is the authority:
 * a decoder may give unchanged fields as null, and may drop a real null (of concurrency).
 */
function changedScheduleFields(
  event: DecodedEvent<"JobUpdated">,
  fail: (why: string) => never,
): Partial<Pick<JobDefinition, ScheduleField>> {
  const { changes, changedFields } = event.data;
  const picked: Record<string, unknown> = {};
  for (const field of SCHEDULE_FIELDS) {
    if (!changedFields.includes(field)) continue;
    const value = changes[field];
    if (value === undefined || value === null) {
      if (!NULLABLE_FIELDS.has(field)) fail(`names ${field} as changed but does not set it`);
      picked[field] = null;
    } else {
      picked[field] = value;
    }
  }
  return picked as Partial<Pick<JobDefinition, ScheduleField>>;
}
