/**
 * The scheduler's work lists from `createRunQueries` (dueSchedules, bufferedSchedules,
 * dueRetries, expiredAttempts, activeRunCount, activeRunIds), on PGlite and the machine's
 * PostgreSQL: what is due, in which order, and — on real PostgreSQL, where transactions run
 * concurrently — that two transactions taking the same list get disjoint rows
 * (`FOR UPDATE SKIP LOCKED`) until they end.
 *
 * These lists span every tenant, so each test starts from empty tables (this file's database
 * is its own).
 */
import { randomUUID } from "node:crypto";
import type { DecodedEvent, JobDefinition, NewEvent } from "@jobledger/events";
import type pg from "pg";
import { beforeEach, describe, expect, it } from "vitest";
import { createRunQueries, type Queryable } from "../src/adapters/postgres/run-queries.ts";
import { withTransaction } from "../src/adapters/postgres/transaction.ts";
import type { RunStatus } from "../src/domain/run/aggregate.ts";
import { runsProjection } from "../src/projections/runs.ts";
import { schedulesProjection } from "../src/projections/schedules.ts";
import { RunEvents, runStreamIdOf } from "./projector-runs.support.ts";
import { jobDefinition } from "./support/events.ts";
import {
  asDecoded,
  databaseKinds,
  jobStreamId,
  newEvent,
  type TestDatabase,
  withPostgres,
} from "./support/postgres.ts";

const NOW = new Date("2026-05-04T10:00:00.000Z");
/** NOW shifted by seconds */
const s = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

async function project(t: TestDatabase, events: DecodedEvent[]): Promise<void> {
  await withTransaction(t.pool, async (client) => {
    for (const event of events) {
      for (const projection of [schedulesProjection, runsProjection]) {
        if (projection.handles(event.type)) await projection.apply(client, event);
      }
    }
  });
}

async function emptyTables(t: TestDatabase): Promise<void> {
  await t.pool.query("DELETE FROM runs; DELETE FROM run_attempts; DELETE FROM schedules");
}

interface SeedSchedule {
  tenant: string;
  jobId: string;
  /** what the tick last wrote; omitted: as the projection left it */
  nextFireAt?: Date | null;
  nextDueAt?: Date | null;
  bufferedFireAt?: Date | null;
  afterwards?: "pause" | "delete";
  definition?: Partial<JobDefinition>;
}

/** Creates the job's schedule row through the projection, then sets the tick's columns. */
async function seedSchedule(t: TestDatabase, row: SeedSchedule): Promise<void> {
  const { tenant, jobId } = row;
  const events: NewEvent[] = [
    newEvent(tenant, "JobCreated", { definition: jobDefinition(row.definition) }, { at: s(-3600) }),
  ];
  if (row.afterwards === "pause")
    events.push(newEvent(tenant, "JobPaused", { reason: null }, { at: s(-60) }));
  if (row.afterwards === "delete")
    events.push(newEvent(tenant, "JobDeleted", { reason: null }, { at: s(-60) }));
  await project(t, asDecoded(jobStreamId(tenant, jobId), events));
  const sets: string[] = [];
  const values: unknown[] = [tenant, jobId];
  for (const [column, value] of [
    ["next_fire_at", row.nextFireAt],
    ["next_due_at", row.nextDueAt],
    ["buffered_fire_at", row.bufferedFireAt],
  ] as const) {
    if (value === undefined) continue;
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  }
  if (sets.length > 0) {
    await t.pool.query(`UPDATE schedules SET ${sets.join(", ")} WHERE tenant = $1 AND job_id = $2`, values);
  }
}

/**
 * A run of `jobId` created at `start` and taken to `status` (one event a minute), so that:
 * retry-scheduled → next_attempt_at = start + 3 min 30 s; running → deadline = start + 1 min 40 s.
 */
async function seedRun(
  t: TestDatabase,
  tenant: string,
  runId: string,
  jobId: string,
  start: Date,
  status: RunStatus,
): Promise<void> {
  const run = new RunEvents(tenant, jobId, start);
  if (status === "skipped") {
    run.add("RunSkipped", {
      jobId,
      jobVersion: 1,
      scheduledFor: start.toISOString(),
      reason: "overlap",
      missedCount: 1,
      missedFrom: null,
      missedTo: null,
    });
  } else {
    run.queued(1, "manual");
    if (status === "running") run.started(1);
    if (status === "retry-scheduled") run.started(1).failed(1).retryScheduled(2);
    if (status === "succeeded") run.started(1).succeeded(1).add("RunSucceeded", { attempts: 1 });
    if (status === "cancelled") run.add("RunCancelled", { reason: null });
    if (status === "dead-lettered") {
      run.started(1).failed(1).add("RunDeadLettered", { attempts: 1, reason: "exhausted", lastError: "x" });
    }
  }
  await project(t, asDecoded(runStreamIdOf(tenant, runId), run.events));
}

