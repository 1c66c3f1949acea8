/**
 * The scheduler tick: one pass over what is due, repeated by the caller (a timer locally, an
 * EventBridge-invoked Lambda on AWS). See docs/scheduling.md ("Overlap and concurrency",
 * "Retries and dead letters", "Exactly-once run creation, at-least-once delivery",
 * "Watchdog").
 *
 * a. Due schedules (`schedules.next_due_at <= now`, locked `FOR UPDATE SKIP LOCKED`, so two
 *    schedulers never take the same job): the fires since the last one handled are split
 *    into on-time fires (queued as `schedule` runs once fire + jitter has passed) and fires
 *    *missed* because the scheduler was down (older than `missedAfterMs` plus the jitter
 *    range), which the job's catch-up policy turns into a few `catch-up` runs and ONE
 *    `RunSkipped{reason:"missed"}` summary. Every fire that runs goes through the overlap
 *    policy. The row's `last_fire_at`, `next_fire_at`, `next_due_at`, `buffered_fire_at`
 *    are written in the same transaction.
 * b. Due retries (`RetryScheduled` whose time came) are queued again (`requeueRetry`).
 * c. Watchdog: attempts past their deadline (their runner died or hung) are timed out.
 * d. Buffered fires (overlap `queue`) whose job has room again are queued.
 *
 * Run ids are deterministic (`runIdFor(jobId, fire)`), so a tick repeated after a crash, or
 * two schedulers at once, only repeat appends that then fail on the stream version: a fire
 * never becomes two runs. A provisional `runs` row (status `queued`, version 0) is inserted
 * with each queued run, in the tick's transaction, so the next overlap check sees the run
 * before the runs projection writes it.
 */
import type { OverlapPolicy, RunSkipReason, RunTrigger } from "@jobledger/events";
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import type { RunQueries, ScheduleRow } from "../adapters/postgres/run-queries.ts";
import { withTransaction } from "../adapters/postgres/transaction.ts";
import { AlreadyExists, InvalidTransition, NotFound } from "../domain/errors.ts";
import { runIdFor } from "../domain/run/run-id.ts";
import {
  type CatchUpPolicy,
  DEFAULT_CATCH_UP,
  firesBetween,
  type JobSchedule,
  jitterMs,
  nextFireAfter,
  planMissedFires,
} from "../domain/schedule/index.ts";
import type { Logger } from "../logging.ts";
import { scheduleLag } from "../observability/instruments.ts";
import type { Clock } from "../ports/clock.ts";
import { ConcurrentModification } from "./errors.ts";
import type { RunCommands, RunContext } from "./run-commands.ts";

export const DEFAULT_SCHEDULER_BATCH_SIZE = 500;
/** A fire first seen later than this after its due time counts as missed (catch-up policy). */
export const DEFAULT_MISSED_AFTER_MS = 5 * 60_000;
/** Most on-time fires one job queues in one tick; the rest wait for the next tick. */
export const MAX_FIRES_PER_JOB_PER_TICK = 100;
/** How often a cancel is tried again when the run changed under it. */
const CANCEL_ATTEMPTS = 3;

export interface SchedulerDeps {
  pool: pg.Pool;
  runCommands: Pick<RunCommands, "queue" | "skip" | "cancel" | "requeueRetry" | "timeOutAttempt">;
  runQueries: Pick<
    RunQueries,
    | "dueSchedules"
    | "bufferedSchedules"
    | "activeRunCount"
    | "activeRunIds"
    | "dueRetries"
    | "expiredAttempts"
  >;
  clock: Clock;
  logger: Logger;
  /** most schedules, retries, expired attempts and buffered fires per step of one tick (default 500) */
  batchSize?: number;
  /**
   * a fire the scheduler first sees more than this long after its latest possible due time
   * (fire + jitter range) was missed (the scheduler was down) and goes to the catch-up policy;
   * must exceed the tick interval (default 5 minutes)
   */
  missedAfterMs?: number;
  /** who ticks, for the events' actor (default "scheduler") */
  schedulerId?: string;
}

