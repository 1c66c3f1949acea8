/**
 * The scheduler tick on the real services (DynamoDB event store on dynalite, the machine's
 * PostgreSQL, projections fed directly) with a manual clock: fires exactly once per fire
 * time across many ticks, never for paused or deleted jobs, catch-up after an outage, and
 * cron fires across the DST changes of America/New_York.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runIdFor } from "../src/domain/run/run-id.ts";
import { firesOf, type Harness, startHarness } from "./scheduler-harness.ts";
import { withPostgres } from "./support/postgres.ts";

const db = withPostgres();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ db, start: new Date("2026-06-01T12:00:00.000Z") });
});
afterEach(() => h.retireJobs());
afterAll(() => h?.close());

const everyMinute = { type: "cron", expression: "* * * * *", timezone: "UTC" } as const;

/** Ticks every `stepMs` from the clock's time until `until` (inclusive), projecting after each tick. */
async function tickUntil(until: Date, stepMs: number, scheduler = h.newScheduler()) {
  const reports = [];
  while (h.clock.now().getTime() + stepMs <= until.getTime()) {
    h.clock.advance(stepMs);
    reports.push(await scheduler.tick());
    await h.settle();
  }
  return reports;
}

async function scheduleRow(tenant: string, jobId: string) {
  const { rows } = await db.pool.query(
    "SELECT next_fire_at, next_due_at, last_fire_at, buffered_fire_at FROM schedules WHERE tenant = $1 AND job_id = $2",
    [tenant, jobId],
  );
  return rows[0];
}

describe("a job every minute", () => {
  it("fires exactly once per minute across many ticks, with the lag reported", async () => {
    h.clock.set("2026-06-01T12:00:00.000Z");
    const ctx = h.context();
    const jobId = await h.createJob(ctx, { schedule: everyMinute, overlap: "allow" });
    expect((await scheduleRow(ctx.tenant, jobId)).next_fire_at.toISOString()).toBe(
      "2026-06-01T12:01:00.000Z",
    );

    const reports = await tickUntil(new Date("2026-06-01T12:30:00.000Z"), 15_000);

    const queued = h.eventsOf(ctx.tenant, "RunQueued");
    const expected = Array.from({ length: 30 }, (_, i) =>
      new Date(Date.UTC(2026, 5, 1, 12, i + 1)).toISOString(),
    );
    expect(firesOf(queued)).toEqual(expected);
    expect(new Set(queued.map((e) => e.streamId)).size).toBe(30);
    for (const event of queued) {
      expect(event.data).toMatchObject({
        jobId,
        attempt: 1,
        trigger: "schedule",
        dueAt: event.data.scheduledFor,
      });
      expect(event.streamId).toBe(
        `${ctx.tenant}/run/${runIdFor(jobId, new Date(event.data.scheduledFor ?? ""))}`,
      );
    }
    expect(h.eventsOf(ctx.tenant, "RunSkipped")).toEqual([]);

    const runs = reports.flatMap((r) => r.queuedRuns).filter((r) => r.tenant === ctx.tenant);
    expect(runs).toHaveLength(30);
    // ticks are 15 s apart and land on the minute: every fire is queued by the tick at its time
    for (const run of runs) expect(run.lagMs).toBe(0);
    expect((await scheduleRow(ctx.tenant, jobId)).next_fire_at.toISOString()).toBe(
      "2026-06-01T12:31:00.000Z",
    );
  });

  it("applies jitter: the run is queued once fire + jitter has passed, with that due time", async () => {
    h.clock.set("2026-06-02T12:00:00.000Z");
    const ctx = h.context();
    const jobId = await h.createJob(ctx, {
      schedule: { ...everyMinute, jitterSeconds: 30 },
      overlap: "allow",
    });
    await tickUntil(new Date("2026-06-02T12:10:00.000Z"), 1_000);
    const queued = h.eventsOf(ctx.tenant, "RunQueued");
    expect(queued).toHaveLength(9); // 12:01 .. 12:09 (12:10's jitter may not have passed at 12:10:00)
    for (const event of queued) {
      const fire = Date.parse(event.data.scheduledFor ?? "");
      const due = Date.parse(event.data.dueAt);
      expect(due - fire).toBeGreaterThanOrEqual(0);
      expect(due - fire).toBeLessThan(30_000);
      // queued by the first tick (1 s steps) at or after the due time
      expect(event.occurredAt.getTime() - due).toBeGreaterThanOrEqual(0);
      expect(event.occurredAt.getTime() - due).toBeLessThan(1_000);
    }
    expect(
      new Set(queued.map((e) => Date.parse(e.data.dueAt) - Date.parse(e.data.scheduledFor ?? ""))).size,
    ).toBeGreaterThan(1);
    void jobId;
  });
});