/** A transaction on a client of its own, open until `release` (which may be called again) rolls it back. */
async function openTransaction(pool: pg.Pool) {
  const client = await pool.connect();
  await client.query("BEGIN");
  let released = false;
  return {
    client,
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query("ROLLBACK");
      } finally {
        client.release();
      }
    },
  };
}

const scheduleKey = (row: { tenant: string; jobId: string }) => `${row.tenant}/${row.jobId}`;
const runKey = (row: { tenant: string; runId: string }) => `${row.tenant}/${row.runId}`;

describe.each(databaseKinds)("scheduler queries on %s", (_kind, use) => {
  const t = use();
  const newTenant = () => `t-${randomUUID()}`;
  beforeEach(() => emptyTables(t));

  it("takes active schedules whose due time has come, earliest first", async () => {
    const tenant = newTenant();
    const other = newTenant();
    await seedSchedule(t, { tenant, jobId: "due", nextFireAt: s(-120), nextDueAt: s(-120) });
    await seedSchedule(t, { tenant, jobId: "jittered-due", nextFireAt: s(-60), nextDueAt: s(-30) });
    await seedSchedule(t, { tenant, jobId: "jitter-pending", nextFireAt: s(-60), nextDueAt: s(30) });
    await seedSchedule(t, { tenant, jobId: "due-now", nextFireAt: s(0), nextDueAt: s(0) });
    await seedSchedule(t, { tenant, jobId: "later", nextFireAt: s(60), nextDueAt: s(60) });
    await seedSchedule(t, { tenant, jobId: "paused", afterwards: "pause" });
    await seedSchedule(t, { tenant, jobId: "deleted", afterwards: "delete" });
    await seedSchedule(t, {
      tenant,
      jobId: "never",
      definition: {
        schedule: {
          type: "once",
          at: "2026-01-01T00:00:00.000Z",
          startAt: null,
          endAt: null,
          jitterSeconds: 0,
        },
      },
    });
    await seedSchedule(t, { tenant: other, jobId: "due", nextFireAt: s(-600), nextDueAt: s(-600) });
    const queries = createRunQueries(t.pool);

    const due = await withTransaction(t.pool, (client) => queries.dueSchedules(client, NOW, 10));
    expect(due.map(scheduleKey)).toEqual([
      `${other}/due`,
      `${tenant}/due`,
      `${tenant}/jittered-due`,
      `${tenant}/due-now`,
    ]);
    const definition = jobDefinition();
    expect(due[1]).toEqual({
      tenant,
      jobId: "due",
      jobVersion: 1,
      status: "active",
      schedule: definition.schedule,
      overlap: definition.overlap,
      concurrency: definition.concurrency,
      catchUp: definition.catchUp,
      request: definition.request,
      retry: definition.retry,
      anchor: s(-3600),
      nextFireAt: s(-120),
      nextDueAt: s(-120),
      lastFireAt: null,
      bufferedFireAt: null,
      updatedAt: s(-3600),
    });
    const firstTwo = await withTransaction(t.pool, (client) => queries.dueSchedules(client, NOW, 2));
    expect(firstTwo.map(scheduleKey)).toEqual([`${other}/due`, `${tenant}/due`]);
    expect(await withTransaction(t.pool, (client) => queries.dueSchedules(client, s(-3600), 10))).toEqual([]);
    await expect(queries.dueSchedules(t.pool, NOW, 0)).rejects.toThrow(
      /batch size must be a positive integer, got 0/,
    );
  });

  it("takes active schedules holding a buffered fire, oldest fire first", async () => {
    const tenant = newTenant();
    await seedSchedule(t, {
      tenant,
      jobId: "newer",
      bufferedFireAt: s(-60),
      definition: { overlap: "queue" },
    });
    await seedSchedule(t, {
      tenant,
      jobId: "older",
      bufferedFireAt: s(-600),
      definition: { overlap: "queue" },
    });
    await seedSchedule(t, { tenant, jobId: "none", definition: { overlap: "queue" } });
    // a paused job keeps its buffered fire, released only once it is active again
    await seedSchedule(t, {
      tenant,
      jobId: "paused",
      bufferedFireAt: s(-900),
      afterwards: "pause",
      definition: { overlap: "queue" },
    });
    const queries = createRunQueries(t.pool);
    const buffered = await withTransaction(t.pool, (client) => queries.bufferedSchedules(client, 10));
    expect(buffered.map((row) => [row.jobId, row.bufferedFireAt, row.overlap])).toEqual([
      ["older", s(-600), "queue"],
      ["newer", s(-60), "queue"],
    ]);
    expect(
      (await withTransaction(t.pool, (client) => queries.bufferedSchedules(client, 1))).map((r) => r.jobId),
    ).toEqual(["older"]);
    await expect(queries.bufferedSchedules(t.pool, 1.5)).rejects.toBeInstanceOf(RangeError);
  });

  it("takes runs whose retry is due, and running runs past their deadline, earliest first", async () => {
    const tenant = newTenant();
    const other = newTenant();
    // retry-scheduled: next attempt at start + 3 min 30 s
    await seedRun(t, tenant, "retry-due", "j", s(-600), "retry-scheduled"); // due at -390 s
    await seedRun(t, tenant, "retry-due-now", "j", s(-210), "retry-scheduled"); // due at 0
    await seedRun(t, tenant, "retry-later", "j", s(-200), "retry-scheduled"); // due at +10 s
    await seedRun(t, other, "retry-due", "j", s(-1200), "retry-scheduled"); // due at -990 s
    // running: deadline at start + 1 min 40 s
    await seedRun(t, tenant, "expired", "j", s(-300), "running"); // deadline -200 s
    await seedRun(t, other, "expired-now", "j", s(-100), "running"); // deadline 0
    await seedRun(t, tenant, "running", "j", s(-90), "running"); // deadline +10 s
    for (const status of ["queued", "succeeded", "dead-lettered", "cancelled", "skipped"] as const) {
      await seedRun(t, tenant, status, "j", s(-3600), status);
    }
    const queries = createRunQueries(t.pool);

    const retries = await withTransaction(t.pool, (client) => queries.dueRetries(client, NOW, 10));
    expect(retries).toEqual([
      { tenant: other, runId: "retry-due" },
      { tenant, runId: "retry-due" },
      { tenant, runId: "retry-due-now" },
    ]);
    expect(await withTransaction(t.pool, (client) => queries.dueRetries(client, NOW, 1))).toEqual([
      { tenant: other, runId: "retry-due" },
    ]);

    const expired = await withTransaction(t.pool, (client) => queries.expiredAttempts(client, NOW, 10));
    expect(expired).toEqual([
      { tenant, runId: "expired" },
      { tenant: other, runId: "expired-now" },
    ]);
    expect(await withTransaction(t.pool, (client) => queries.expiredAttempts(client, s(-201), 10))).toEqual(
      [],
    );
    await expect(queries.dueRetries(t.pool, NOW, -1)).rejects.toBeInstanceOf(RangeError);
    await expect(queries.expiredAttempts(t.pool, NOW, 0)).rejects.toBeInstanceOf(RangeError);
  });

  it("counts a job's runs in flight (the scheduler's provisional rows too), oldest first", async () => {
    const tenant = newTenant();
    await seedRun(t, tenant, "queued", "busy", s(-60), "queued");
    await seedRun(t, tenant, "running", "busy", s(-120), "running");
    await seedRun(t, tenant, "retrying", "busy", s(-30), "retry-scheduled");
    for (const status of ["succeeded", "dead-lettered", "cancelled", "skipped"] as const) {
      await seedRun(t, tenant, status, "busy", s(-3600), status);
    }
    // queued by a tick, not projected yet
    await t.pool.query(
      `INSERT INTO runs (tenant, run_id, job_id, status, trigger, scheduled_for, due_at, attempt, attempt_base,
                         created_at, updated_at, version)
       VALUES ($1, 'provisional', 'busy', 'queued', 'schedule', $2, $2, 1, 0, $2, $2, 0)`,
      [tenant, s(0)],
    );
    await seedRun(t, tenant, "of-another-job", "idle", s(-60), "queued");
    const other = newTenant();
    await seedRun(t, other, "same-job-other-tenant", "busy", s(-60), "running");
    const queries = createRunQueries(t.pool);

    const check = async (client: Queryable) => {
      expect(await queries.activeRunCount(client, tenant, "busy")).toBe(4);
      expect(await queries.activeRunIds(client, tenant, "busy")).toEqual([
        "running",
        "queued",
        "retrying",
        "provisional",
      ]);
      expect(await queries.activeRunCount(client, tenant, "idle")).toBe(1);
      expect(await queries.activeRunCount(client, tenant, "no-runs")).toBe(0);
      expect(await queries.activeRunIds(client, tenant, "no-runs")).toEqual([]);
      expect(await queries.activeRunIds(client, other, "busy")).toEqual(["same-job-other-tenant"]);
    };
    await check(t.pool);
    await withTransaction(t.pool, check);
  });
});

