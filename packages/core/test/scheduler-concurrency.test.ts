/**
 * Two schedulers ticking at the same time, and a tick repeated after its transaction was
 * lost (a crash between the appends and the commit), never create a run twice: rows are
 * taken with SKIP LOCKED and run ids are deterministic. Real PostgreSQL (SKIP LOCKED needs
 * real concurrent connections) and dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./scheduler-harness.ts";
import { withPostgres } from "./support/postgres.ts";

const db = withPostgres();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ db, start: new Date("2026-08-01T12:00:00.000Z") });
});
afterAll(() => h?.close());

const everyMinute = { type: "cron", expression: "* * * * *", timezone: "UTC" } as const;

describe("two schedulers at once", () => {
  it("queue every fire of every job exactly once", async () => {
    h.clock.set("2026-08-01T12:00:00.000Z");
    const ctx = h.context();
    const jobs: string[] = [];
    for (let i = 0; i < 12; i++)
      jobs.push(await h.createJob(ctx, { schedule: everyMinute, overlap: "allow" }));
    // small batches, so each tick leaves rows for the other scheduler to take
    const a = h.newScheduler({ batchSize: 5, schedulerId: "scheduler-a" });
    const b = h.newScheduler({ batchSize: 5, schedulerId: "scheduler-b" });

    let queuedByA = 0;
    let queuedByB = 0;
    for (let step = 0; step < 30; step++) {
      h.clock.advance(20_000);
      // each scheduler ticks twice per step so both get to every row
      const [ra1, rb1] = await Promise.all([a.tick(), b.tick()]);
      const [ra2, rb2] = await Promise.all([a.tick(), b.tick()]);
      queuedByA += ra1.queued + ra2.queued;
      queuedByB += rb1.queued + rb2.queued;
      await h.settle();
    }

    const queued = h.eventsOf(ctx.tenant, "RunQueued");
    expect(queued).toHaveLength(12 * 10); // 12 jobs × 12:01 .. 12:10
    expect(new Set(queued.map((e) => e.streamId)).size).toBe(queued.length);
    for (const jobId of jobs) {
      const fires = queued.filter((e) => e.data.jobId === jobId).map((e) => e.data.scheduledFor);
      expect(fires).toEqual(
        Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2026, 7, 1, 12, i + 1)).toISOString()),
      );
    }
    expect(queuedByA + queuedByB).toBe(120);
    expect(queuedByA).toBeGreaterThan(0);
    expect(queuedByB).toBeGreaterThan(0);
    expect(h.eventsOf(ctx.tenant, "RunSkipped")).toEqual([]);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM runs WHERE tenant = $1", [
      ctx.tenant,
    ]);
    expect(rows[0].n).toBe(120);
    for (const jobId of jobs) await h.jobCommands.delete(ctx, jobId, { reason: "done" });
    await h.settle();
  });
});

describe("a tick whose transaction was lost", () => {
  it("repeats only appends that fail, so no run is created twice", async () => {
    h.clock.set("2026-08-02T12:00:00.000Z");
    const ctx = h.context();
    const jobId = await h.createJob(ctx, { schedule: everyMinute, overlap: "allow" });
    const before = await db.pool.query("SELECT * FROM schedules WHERE tenant = $1 AND job_id = $2", [
      ctx.tenant,
      jobId,
    ]);

    h.clock.set("2026-08-02T12:01:00.000Z");
    const first = await h.newScheduler().tick();
    expect(first.queued).toBe(1);
    // undo what the tick committed, as if it had crashed after appending: the schedule row
    // goes back, and the projection has not seen the RunQueued yet
    const row = before.rows[0];
    await db.pool.query(
      `UPDATE schedules SET next_fire_at = $3, next_due_at = $4, last_fire_at = $5 WHERE tenant = $1 AND job_id = $2`,
      [ctx.tenant, jobId, row.next_fire_at, row.next_due_at, row.last_fire_at],
    );
    await db.pool.query("DELETE FROM runs WHERE tenant = $1", [ctx.tenant]);

    const again = await h.newScheduler().tick();
    expect(again).toMatchObject({ queued: 0, alreadyHandled: 1 });
    await h.settle();
    expect(h.eventsOf(ctx.tenant, "RunQueued")).toHaveLength(1);
    const next = await db.pool.query("SELECT next_fire_at FROM schedules WHERE tenant = $1 AND job_id = $2", [
      ctx.tenant,
      jobId,
    ]);
    expect(next.rows[0].next_fire_at.toISOString()).toBe("2026-08-02T12:02:00.000Z");
  });
});