describe("a fast rate schedule", () => {
  it("queues every on-time fire, at most 100 per job and tick, the rest in the next tick", async () => {
    h.clock.set("2026-06-04T12:00:00.000Z");
    const ctx = h.context();
    await h.createJob(ctx, { schedule: { type: "rate", everySeconds: 1 }, overlap: "allow" });
    h.clock.set("2026-06-04T12:02:30.000Z"); // 150 fires, all within missedAfterMs
    const first = await h.newScheduler().tick();
    const second = await h.newScheduler().tick();
    await h.settle();
    expect([first.queued, second.queued]).toEqual([100, 50]);
    const fires = firesOf(h.eventsOf(ctx.tenant, "RunQueued"));
    expect(fires).toHaveLength(150);
    expect(fires[0]).toBe("2026-06-04T12:00:01.000Z");
    expect(fires.at(-1)).toBe("2026-06-04T12:02:30.000Z");
    expect(new Set(fires).size).toBe(150);
    expect((await h.newScheduler().tick()).queued).toBe(0);
  });
});

describe("paused and deleted jobs", () => {
  it("never fire; a resumed job fires again from its resumption on, without catching up", async () => {
    h.clock.set("2026-06-03T12:00:00.000Z");
    const ctx = h.context();
    const active = await h.createJob(ctx, { schedule: everyMinute, overlap: "allow" });
    const paused = await h.createJob(ctx, { schedule: everyMinute, overlap: "allow" });
    const deleted = await h.createJob(ctx, { schedule: everyMinute, overlap: "allow" });
    await h.jobCommands.pause(ctx, paused, { reason: "maintenance" });
    await h.jobCommands.delete(ctx, deleted, { reason: "obsolete" });
    await h.settle();
    expect(await scheduleRow(ctx.tenant, paused)).toMatchObject({ next_fire_at: null, next_due_at: null });

    await tickUntil(new Date("2026-06-03T12:05:00.000Z"), 20_000);
    const jobsFired = () => new Set(h.eventsOf(ctx.tenant, "RunQueued").map((e) => e.data.jobId));
    expect(jobsFired()).toEqual(new Set([active]));
    expect(h.eventsOf(ctx.tenant, "RunQueued")).toHaveLength(5);
    expect(h.eventsOf(ctx.tenant, "RunSkipped")).toEqual([]);

    // resumed at 12:05:30: the fires it missed while paused are neither run nor reported
    h.clock.set("2026-06-03T12:05:30.000Z");
    await h.jobCommands.resume(ctx, paused);
    await h.settle();
    await tickUntil(new Date("2026-06-03T12:08:10.000Z"), 20_000);
    const resumed = h.eventsOf(ctx.tenant, "RunQueued").filter((e) => e.data.jobId === paused);
    expect(firesOf(resumed)).toEqual([
      "2026-06-03T12:06:00.000Z",
      "2026-06-03T12:07:00.000Z",
      "2026-06-03T12:08:00.000Z",
    ]);
    expect(h.eventsOf(ctx.tenant, "RunQueued").some((e) => e.data.jobId === deleted)).toBe(false);
    expect(h.eventsOf(ctx.tenant, "RunSkipped")).toEqual([]);
  });
});

describe("catch-up after an outage", () => {
  it("runs the newest missed fire and summarises the rest in one RunSkipped (default policy)", async () => {
    h.clock.set("2026-06-10T00:00:00.000Z");
    const ctx = h.context();
    const jobId = await h.createJob(ctx, {
      schedule: { type: "cron", expression: "0 * * * *", timezone: "UTC" },
      overlap: "allow",
    });
    await tickUntil(new Date("2026-06-10T01:00:00.000Z"), 60_000); // the 01:00 fire runs on time
    expect(firesOf(h.eventsOf(ctx.tenant, "RunQueued"))).toEqual(["2026-06-10T01:00:00.000Z"]);

    // the scheduler is down from 01:00:30 to three days later, 30 minutes past the hour
    h.clock.set("2026-06-13T01:30:00.000Z");
    const report = await h.newScheduler().tick();
    await h.settle();

    const queued = h.eventsOf(ctx.tenant, "RunQueued");
    expect(queued.slice(1).map((e) => [e.data.trigger, e.data.scheduledFor])).toEqual([
      ["catch-up", "2026-06-13T01:00:00.000Z"],
    ]);
    const skipped = h.eventsOf(ctx.tenant, "RunSkipped");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.data).toEqual({
      jobId,
      jobVersion: 1,
      scheduledFor: "2026-06-13T00:00:00.000Z",
      reason: "missed",
      missedCount: 71, // 02:00 on the 10th .. 00:00 on the 13th
      missedFrom: "2026-06-10T02:00:00.000Z",
      missedTo: "2026-06-13T00:00:00.000Z",
    });
    expect(report).toMatchObject({ queued: 1, skipped: 1 });
    expect(report.queuedRuns[0]?.lagMs).toBe(30 * 60_000);
    expect((await scheduleRow(ctx.tenant, jobId)).next_fire_at.toISOString()).toBe(
      "2026-06-13T02:00:00.000Z",
    );

    // the next ticks carry on normally
    await tickUntil(new Date("2026-06-13T02:00:00.000Z"), 60_000);
    expect(firesOf(h.eventsOf(ctx.tenant, "RunQueued")).at(-1)).toBe("2026-06-13T02:00:00.000Z");
    expect(h.eventsOf(ctx.tenant, "RunSkipped")).toHaveLength(1);
  });

  it("with maxRuns 0 writes only the summary", async () => {
    h.clock.set("2026-06-20T00:00:00.000Z");
    const ctx = h.context();
    const jobId = await h.createJob(ctx, {
      schedule: { type: "cron", expression: "0 * * * *", timezone: "UTC" },
      overlap: "allow",
      catchUp: { windowSeconds: 3600, maxRuns: 0 },
    });
    h.clock.set("2026-06-23T00:30:00.000Z");
    const report = await h.newScheduler().tick();
    await h.settle();
    expect(h.eventsOf(ctx.tenant, "RunQueued")).toEqual([]);
    const skipped = h.eventsOf(ctx.tenant, "RunSkipped");
    expect(skipped.map((e) => e.data)).toEqual([
      {
        jobId,
        jobVersion: 1,
        scheduledFor: "2026-06-23T00:00:00.000Z",
        reason: "missed",
        missedCount: 72,
        missedFrom: "2026-06-20T01:00:00.000Z",
        missedTo: "2026-06-23T00:00:00.000Z",
      },
    ]);
    expect(report).toMatchObject({ queued: 0, skipped: 1 });
  });
});