/**
 * SKIP LOCKED needs real concurrent transactions: PGlite is one session, so only the
 * machine's PostgreSQL can show it.
 */
describe("scheduler queries lock what they return, on postgres", () => {
  const t = withPostgres();
  const tenant = `t-${randomUUID()}`;
  beforeEach(() => emptyTables(t));

  /**
   * Two transactions taking the same list: first one after the other (the second gets exactly
   * the rest), then at the same moment (disjoint rows, together all of them), and a third
   * while both hold theirs gets nothing; once the first ends, its rows are free again.
   */
  async function expectDisjoint(
    take: (client: pg.PoolClient, limit: number) => Promise<string[]>,
    all: string[],
  ) {
    expect(all.length).toBeGreaterThanOrEqual(4);
    const a = await openTransaction(t.pool);
    const b = await openTransaction(t.pool);
    const c = await openTransaction(t.pool);
    try {
      const first = await take(a.client, 2);
      expect(first).toEqual(all.slice(0, 2));
      expect(await take(b.client, 100)).toEqual(all.slice(2));
      expect(await take(c.client, 100)).toEqual([]);
      await a.release();
      expect(await take(c.client, 100)).toEqual(first);
    } finally {
      await a.release();
      await b.release();
      await c.release();
    }

    for (let round = 0; round < 5; round++) {
      const x = await openTransaction(t.pool);
      const y = await openTransaction(t.pool);
      try {
        const [fromX, fromY] = await Promise.all([take(x.client, 3), take(y.client, 100)]);
        expect(fromX.filter((key) => fromY.includes(key))).toEqual([]);
        expect([...fromX, ...fromY].sort()).toEqual([...all].sort());
      } finally {
        await x.release();
        await y.release();
      }
    }
  }

  it("due schedules", async () => {
    const jobs = ["j1", "j2", "j3", "j4", "j5"];
    for (const [i, jobId] of jobs.entries()) {
      await seedSchedule(t, { tenant, jobId, nextFireAt: s(-100 + i), nextDueAt: s(-100 + i) });
    }
    const queries = createRunQueries(t.pool);
    await expectDisjoint(
      async (client, limit) => (await queries.dueSchedules(client, NOW, limit)).map(scheduleKey),
      jobs.map((jobId) => `${tenant}/${jobId}`),
    );
  });

  it("buffered schedules", async () => {
    const jobs = ["b1", "b2", "b3", "b4"];
    for (const [i, jobId] of jobs.entries()) {
      await seedSchedule(t, { tenant, jobId, bufferedFireAt: s(-100 + i), definition: { overlap: "queue" } });
    }
    const queries = createRunQueries(t.pool);
    await expectDisjoint(
      async (client, limit) => (await queries.bufferedSchedules(client, limit)).map(scheduleKey),
      jobs.map((jobId) => `${tenant}/${jobId}`),
    );
  });

  it("due retries", async () => {
    const runs = ["r1", "r2", "r3", "r4", "r5", "r6"];
    for (const [i, runId] of runs.entries())
      await seedRun(t, tenant, runId, "j", s(-1000 + i), "retry-scheduled");
    const queries = createRunQueries(t.pool);
    await expectDisjoint(
      async (client, limit) => (await queries.dueRetries(client, NOW, limit)).map(runKey),
      runs.map((runId) => `${tenant}/${runId}`),
    );
  });

  it("expired attempts", async () => {
    const runs = ["x1", "x2", "x3", "x4"];
    for (const [i, runId] of runs.entries()) await seedRun(t, tenant, runId, "j", s(-1000 + i), "running");
    const queries = createRunQueries(t.pool);
    await expectDisjoint(
      async (client, limit) => (await queries.expiredAttempts(client, NOW, limit)).map(runKey),
      runs.map((runId) => `${tenant}/${runId}`),
    );
  });

  it("a locked row stays locked for writers until the taking transaction ends", async () => {
    await seedSchedule(t, { tenant, jobId: "held", nextFireAt: s(-10), nextDueAt: s(-10) });
    const queries = createRunQueries(t.pool);
    const holder = await openTransaction(t.pool);
    try {
      expect((await queries.dueSchedules(holder.client, NOW, 10)).map((row) => row.jobId)).toEqual(["held"]);
      await expect(
        t.pool.query("SELECT 1 FROM schedules WHERE tenant = $1 FOR UPDATE NOWAIT", [tenant]),
      ).rejects.toMatchObject({ code: "55P03" });
    } finally {
      await holder.release();
    }
    const free = await t.pool.query("SELECT 1 FROM schedules WHERE tenant = $1 FOR UPDATE NOWAIT", [tenant]);
    expect(free.rowCount).toBe(1);
  });
});
