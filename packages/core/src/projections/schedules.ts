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
 */
import type { DecodedEvent, EventType, JobDefinition, ScheduleSpec } from "@jobledger/events";
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

interface StoredSchedule {
  status: "active" | "paused" | "deleted";
  schedule: ScheduleSpec;
  anchor: Date;
  last_fire_at: Date | null;
}

export const schedulesProjection: Projection = {
  name: "schedules",
  handles: (type) => HANDLED.has(type),
  // both set status, next_fire_at, next_due_at, job_version, updated_at (a resume reads only
  // schedule, anchor and last_fire_at, which neither writes)
  supersedes: (earlier, later) => PAUSE_TOGGLES.has(earlier.type) && PAUSE_TOGGLES.has(later.type),
  async apply(client, event) {
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
    const update = async (set: string, values: unknown[]) => {
      const result = await client.query(
        `UPDATE schedules SET job_version = $3, updated_at = $4, ${set} WHERE tenant = $1 AND job_id = $2`,
        [tenant, jobId, event.version, event.occurredAt, ...values],
      );
      if (result.rowCount !== 1) fail("found no schedule row: was JobCreated not applied?");
    };
    const load = async (): Promise<StoredSchedule> => {
      const result = await client.query<StoredSchedule>(
        `SELECT status, schedule, anchor, last_fire_at FROM schedules WHERE tenant = $1 AND job_id = $2 FOR UPDATE`,
        [tenant, jobId],
      );
      return result.rows[0] ?? fail("found no schedule row: was JobCreated not applied?");
    };

    switch (event.type) {
      case "JobCreated": {
        const definition = (event as DecodedEvent<"JobCreated">).data.definition;
        const anchor = event.occurredAt;
        // fires the runs projection saw before this row existed (streams are projected in any order)
        const seen = await client.query<{ last_fire_at: Date | null }>(
          `SELECT GREATEST(
             (SELECT last_fire_at FROM schedules WHERE tenant = $1 AND job_id = $2),
             (SELECT max(scheduled_for) FROM runs
              WHERE tenant = $1 AND job_id = $2 AND trigger IN ('schedule', 'catch-up'))
           ) AS last_fire_at`,
          [tenant, jobId],
        );
        const lastFireAt = seen.rows[0]?.last_fire_at ?? null;
        const { nextFireAt, nextDueAt } = next(definition.schedule, anchor, lastFireAt);
        // ON CONFLICT: a rebuild (positions reset, rows kept) starts over cleanly
        await client.query(
          `INSERT INTO schedules (tenant, job_id, job_version, status, schedule, overlap, concurrency, catch_up,
                                  request, retry, anchor, next_fire_at, next_due_at, last_fire_at,
                                  buffered_fire_at, updated_at)
           VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, $10)
           ON CONFLICT (tenant, job_id) DO UPDATE SET
             job_version = EXCLUDED.job_version, status = EXCLUDED.status, schedule = EXCLUDED.schedule,
             overlap = EXCLUDED.overlap, concurrency = EXCLUDED.concurrency, catch_up = EXCLUDED.catch_up,
             request = EXCLUDED.request, retry = EXCLUDED.retry, anchor = EXCLUDED.anchor,
             next_fire_at = EXCLUDED.next_fire_at, next_due_at = EXCLUDED.next_due_at,
             last_fire_at = EXCLUDED.last_fire_at, buffered_fire_at = NULL, updated_at = EXCLUDED.updated_at`,
          [
            tenant,
            jobId,
            event.version,
            JSON.stringify(definition.schedule),
            definition.overlap,
            definition.concurrency,
            JSON.stringify(definition.catchUp ?? null),
            JSON.stringify(definition.request),
            JSON.stringify(definition.retry),
            anchor,
            nextFireAt,
            nextDueAt,
            lastFireAt,
          ],
        );
        return;
      }
      case "JobUpdated": {
        const changes = changedScheduleFields(event as DecodedEvent<"JobUpdated">, fail);
        const fields = Object.keys(changes) as ScheduleField[];
        const values: unknown[] = [];
        const sets = fields.map((field) => {
          const value = changes[field];
          values.push(field === "overlap" || field === "concurrency" ? value : JSON.stringify(value));
          return `${COLUMN_OF[field]} = $${values.length + 4}`;
        });
        if (changes.schedule !== undefined) {
          const stored = await load();
          if (stored.status === "active") {
            const { nextFireAt, nextDueAt } = next(changes.schedule, stored.anchor, stored.last_fire_at);
            values.push(nextFireAt, nextDueAt);
            sets.push(`next_fire_at = $${values.length + 3}`, `next_due_at = $${values.length + 4}`);
          }
        }
        await update(sets.length > 0 ? sets.join(", ") : "status = status", values);
        return;
      }
      case "JobResumed": {
        const stored = await load();
        const { nextFireAt, nextDueAt } = next(stored.schedule, stored.anchor, stored.last_fire_at);
        await update(`status = 'active', next_fire_at = $5, next_due_at = $6`, [nextFireAt, nextDueAt]);
        return;
      }
      case "JobPaused":
        // a buffered fire stays: the scheduler releases buffers of active schedules only
        await update(`status = 'paused', next_fire_at = NULL, next_due_at = NULL`, []);
        return;
      case "JobDeleted":
        await update(
          `status = 'deleted', next_fire_at = NULL, next_due_at = NULL, buffered_fire_at = NULL`,
          [],
        );
        return;
      default:
        throw new Error(`the schedules projection does not handle ${event.type}`);
    }
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
