/**
 * Overlap policies and concurrency limits of the scheduler tick, on the real services with a
 * manual clock. No runner runs here, so queued runs stay active until the test cancels them.
 */
import type { OverlapPolicy } from "@jobledger/events";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CommandContext } from "../src/application/job-commands.ts";
import { runIdFor } from "../src/domain/run/run-id.ts";
import { firesOf, type Harness, startHarness } from "./scheduler-harness.ts";
import { withPostgres } from "./support/postgres.ts";

const db = withPostgres();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ db, start: new Date("2026-07-01T12:00:00.000Z") });
});
afterEach(() => h.retireJobs());
afterAll(() => h?.close());

const everyMinute = { type: "cron", expression: "* * * * *", timezone: "UTC" } as const;
const minute = (m: number, day = 1) => new Date(Date.UTC(2026, 6, day, 12, m)).toISOString();

async function job(day: number, overlap: OverlapPolicy, concurrency: number | null = null) {
  h.clock.set(`2026-07-0${day}T12:00:00.000Z`);
  const ctx = h.context();
  const jobId = await h.createJob(ctx, { schedule: everyMinute, overlap, concurrency });
  return { ctx, jobId };
}

/** Moves the clock to `at` and ticks once; projections are brought up to date. */
async function tickAt(at: string) {
  h.clock.set(at);
  const report = await h.newScheduler().tick();
  await h.settle();
  return report;
}

async function cancelRunOf(ctx: CommandContext, jobId: string, fire: string) {
  await h.runCommands.cancel(ctx, runIdFor(jobId, new Date(fire)), { reason: "test" });
  await h.settle();
}

const skippedFires = (tenant: string) =>
  h.eventsOf(tenant, "RunSkipped").map((e) => [e.data.reason, e.data.scheduledFor]);

describe("overlap skip", () => {
  it("skips fires while a run is active and queues again once it ended", async () => {
    const { ctx, jobId } = await job(1, "skip");
    await tickAt(minute(1));
    const second = await tickAt(minute(2));
    expect(second).toMatchObject({ queued: 0, skipped: 1 });
    await tickAt(minute(3));
    await cancelRunOf(ctx, jobId, minute(1));
    await tickAt(minute(4));

    expect(firesOf(h.eventsOf(ctx.tenant, "RunQueued"))).toEqual([minute(1), minute(4)]);
    expect(skippedFires(ctx.tenant)).toEqual([
      ["overlap", minute(2)],
      ["overlap", minute(3)],
    ]);
    const skipped = h.eventsOf(ctx.tenant, "RunSkipped")[0];
    expect(skipped?.streamId).toBe(`${ctx.tenant}/run/${runIdFor(jobId, new Date(minute(2)))}`);
    expect(skipped?.data).toMatchObject({ missedCount: 1, missedFrom: null, missedTo: null });
  });

  it("sees the run it queued earlier in the same tick before any projection ran", async () => {
    const { ctx } = await job(2, "skip");
    // one tick covering two fires (12:01 and 12:02): the second must see the first as active
    const report = await tickAt("2026-07-02T12:02:00.000Z");
    expect(report).toMatchObject({ queued: 1, skipped: 1 });
    expect(skippedFires(ctx.tenant)).toEqual([["overlap", "2026-07-02T12:02:00.000Z"]]);
  });
});

describe("overlap allow", () => {
  it("queues up to the concurrency limit, then skips", async () => {
    const { ctx, jobId } = await job(3, "allow", 2);
    for (const m of [1, 2, 3]) await tickAt(minute(m, 3));
    await cancelRunOf(ctx, jobId, minute(1, 3));
    await tickAt(minute(4, 3));
    expect(firesOf(h.eventsOf(ctx.tenant, "RunQueued"))).toEqual([minute(1, 3), minute(2, 3), minute(4, 3)]);
    expect(skippedFires(ctx.tenant)).toEqual([["overlap", minute(3, 3)]]);
  });
});

describe("overlap queue", () => {
  it("buffers one fire, skips a second, and queues the buffered fire once the run ended", async () => {
    const { ctx, jobId } = await job(4, "queue");
    await tickAt(minute(1, 4));
    const second = await tickAt(minute(2, 4));
    expect(second).toMatchObject({ queued: 0, skipped: 0, buffered: 1 });
    const row = await db.pool.query(
      "SELECT buffered_fire_at FROM schedules WHERE tenant = $1 AND job_id = $2",
      [ctx.tenant, jobId],
    );
    expect(row.rows[0].buffered_fire_at.toISOString()).toBe(minute(2, 4));
    await tickAt(minute(3, 4)); // the buffer is full: skipped

    await cancelRunOf(ctx, jobId, minute(1, 4));
    const release = await tickAt("2026-07-04T12:03:30.000Z");
    expect(release).toMatchObject({ bufferedReleased: 1, queued: 1 });
    expect(release.queuedRuns[0]).toMatchObject({ scheduledFor: new Date(minute(2, 4)), lagMs: 90_000 });
    await tickAt(minute(4, 4)); // the released run is active: 12:04 is buffered

    expect(h.eventsOf(ctx.tenant, "RunQueued").map((e) => [e.data.trigger, e.data.scheduledFor])).toEqual([
      ["schedule", minute(1, 4)],
      ["schedule", minute(2, 4)],
    ]);
    expect(skippedFires(ctx.tenant)).toEqual([["overlap", minute(3, 4)]]);
    const after = await db.pool.query(
      "SELECT buffered_fire_at FROM schedules WHERE tenant = $1 AND job_id = $2",
      [ctx.tenant, jobId],
    );
    expect(after.rows[0].buffered_fire_at.toISOString()).toBe(minute(4, 4));
  });
});

describe("overlap cancel-previous", () => {
  it("cancels the active run, naming its successor, and queues the new fire", async () => {
    const { ctx, jobId } = await job(5, "cancel-previous");
    await tickAt(minute(1, 5));
    const second = await tickAt(minute(2, 5));
    expect(second).toMatchObject({ queued: 1, cancelled: 1 });
    await tickAt(minute(3, 5));

    const run = (m: number) => runIdFor(jobId, new Date(minute(m, 5)));
    expect(firesOf(h.eventsOf(ctx.tenant, "RunQueued"))).toEqual([minute(1, 5), minute(2, 5), minute(3, 5)]);
    expect(h.eventsOf(ctx.tenant, "RunCancelled").map((e) => [e.streamId, e.data.reason])).toEqual([
      [`${ctx.tenant}/run/${run(1)}`, `superseded by ${run(2)}`],
      [`${ctx.tenant}/run/${run(2)}`, `superseded by ${run(3)}`],
    ]);
    const { rows } = await db.pool.query(
      "SELECT run_id, status FROM runs WHERE tenant = $1 ORDER BY scheduled_for",
      [ctx.tenant],
    );
    expect(rows.map((r) => r.status)).toEqual(["cancelled", "cancelled", "queued"]);
  });
});