describe("DST: 30 2 * * * in America/New_York", () => {
  const cron = { type: "cron", expression: "30 2 * * *", timezone: "America/New_York" } as const;

  it("fires at 02:30 EST, at 03:30 EDT on the spring-forward day, then at 02:30 EDT (run-after)", async () => {
    h.clock.set("2026-03-06T12:00:00.000Z");
    const ctx = h.context();
    await h.createJob(ctx, { schedule: cron, overlap: "allow" });
    await tickUntil(
      new Date("2026-03-10T12:00:00.000Z"),
      20 * 60_000,
      h.newScheduler({ missedAfterMs: 30 * 60_000 }),
    );
    expect(firesOf(h.eventsOf(ctx.tenant, "RunQueued"))).toEqual([
      "2026-03-07T07:30:00.000Z", // 02:30 EST (UTC-5)
      "2026-03-08T07:30:00.000Z", // 02:30 does not exist: 03:30 EDT (UTC-4)
      "2026-03-09T06:30:00.000Z", // 02:30 EDT
      "2026-03-10T06:30:00.000Z",
    ]);
    expect(h.eventsOf(ctx.tenant, "RunSkipped")).toEqual([]);
  });

  it("does not fire on the spring-forward day under nonexistent: skip", async () => {
    h.clock.set("2026-03-06T12:00:00.000Z");
    const ctx = h.context();
    await h.createJob(ctx, {
      schedule: { ...cron, dst: { nonexistent: "skip", repeated: "first" } },
      overlap: "allow",
    });
    await tickUntil(
      new Date("2026-03-10T00:00:00.000Z"),
      20 * 60_000,
      h.newScheduler({ missedAfterMs: 30 * 60_000 }),
    );
    expect(firesOf(h.eventsOf(ctx.tenant, "RunQueued"))).toEqual([
      "2026-03-07T07:30:00.000Z",
      "2026-03-09T06:30:00.000Z",
    ]);
  });

  it("fires once on the fall-back day (02:30 happens once, after the repeated hour)", async () => {
    h.clock.set("2026-10-30T12:00:00.000Z");
    const ctx = h.context();
    await h.createJob(ctx, { schedule: cron, overlap: "allow" });
    await tickUntil(
      new Date("2026-11-03T12:00:00.000Z"),
      20 * 60_000,
      h.newScheduler({ missedAfterMs: 30 * 60_000 }),
    );
    expect(firesOf(h.eventsOf(ctx.tenant, "RunQueued"))).toEqual([
      "2026-10-31T06:30:00.000Z", // 02:30 EDT
      "2026-11-01T07:30:00.000Z", // 02:30 EST, the day clocks fall back at 02:00 EDT
      "2026-11-02T07:30:00.000Z",
      "2026-11-03T07:30:00.000Z",
    ]);
  });

  it("fires at both 01:30s on the fall-back day under repeated: both (30 1 * * *)", async () => {
    h.clock.set("2026-10-31T12:00:00.000Z");
    const ctx = h.context();
    await h.createJob(ctx, {
      schedule: { ...cron, expression: "30 1 * * *", dst: { nonexistent: "run-after", repeated: "both" } },
      overlap: "allow",
    });
    await tickUntil(
      new Date("2026-11-02T12:00:00.000Z"),
      20 * 60_000,
      h.newScheduler({ missedAfterMs: 30 * 60_000 }),
    );
    expect(firesOf(h.eventsOf(ctx.tenant, "RunQueued"))).toEqual([
      "2026-11-01T05:30:00.000Z", // 01:30 EDT
      "2026-11-01T06:30:00.000Z", // 01:30 EST, an hour later
      "2026-11-02T06:30:00.000Z",
    ]);
  });
});