/** One run the tick queued, and how late it was. */
export interface QueuedRun {
  tenant: string;
  jobId: string;
  runId: string;
  trigger: RunTrigger;
  scheduledFor: Date;
  dueAt: Date;
  /** now − fire time: how late the run was queued */
  lagMs: number;
}

export interface TickReport {
  at: Date;
  /** due schedules taken */
  schedules: number;
  /** runs queued from fires (on time, catch-up and buffered) */
  queued: number;
  /** RunSkipped appended (overlap, and one missed-fires summary per job and tick) */
  skipped: number;
  /** fires kept in `buffered_fire_at` (overlap `queue`) */
  buffered: number;
  /** active runs cancelled by overlap `cancel-previous` */
  cancelled: number;
  /** retries queued again */
  retried: number;
  /** attempts timed out by the watchdog */
  timedOut: number;
  /** buffered fires queued */
  bufferedReleased: number;
  /** fires or runs another scheduler (or an earlier try of this tick) had handled already */
  alreadyHandled: number;
  /** schedules, retries or attempts that failed with an unexpected error (logged; tried again next tick) */
  failures: number;
  queuedRuns: QueuedRun[];
}

export interface Scheduler {
  tick(): Promise<TickReport>;
}

/** The schedule options of a row, as the schedule math takes them. */
function scheduleOf(row: ScheduleRow): JobSchedule {
  return row.schedule;
}

const jitterSecondsOf = (row: ScheduleRow) => row.schedule.jitterSeconds ?? 0;

/** Most runs of the job in flight at once (Infinity: no limit). */
export function concurrencyLimit(overlap: OverlapPolicy, concurrency: number | null): number {
  if (concurrency !== null) return concurrency;
  return overlap === "allow" ? Number.POSITIVE_INFINITY : 1;
}

/**
 * The catch-up policy seen from `cutoff` (the newest instant that counts as missed) rather
 * than from `now`: the window still ends `windowSeconds` before now.
 */
function policyFromCutoff(policy: CatchUpPolicy, now: number, cutoff: number): CatchUpPolicy {
  const windowMs = policy.windowSeconds * 1000 - (now - cutoff);
  return windowMs < 0
    ? { windowSeconds: 0, maxRuns: 0 }
    : { windowSeconds: windowMs / 1000, maxRuns: policy.maxRuns };
}

/** Mutable per-row state while a tick works on one schedule. */
interface RowWork {
  row: ScheduleRow;
  buffered: Date | null;
  bufferedChanged: boolean;
}

/** Another writer opened the run first (another scheduler, or an earlier try of this tick). */
const alreadyOpened = (error: unknown) =>
  error instanceof AlreadyExists || error instanceof ConcurrentModification;
/**
 * The run is no longer in the status the read model showed (it moved on since; the read model
 * lags the events), or another writer changed it at the same moment.
 */
const movedOn = (error: unknown) =>
  error instanceof InvalidTransition || error instanceof NotFound || error instanceof ConcurrentModification;

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { pool, runCommands, runQueries, clock } = deps;
  const logger = deps.logger.child({ component: "scheduler" });
  const batchSize = deps.batchSize ?? DEFAULT_SCHEDULER_BATCH_SIZE;
  const missedAfterMs = deps.missedAfterMs ?? DEFAULT_MISSED_AFTER_MS;
  const actor = `system:${deps.schedulerId ?? "scheduler"}`;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`scheduler batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!Number.isFinite(missedAfterMs) || missedAfterMs < 0) {
    throw new RangeError(`scheduler missedAfterMs must be a non-negative number, got ${missedAfterMs}`);
  }

  async function tick(): Promise<TickReport> {
    const now = clock.now();
    const correlationId = `tick-${uuidv7()}`;
    const report: TickReport = {
      at: now,
      schedules: 0,
      queued: 0,
      skipped: 0,
      buffered: 0,
      cancelled: 0,
      retried: 0,
      timedOut: 0,
      bufferedReleased: 0,
      alreadyHandled: 0,
      failures: 0,
      queuedRuns: [],
    };
    const ctxOf = (tenant: string): RunContext => ({ tenant, actor, correlationId, causationId: null });

    // ---- queueing one fire ----------------------------------------------------------------

    async function queueFire(
      client: pg.PoolClient,
      row: ScheduleRow,
      fire: Date,
      trigger: RunTrigger,
    ): Promise<void> {
      const runId = runIdFor(row.jobId, fire);
      const dueAt = new Date(fire.getTime() + jitterMs(row.jobId, fire, jitterSecondsOf(row)));
      try {
        await runCommands.queue(ctxOf(row.tenant), {
          runId,
          jobId: row.jobId,
          jobVersion: row.jobVersion,
          trigger,
          scheduledFor: fire,
          dueAt,
          request: row.request,
          retry: row.retry,
        });
      } catch (error) {
        if (!alreadyOpened(error)) throw error;
        report.alreadyHandled++;
        logger.info({ tenant: row.tenant, jobId: row.jobId, runId }, "run was already queued: nothing to do");
        await insertProvisionalRun(client, row, runId, trigger, fire, dueAt, now);
        return;
      }
      await insertProvisionalRun(client, row, runId, trigger, fire, dueAt, now);
      scheduleLag.observe({}, (now.getTime() - fire.getTime()) / 1000);
      report.queued++;
      report.queuedRuns.push({
        tenant: row.tenant,
        jobId: row.jobId,
        runId,
        trigger,
        scheduledFor: fire,
        dueAt,
        lagMs: now.getTime() - fire.getTime(),
      });
    }

    async function skipFire(
      row: ScheduleRow,
      fire: Date,
      reason: RunSkipReason,
      missed: { count: number; from: Date | null; to: Date | null } = { count: 1, from: null, to: null },
    ): Promise<void> {
      const runId = runIdFor(row.jobId, fire);
      try {
        await runCommands.skip(ctxOf(row.tenant), {
          runId,
          jobId: row.jobId,
          jobVersion: row.jobVersion,
          scheduledFor: fire,
          reason,
          missedCount: missed.count,
          missedFrom: missed.from,
          missedTo: missed.to,
        });
        report.skipped++;
      } catch (error) {
        if (!alreadyOpened(error)) throw error;
        report.alreadyHandled++;
      }
    }

    async function cancelRun(tenant: string, runId: string, reason: string): Promise<void> {
      for (let i = 1; ; i++) {
        try {
          await runCommands.cancel(ctxOf(tenant), runId, { reason });
          report.cancelled++;
          return;
        } catch (error) {
          if (error instanceof ConcurrentModification && i < CANCEL_ATTEMPTS) continue;
          // already ended (the read model lags) or changed by someone else: nothing to cancel
          if (movedOn(error)) return;
          throw error;
        }
      }
    }

    /** Runs one fire through the job's overlap policy. */
    async function runFire(client: pg.PoolClient, work: RowWork, fire: Date, trigger: RunTrigger) {
      const { row } = work;
      const limit = concurrencyLimit(row.overlap, row.concurrency);
      if (row.overlap === "queue" && work.buffered !== null) {
        // an older fire waits in the buffer: it goes first
        if (!(await releaseBuffer(client, work))) {
          await skipFire(row, fire, "overlap");
          return;
        }
      }
      const active = await runQueries.activeRunCount(client, row.tenant, row.jobId);
      if (active < limit) {
        await queueFire(client, row, fire, trigger);
        return;
      }
      switch (row.overlap) {
        case "skip":
        case "allow":
          await skipFire(row, fire, "overlap");
          return;
        case "queue":
          work.buffered = fire;
          work.bufferedChanged = true;
          report.buffered++;
          return;
        case "cancel-previous": {
          const runId = runIdFor(row.jobId, fire);
          for (const activeId of await runQueries.activeRunIds(client, row.tenant, row.jobId)) {
            if (activeId !== runId) await cancelRun(row.tenant, activeId, `superseded by ${runId}`);
          }
          await queueFire(client, row, fire, trigger);
          return;
        }
      }
    }

    /** Queues the buffered fire when the job has room; false when it has none. */
    async function releaseBuffer(client: pg.PoolClient, work: RowWork): Promise<boolean> {
      const fire = work.buffered;
      if (fire === null) return true;
      const { row } = work;
      const active = await runQueries.activeRunCount(client, row.tenant, row.jobId);
      if (active >= concurrencyLimit(row.overlap, row.concurrency)) return false;
      await queueFire(client, row, fire, "schedule");
      work.buffered = null;
      work.bufferedChanged = true;
      report.bufferedReleased++;
      return true;
    }

    // ---- a. due schedules ----------------------------------------------------------------

    async function handleSchedule(client: pg.PoolClient, row: ScheduleRow): Promise<void> {
      if (row.nextFireAt === null) return;
      const schedule = scheduleOf(row);
      const nowMs = now.getTime();
      const handledThrough = Math.max(
        row.lastFireAt?.getTime() ?? Number.NEGATIVE_INFINITY,
        row.nextFireAt.getTime() - 1,
      );
      const cutoff = nowMs - missedAfterMs - jitterSecondsOf(row) * 1000;
      const work: RowWork = { row, buffered: row.bufferedFireAt, bufferedChanged: false };
      /** everything up to here is handled (run, skipped or buffered) */
      let cursor = handledThrough;
      /** the newest fire handled in this tick */
      const newest: { fire: Date | null } = { fire: null };
      const handled = (fire: Date) => {
        if (newest.fire === null || fire > newest.fire) newest.fire = fire;
      };

      if (cutoff > handledThrough) {
        const plan = planMissedFires({
          schedule,
          anchor: row.anchor,
          lastFireAt: new Date(handledThrough),
          now: new Date(cutoff),
          policy: policyFromCutoff(row.catchUp ?? DEFAULT_CATCH_UP, nowMs, cutoff),
        });
        const { skipped } = plan;
        if (skipped.count > 0 && skipped.first && skipped.last) {
          if (skipped.countIsLowerBound) {
            logger.warn(
              { jobId: row.jobId, counted: skipped.count },
              "missed fires counted up to the cap only",
            );
          }
          await skipFire(row, skipped.last, "missed", {
            count: skipped.count,
            from: skipped.first,
            to: skipped.last,
          });
          handled(skipped.last);
        }
        for (const fire of plan.run) {
          await runFire(client, work, fire, "catch-up");
          handled(fire);
        }
        // every fire up to the cutoff was run or summarised
        cursor = cutoff;
      }

      const onTime = firesBetween(schedule, new Date(cursor), now, MAX_FIRES_PER_JOB_PER_TICK, row.anchor);
      for (const fire of onTime.fires) {
        const due = fire.getTime() + jitterMs(row.jobId, fire, jitterSecondsOf(row));
        if (due > nowMs) break; // waits for its jitter; later fires wait behind it
        await runFire(client, work, fire, "schedule");
        handled(fire);
        cursor = fire.getTime();
      }

      const next = nextFireAfter(schedule, new Date(cursor), row.anchor);
      const nextDue = next && new Date(next.getTime() + jitterMs(row.jobId, next, jitterSecondsOf(row)));
      await client.query(
        `UPDATE schedules SET
           last_fire_at = CASE WHEN $3::timestamptz IS NULL THEN last_fire_at
                               ELSE GREATEST(last_fire_at, $3::timestamptz) END,
           next_fire_at = $4, next_due_at = $5,
           buffered_fire_at = CASE WHEN $6 THEN $7::timestamptz ELSE buffered_fire_at END,
           updated_at = $8
         WHERE tenant = $1 AND job_id = $2`,
        [row.tenant, row.jobId, newest.fire, next, nextDue, work.bufferedChanged, work.buffered, now],
      );
    }

    // ---- d. buffered fires --------------------------------------------------------------

    async function releaseBuffered(client: pg.PoolClient, row: ScheduleRow): Promise<void> {
      const work: RowWork = { row, buffered: row.bufferedFireAt, bufferedChanged: false };
      await releaseBuffer(client, work);
      if (work.bufferedChanged) {
        await client.query(
          `UPDATE schedules SET buffered_fire_at = NULL, updated_at = $3 WHERE tenant = $1 AND job_id = $2`,
          [row.tenant, row.jobId, now],
        );
      }
    }

    /** Runs `each` per item inside a savepoint, so one failure neither stops nor undoes the others. */
    async function eachIsolated<T>(
      client: pg.PoolClient,
      items: readonly T[],
      describe: (item: T) => Record<string, unknown>,
      each: (item: T) => Promise<void>,
    ): Promise<void> {
      for (const item of items) {
        await client.query("SAVEPOINT tick_item");
        try {
          await each(item);
          await client.query("RELEASE SAVEPOINT tick_item");
        } catch (error) {
          await client.query("ROLLBACK TO SAVEPOINT tick_item");
          report.failures++;
          logger.error(
            { ...describe(item), err: error },
            "scheduler step failed; it is tried again next tick",
          );
        }
      }
    }

    await withTransaction(pool, async (client) => {
      const rows = await runQueries.dueSchedules(client, now, batchSize);
      report.schedules = rows.length;
      await eachIsolated(
        client,
        rows,
        (r) => ({ tenant: r.tenant, jobId: r.jobId }),
        (r) => handleSchedule(client, r),
      );
    });

    // ---- b. due retries -------------------------------------------------------------------
    await withTransaction(pool, async (client) => {
      const due = await runQueries.dueRetries(client, now, batchSize);
      await eachIsolated(
        client,
        due,
        (r) => ({ tenant: r.tenant, runId: r.runId }),
        async (r) => {
          try {
            await runCommands.requeueRetry(ctxOf(r.tenant), r.runId);
            report.retried++;
          } catch (error) {
            if (!movedOn(error)) throw error;
            report.alreadyHandled++;
          }
        },
      );
    });

    // ---- c. watchdog ----------------------------------------------------------------------
    await withTransaction(pool, async (client) => {
      const expired = await runQueries.expiredAttempts(client, now, batchSize);
      await eachIsolated(
        client,
        expired,
        (r) => ({ tenant: r.tenant, runId: r.runId }),
        async (r) => {
          try {
            await runCommands.timeOutAttempt(ctxOf(r.tenant), r.runId);
            report.timedOut++;
            logger.warn({ tenant: r.tenant, runId: r.runId }, "attempt passed its deadline: timed out");
          } catch (error) {
            if (!movedOn(error)) throw error;
            report.alreadyHandled++;
          }
        },
      );
    });

    // ---- d. buffered fires ----------------------------------------------------------------
    await withTransaction(pool, async (client) => {
      const rows = await runQueries.bufferedSchedules(client, batchSize);
      await eachIsolated(
        client,
        rows,
        (r) => ({ tenant: r.tenant, jobId: r.jobId }),
        (r) => releaseBuffered(client, r),
      );
    });

    const busy =
      report.schedules + report.retried + report.timedOut + report.bufferedReleased + report.failures > 0;
    logger[busy ? "info" : "debug"](
      {
        correlationId,
        schedules: report.schedules,
        queued: report.queued,
        skipped: report.skipped,
        retried: report.retried,
        timedOut: report.timedOut,
        bufferedReleased: report.bufferedReleased,
        failures: report.failures,
        maxLagMs: Math.max(0, ...report.queuedRuns.map((r) => r.lagMs)),
      },
      "scheduler tick",
    );
    return report;
  }

  return { tick };
}

// ---- SQL the scheduler owns ---------------------------------------------------------------

/**
 * A provisional `runs` row for a run just queued (version 0, replaced by the runs projection
 * when RunQueued lands), so the overlap check of the next fire sees the run at once.
 */
async function insertProvisionalRun(
  client: pg.PoolClient,
  row: ScheduleRow,
  runId: string,
  trigger: RunTrigger,
  fire: Date,
  dueAt: Date,
  now: Date,
): Promise<void> {
  await client.query(
    `INSERT INTO runs (tenant, run_id, job_id, job_version, status, trigger, scheduled_for, due_at, attempt,
                       attempt_base, created_at, updated_at, version)
     VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, 1, 0, $8, $8, 0)
     ON CONFLICT (tenant, run_id) DO NOTHING`,
    [row.tenant, runId, row.jobId, row.jobVersion, trigger, fire, dueAt, now],
  );
}
