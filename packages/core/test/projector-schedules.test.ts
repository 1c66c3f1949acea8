/**
 * The schedules read model (`schedulesProjection`, plus the runs projection raising
 * `last_fire_at`), on PGlite and the machine's PostgreSQL: when a job fires next (cron in a
 * time zone, rate, once, jitter), pause/resume/delete, updates, and rows that do not depend
 * on how the change feed orders, repeats or batches the events.
 */
import { randomUUID } from "node:crypto";
import type { DecodedEvent, JobDefinition, NewEvent, ScheduleSpec } from "@jobledger/events";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { createPostgresProjector } from "../src/adapters/postgres/projector.ts";
import { withTransaction } from "../src/adapters/postgres/transaction.ts";
import { dueAt, jitterMs, nextFireAfter } from "../src/domain/schedule/index.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { runsProjection } from "../src/projections/runs.ts";
import { schedulesProjection } from "../src/projections/schedules.ts";
import { RunEvents, runStreamIdOf } from "./projector-runs.support.ts";
import { jobDefinition } from "./support/events.ts";
import { asDecoded, databaseKinds, jobStreamId, newEvent, type TestDatabase } from "./support/postgres.ts";
import { type TestDynamo, withDynalite } from "./support/standins.ts";

let dynamo: TestDynamo;
let store: DynamoEventStore;

beforeAll(async () => {
  dynamo = await withDynalite();
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: await dynamo.newEventsTable() });
});

afterAll(() => dynamo?.close());

const iso = (text: string) => new Date(text);
const addMs = (d: Date, ms: number) => new Date(d.getTime() + ms);

const cron = (expression: string, timezone: string, options: Partial<ScheduleSpec> = {}): ScheduleSpec =>
  ({
    type: "cron",
    expression,
    timezone,
    dst: { nonexistent: "run-after", repeated: "first" },
    startAt: null,
    endAt: null,
    jitterSeconds: 0,
    ...options,
  }) as ScheduleSpec;

const rate = (everySeconds: number, options: Partial<ScheduleSpec> = {}): ScheduleSpec =>
  ({ type: "rate", everySeconds, startAt: null, endAt: null, jitterSeconds: 0, ...options }) as ScheduleSpec;

const once = (at: string, options: Partial<ScheduleSpec> = {}): ScheduleSpec =>
  ({ type: "once", at, startAt: null, endAt: null, jitterSeconds: 0, ...options }) as ScheduleSpec;

/** Applies events straight through the projections that handle them, in one transaction. */
async function apply(t: TestDatabase, events: DecodedEvent[]): Promise<void> {
  await withTransaction(t.pool, async (client) => {
    for (const event of events) {
      for (const projection of [schedulesProjection, runsProjection]) {
        if (projection.handles(event.type)) await projection.apply(client, event);
      }
    }
  });
}

/** A job stream fed event by event: each `add` applies the next version. */
class JobStream {
  private version = 0;
  constructor(
    private readonly t: TestDatabase,
    readonly tenant: string,
    readonly jobId: string,
  ) {}

  async add(event: NewEvent): Promise<void> {
    await apply(this.t, asDecoded(jobStreamId(this.tenant, this.jobId), [event], ++this.version));
  }

  create(at: Date, definition: Partial<JobDefinition> = {}) {
    return this.add(newEvent(this.tenant, "JobCreated", { definition: jobDefinition(definition) }, { at }));
  }

  update(at: Date, changes: Partial<JobDefinition>, changedFields = Object.keys(changes)) {
    return this.add(
      newEvent(
        this.tenant,
        "JobUpdated",
        { changes, changedFields: changedFields as (keyof JobDefinition)[] },
        { at },
      ),
    );
  }

  pause(at: Date) {
    return this.add(newEvent(this.tenant, "JobPaused", { reason: "maintenance" }, { at }));
  }

  resume(at: Date) {
    return this.add(newEvent(this.tenant, "JobResumed", {}, { at }));
  }

  delete(at: Date) {
    return this.add(newEvent(this.tenant, "JobDeleted", { reason: "gone" }, { at }));
  }
}

async function scheduleRow(t: TestDatabase, tenant: string, jobId: string) {
  const result = await t.pool.query("SELECT * FROM schedules WHERE tenant = $1 AND job_id = $2", [
    tenant,
    jobId,
  ]);
  return result.rows[0];
}

/** The times the scheduler works with. */
async function times(t: TestDatabase, tenant: string, jobId: string) {
  const row = await scheduleRow(t, tenant, jobId);
  return {
    status: row?.status,
    next_fire_at: row?.next_fire_at,
    next_due_at: row?.next_due_at,
    last_fire_at: row?.last_fire_at,
  };
}

/** Applies one run stream opened by a RunQueued (or a RunSkipped) for `fire`. */
async function fired(
  t: TestDatabase,
  tenant: string,
  jobId: string,
  fire: Date,
  how: "schedule" | "catch-up" | "manual" | "skipped",
  at = fire,
): Promise<void> {
  const run = new RunEvents(tenant, jobId, at);
  if (how === "skipped") {
    run.add("RunSkipped", {
      jobId,
      jobVersion: 1,
      scheduledFor: fire.toISOString(),
      reason: "overlap",
      missedCount: 1,
      missedFrom: null,
      missedTo: null,
    });
  } else {
    run.queued(1, how, how === "manual" ? null : fire);
  }
  await apply(t, asDecoded(runStreamIdOf(tenant, randomUUID()), run.events));
}

/** Appends commits of one event each; returns the stored events. */
async function appendEach(streamId: string, events: readonly NewEvent[]): Promise<DecodedEvent[]> {
  const stored: DecodedEvent[] = [];
  let version = 0;
  for (const event of events) {
    const result = await store.append(streamId, version, [event]);
    stored.push(...result.events);
    version = result.version;
  }
  return stored;
}

describe.each(databaseKinds)("schedules projection on %s", (_kind, use) => {
  const t = use();
  const newTenant = () => `t-${randomUUID()}`;

  it("handles exactly the job events", () => {
    for (const type of ["JobCreated", "JobUpdated", "JobPaused", "JobResumed", "JobDeleted"] as const) {
      expect(schedulesProjection.handles(type)).toBe(true);
    }
    expect(schedulesProjection.handles("RunQueued")).toBe(false);
    expect(schedulesProjection.handles("RunSkipped")).toBe(false);
  });

  it("fires a cron job in its time zone first after the creation, due after its deterministic jitter", async () => {
    const tenant = newTenant();
    const job = new JobStream(t, tenant, "job-ny");
    // Friday 10:00 in New York; weekdays at 09:00 local; DST starts on Sunday 8 March 2026
    const schedule = cron("0 9 * * 1-5", "America/New_York", { jitterSeconds: 600 });
    const definition = jobDefinition({ schedule, overlap: "queue", concurrency: 2 });
    await job.create(iso("2026-03-06T15:00:00.000Z"), definition);

    const fire = iso("2026-03-09T13:00:00.000Z"); // Monday 09:00 EDT
    const jitter = jitterMs("job-ny", fire, 600);
    expect(jitter).toBeGreaterThan(0);
    expect(jitter).toBeLessThan(600_000);
    expect(await scheduleRow(t, tenant, "job-ny")).toEqual({
      tenant,
      job_id: "job-ny",
      job_version: 1,
      status: "active",
      schedule,
      overlap: "queue",
      concurrency: 2,
      catch_up: definition.catchUp,
      request: definition.request,
      retry: definition.retry,
      anchor: iso("2026-03-06T15:00:00.000Z"),
      next_fire_at: fire,
      next_due_at: addMs(fire, jitter),
      last_fire_at: null,
      buffered_fire_at: null,
      updated_at: iso("2026-03-06T15:00:00.000Z"),
    });
  });

  it("takes the first fire strictly after the event, through a DST gap as the job's policy says", async () => {
    const tenant = newTenant();
    // created at exactly a fire (02:00 CET); the next 02:00 falls in the spring-forward gap
    const runAfter = new JobStream(t, tenant, "run-after");
    await runAfter.create(iso("2026-03-28T01:00:00.000Z"), { schedule: cron("0 2 * * *", "Europe/Berlin") });
    expect(await times(t, tenant, "run-after")).toMatchObject({
      next_fire_at: iso("2026-03-29T01:00:00.000Z"), // 03:00 CEST, just after the gap
      next_due_at: iso("2026-03-29T01:00:00.000Z"),
    });

    const skip = new JobStream(t, tenant, "skip");
    await skip.create(iso("2026-03-28T01:00:00.000Z"), {
      schedule: cron("0 2 * * *", "Europe/Berlin", { dst: { nonexistent: "skip", repeated: "first" } }),
    });
    expect(await times(t, tenant, "skip")).toMatchObject({
      next_fire_at: iso("2026-03-30T00:00:00.000Z"), // 02:00 CEST the day after
    });
  });

  it("anchors a rate job at its creation, or at its startAt", async () => {
    const tenant = newTenant();
    const created = iso("2026-05-04T10:07:13.500Z");
    await new JobStream(t, tenant, "plain").create(created, { schedule: rate(900) });
    expect(await times(t, tenant, "plain")).toMatchObject({
      status: "active",
      next_fire_at: iso("2026-05-04T10:22:13.500Z"),
      next_due_at: iso("2026-05-04T10:22:13.500Z"),
    });
    expect((await scheduleRow(t, tenant, "plain")).anchor).toEqual(created);

    await new JobStream(t, tenant, "started-before").create(created, {
      schedule: rate(900, { startAt: "2026-05-04T09:00:00.000Z" }),
    });
    expect((await times(t, tenant, "started-before")).next_fire_at).toEqual(iso("2026-05-04T10:15:00.000Z"));

    await new JobStream(t, tenant, "starts-later").create(created, {
      schedule: rate(900, { startAt: "2026-05-04T12:00:00.000Z" }),
    });
    expect((await times(t, tenant, "starts-later")).next_fire_at).toEqual(iso("2026-05-04T12:00:00.000Z"));

    await new JobStream(t, tenant, "jittered").create(created, {
      schedule: rate(900, { jitterSeconds: 120 }),
    });
    const fire = iso("2026-05-04T10:22:13.500Z");
    expect(await times(t, tenant, "jittered")).toMatchObject({
      next_fire_at: fire,
      next_due_at: dueAt("jittered", fire, 120),
    });
  });

  it("fires a once job at its time, and never when that time has passed or lies past endAt", async () => {
    const tenant = newTenant();
    const created = iso("2026-05-04T10:00:00.000Z");
    await new JobStream(t, tenant, "later").create(created, { schedule: once("2026-06-01T08:00:00.000Z") });
    expect(await times(t, tenant, "later")).toEqual({
      status: "active",
      next_fire_at: iso("2026-06-01T08:00:00.000Z"),
      next_due_at: iso("2026-06-01T08:00:00.000Z"),
      last_fire_at: null,
    });

    await new JobStream(t, tenant, "passed").create(created, { schedule: once("2026-05-04T09:59:59.999Z") });
    await new JobStream(t, tenant, "exactly-now").create(created, {
      schedule: once("2026-05-04T10:00:00.000Z"),
    });
    await new JobStream(t, tenant, "past-end").create(created, {
      schedule: once("2026-06-01T08:00:00.000Z", { endAt: "2026-06-01T08:00:00.000Z" }),
    });
    for (const jobId of ["passed", "exactly-now", "past-end"]) {
      expect(await times(t, tenant, jobId)).toEqual({
        status: "active",
        next_fire_at: null,
        next_due_at: null,
        last_fire_at: null,
      });
    }
  });

  it("clears the next fire on pause, recomputes it from the resume time, and clears it on delete", async () => {
    const tenant = newTenant();
    const job = new JobStream(t, tenant, "hourly");
    await job.create(iso("2026-05-04T10:30:00.000Z"), {
      schedule: cron("0 * * * *", "UTC"),
      overlap: "queue",
    });
    expect((await times(t, tenant, "hourly")).next_fire_at).toEqual(iso("2026-05-04T11:00:00.000Z"));

    // the tick keeps a buffered fire (overlap "queue"); a pause leaves it, a delete drops it
    await t.pool.query(
      "UPDATE schedules SET buffered_fire_at = $3, last_fire_at = $3 WHERE tenant = $1 AND job_id = $2",
      [tenant, "hourly", iso("2026-05-04T10:00:00.000Z")],
    );

    await job.pause(iso("2026-05-04T10:40:00.000Z"));
    expect(await scheduleRow(t, tenant, "hourly")).toMatchObject({
      status: "paused",
      next_fire_at: null,
      next_due_at: null,
      last_fire_at: iso("2026-05-04T10:00:00.000Z"),
      buffered_fire_at: iso("2026-05-04T10:00:00.000Z"),
      job_version: 2,
      updated_at: iso("2026-05-04T10:40:00.000Z"),
    });

    // no catch-up of 11:00 .. 14:00, which passed while paused
    await job.resume(iso("2026-05-04T14:10:00.000Z"));
    expect(await scheduleRow(t, tenant, "hourly")).toMatchObject({
      status: "active",
      next_fire_at: iso("2026-05-04T15:00:00.000Z"),
      next_due_at: iso("2026-05-04T15:00:00.000Z"),
      job_version: 3,
      updated_at: iso("2026-05-04T14:10:00.000Z"),
    });

    await job.delete(iso("2026-05-04T14:20:00.000Z"));
    expect(await scheduleRow(t, tenant, "hourly")).toMatchObject({
      status: "deleted",
      next_fire_at: null,
      next_due_at: null,
      buffered_fire_at: null,
      last_fire_at: iso("2026-05-04T10:00:00.000Z"),
      job_version: 4,
      updated_at: iso("2026-05-04T14:20:00.000Z"),
    });
  });

  it("resumes after the newest fire handled when a fire after the resume was projected first", async () => {
    const tenant = newTenant();
    const job = new JobStream(t, tenant, "j");
    await job.create(iso("2026-05-04T10:30:00.000Z"), { schedule: cron("*/10 * * * *", "UTC") });
    await job.pause(iso("2026-05-04T10:31:00.000Z"));
    await fired(t, tenant, "j", iso("2026-05-04T12:20:00.000Z"), "schedule");
    await job.resume(iso("2026-05-04T12:05:00.000Z"));
    expect(await times(t, tenant, "j")).toMatchObject({
      status: "active",
      next_fire_at: iso("2026-05-04T12:30:00.000Z"),
      last_fire_at: iso("2026-05-04T12:20:00.000Z"),
    });
  });

  it("recomputes the next fire when an update changes the schedule, and only then", async () => {
    const tenant = newTenant();
    const job = new JobStream(t, tenant, "j");
    await job.create(iso("2026-05-04T10:30:00.000Z"), { schedule: cron("0 * * * *", "UTC") });
    expect((await times(t, tenant, "j")).next_fire_at).toEqual(iso("2026-05-04T11:00:00.000Z"));

    // the tick moved on (it owns next_fire_at between events): a rename leaves its value
    await t.pool.query(
      "UPDATE schedules SET next_fire_at = $2, next_due_at = $2, last_fire_at = $3 WHERE tenant = $1",
      [tenant, iso("2026-05-04T12:00:00.000Z"), iso("2026-05-04T11:00:00.000Z")],
    );
    await job.update(iso("2026-05-04T11:10:00.000Z"), { name: "renamed" });
    expect(await scheduleRow(t, tenant, "j")).toMatchObject({
      next_fire_at: iso("2026-05-04T12:00:00.000Z"),
      next_due_at: iso("2026-05-04T12:00:00.000Z"),
      schedule: cron("0 * * * *", "UTC"),
      job_version: 2,
      updated_at: iso("2026-05-04T11:10:00.000Z"),
    });

    // a new schedule fires first after the update (and after the last fire handled)
    const every7 = rate(420, { jitterSeconds: 60 });
    await job.update(iso("2026-05-04T11:20:00.000Z"), { schedule: every7 });
    // rate anchored at the job's creation (10:30): 10:30 + k·7 min, first after 11:20 is 11:26
    const fire = iso("2026-05-04T11:26:00.000Z");
    expect(await scheduleRow(t, tenant, "j")).toMatchObject({
      schedule: every7,
      next_fire_at: fire,
      next_due_at: dueAt("j", fire, 60),
      last_fire_at: iso("2026-05-04T11:00:00.000Z"),
      job_version: 3,
    });

    // changing the schedule of a paused job keeps it without a next fire; resume uses the new one
    await job.pause(iso("2026-05-04T11:30:00.000Z"));
    await job.update(iso("2026-05-04T11:40:00.000Z"), { schedule: cron("15 * * * *", "UTC") });
    expect(await times(t, tenant, "j")).toMatchObject({
      status: "paused",
      next_fire_at: null,
      next_due_at: null,
    });
    await job.resume(iso("2026-05-04T11:50:00.000Z"));
    expect(await scheduleRow(t, tenant, "j")).toMatchObject({
      status: "active",
      schedule: cron("15 * * * *", "UTC"),
      next_fire_at: iso("2026-05-04T12:15:00.000Z"),
      job_version: 6,
    });
  });

  it("follows updates of overlap, concurrency, catch-up, request and retry", async () => {
    const tenant = newTenant();
    const job = new JobStream(t, tenant, "j");
    await job.create(iso("2026-05-04T10:30:00.000Z"), { overlap: "skip", concurrency: 3 });
    const before = await scheduleRow(t, tenant, "j");

    const request = { ...jobDefinition().request, method: "PUT" as const, url: "https://api.example.com/v2" };
    const retry = { ...jobDefinition().retry, maxAttempts: 7, retryOn: ["429" as const] };
    const catchUp = { windowSeconds: 86_400, maxRuns: 5 };
    await job.update(iso("2026-05-04T10:40:00.000Z"), { overlap: "allow", request, retry, catchUp });
    expect(await scheduleRow(t, tenant, "j")).toEqual({
      ...before,
      overlap: "allow",
      request,
      retry,
      catch_up: catchUp,
      job_version: 2,
      updated_at: iso("2026-05-04T10:40:00.000Z"),
    });

    await job.update(iso("2026-05-04T10:41:00.000Z"), { concurrency: 5 });
    expect((await scheduleRow(t, tenant, "j")).concurrency).toBe(5);
    // back to null, as written; and as a decoder may give it (the null dropped)
    await job.update(iso("2026-05-04T10:42:00.000Z"), { concurrency: null });
    expect((await scheduleRow(t, tenant, "j")).concurrency).toBeNull();
    await job.update(iso("2026-05-04T10:43:00.000Z"), { concurrency: 4 });
    await job.update(iso("2026-05-04T10:44:00.000Z"), {}, ["concurrency"]);
    expect(await scheduleRow(t, tenant, "j")).toMatchObject({ concurrency: null, job_version: 6 });

    // fields this read model does not keep still advance the version
    await job.update(iso("2026-05-04T10:45:00.000Z"), { tags: ["other"], description: "x" });
    expect(await scheduleRow(t, tenant, "j")).toEqual({
      ...before,
      overlap: "allow",
      request,
      retry,
      catch_up: catchUp,
      concurrency: null,
      job_version: 7,
      updated_at: iso("2026-05-04T10:45:00.000Z"),
    });
  });

  it("fails clearly on an update that names the schedule without setting it, and on a job it never saw", async () => {
    const tenant = newTenant();
    const job = new JobStream(t, tenant, "j");
    await job.create(iso("2026-05-04T10:30:00.000Z"));
    await expect(job.update(iso("2026-05-04T10:31:00.000Z"), {}, ["schedule"])).rejects.toThrow(
      /JobUpdated \(version 2\) of .*\/job\/j names schedule as changed but does not set it/,
    );
    const [paused] = asDecoded(
      jobStreamId(tenant, "ghost"),
      [newEvent(tenant, "JobPaused", { reason: null })],
      2,
    );
    await expect(apply(t, [paused!])).rejects.toThrow(
      /JobPaused \(version 2\) of .*\/job\/ghost found no schedule row/,
    );
  });

  it("raises last_fire_at for scheduled, catch-up and skipped fires, never lowers it, and moves a passed next fire", async () => {
    const tenant = newTenant();
    const job = new JobStream(t, tenant, "j");
    await job.create(iso("2026-05-04T10:03:00.000Z"), { schedule: cron("*/10 * * * *", "UTC") });
    expect(await times(t, tenant, "j")).toMatchObject({
      next_fire_at: iso("2026-05-04T10:10:00.000Z"),
      last_fire_at: null,
    });

    await fired(t, tenant, "j", iso("2026-05-04T10:10:00.000Z"), "schedule");
    expect(await times(t, tenant, "j")).toMatchObject({
      last_fire_at: iso("2026-05-04T10:10:00.000Z"),
      next_fire_at: iso("2026-05-04T10:20:00.000Z"),
      next_due_at: iso("2026-05-04T10:20:00.000Z"),
    });
    await fired(t, tenant, "j", iso("2026-05-04T10:30:00.000Z"), "catch-up");
    expect(await times(t, tenant, "j")).toMatchObject({
      last_fire_at: iso("2026-05-04T10:30:00.000Z"),
      next_fire_at: iso("2026-05-04T10:40:00.000Z"),
    });
    await fired(t, tenant, "j", iso("2026-05-04T10:40:00.000Z"), "skipped");
    expect(await times(t, tenant, "j")).toMatchObject({
      last_fire_at: iso("2026-05-04T10:40:00.000Z"),
      next_fire_at: iso("2026-05-04T10:50:00.000Z"),
    });

    // older fires, manual runs and retries change nothing
    await fired(t, tenant, "j", iso("2026-05-04T10:20:00.000Z"), "schedule", iso("2026-05-04T10:41:00.000Z"));
    await fired(t, tenant, "j", iso("2026-05-04T10:20:00.000Z"), "skipped", iso("2026-05-04T10:42:00.000Z"));
    await fired(t, tenant, "j", iso("2026-05-04T11:00:00.000Z"), "manual");
    const retried = new RunEvents(tenant, "j", iso("2026-05-04T10:43:00.000Z"));
    retried
      .queued(1, "manual")
      .started(1)
      .failed(1)
      .retryScheduled(2)
      .queued(2, "retry", iso("2026-05-04T12:00:00.000Z"));
    await apply(t, asDecoded(runStreamIdOf(tenant, "retried"), retried.events));
    expect(await times(t, tenant, "j")).toMatchObject({
      last_fire_at: iso("2026-05-04T10:40:00.000Z"),
      next_fire_at: iso("2026-05-04T10:50:00.000Z"),
    });

    // a fire before the next one known only raises last_fire_at (the tick had moved on already)
    await t.pool.query("UPDATE schedules SET next_fire_at = $2, next_due_at = $2 WHERE tenant = $1", [
      tenant,
      iso("2026-05-04T11:10:00.000Z"),
    ]);
    await fired(t, tenant, "j", iso("2026-05-04T11:00:00.000Z"), "schedule");
    expect(await times(t, tenant, "j")).toMatchObject({
      last_fire_at: iso("2026-05-04T11:00:00.000Z"),
      next_fire_at: iso("2026-05-04T11:10:00.000Z"),
    });

    // paused: the fire is recorded, no next fire appears
    await job.pause(iso("2026-05-04T11:05:00.000Z"));
    await fired(t, tenant, "j", iso("2026-05-04T11:10:00.000Z"), "schedule");
    expect(await times(t, tenant, "j")).toEqual({
      status: "paused",
      last_fire_at: iso("2026-05-04T11:10:00.000Z"),
      next_fire_at: null,
      next_due_at: null,
    });
  });

  it("creates the row after fires the runs projection saw first", async () => {
    const tenant = newTenant();
    await fired(t, tenant, "j", iso("2026-05-04T11:40:00.000Z"), "schedule");
    await fired(t, tenant, "j", iso("2026-05-04T11:50:00.000Z"), "skipped");
    await fired(t, tenant, "j", iso("2026-05-04T13:00:00.000Z"), "manual");
    await new JobStream(t, tenant, "j").create(iso("2026-05-04T10:03:00.000Z"), {
      schedule: cron("*/10 * * * *", "UTC"),
    });
    expect(await times(t, tenant, "j")).toEqual({
      status: "active",
      last_fire_at: iso("2026-05-04T11:50:00.000Z"),
      next_fire_at: iso("2026-05-04T12:00:00.000Z"),
      next_due_at: iso("2026-05-04T12:00:00.000Z"),
    });
  });

  /**
   * A job's life as it happened (fires of its schedule as runs or skips, pauses, resumes,
   * schedule changes, renames), projected in order and then shuffled, duplicated and batched
   * anyhow: the schedules and runs rows are the same, and next_fire_at is the first fire after
   * both the last schedule-setting event and the newest fire.
   */
  it("ends with the rows of an in-order delivery, whatever the order, duplication and batching", async () => {
    const projector = () =>
      createPostgresProjector({
        pool: t.pool,
        eventStore: store,
        projections: [jobsProjection, runsProjection, schedulesProjection],
      });
    const schedules: ScheduleSpec[] = [
      cron("*/10 * * * *", "UTC", { jitterSeconds: 30 }),
      rate(420),
      cron("5,35 * * * *", "America/New_York", { jitterSeconds: 5 }),
    ];
    const step = fc.constantFrom(
      "fire",
      "fire",
      "fire",
      "skip",
      "catch-up",
      "pause",
      "resume",
      "reschedule",
      "rename",
    );
    const created = iso("2026-05-04T10:03:00.000Z");

    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), fc.gen(), async (steps, g) => {
        /** the job's life for one tenant: the job stream, one stream per fire, and what to expect */
        const life = (tenant: string) => {
          const job: NewEvent[] = [
            newEvent(
              tenant,
              "JobCreated",
              { definition: jobDefinition({ schedule: schedules[0] }) },
              { at: created },
            ),
          ];
          const runs: NewEvent[][] = [];
          let now = created;
          let current = 0;
          let active = true;
          let setAt = created;
          let lastFire: Date | null = null;
          const later = (minutes: number) => {
            now = addMs(now, minutes * 60_000);
            return now;
          };
          const nextFire = () => {
            const after = lastFire !== null && lastFire > setAt ? lastFire : setAt;
            return nextFireAfter(schedules[current]!, after, created);
          };
          for (const kind of steps) {
            if (kind === "fire" || kind === "skip" || kind === "catch-up") {
              const fire = nextFire();
              if (!active || fire === null) continue;
              now = addMs(fire > now ? fire : now, 40_000);
              const run = new RunEvents(tenant, "job", now);
              if (kind === "skip") {
                run.add("RunSkipped", {
                  jobId: "job",
                  jobVersion: 1,
                  scheduledFor: fire.toISOString(),
                  reason: "overlap",
                  missedCount: 1,
                  missedFrom: null,
                  missedTo: null,
                });
              } else {
                run
                  .queued(1, kind === "fire" ? "schedule" : "catch-up", fire)
                  .started(1)
                  .succeeded(1);
              }
              runs.push(run.events);
              lastFire = fire;
            } else if (kind === "pause" && active) {
              job.push(newEvent(tenant, "JobPaused", { reason: null }, { at: later(2) }));
              active = false;
            } else if (kind === "resume" && !active) {
              job.push(newEvent(tenant, "JobResumed", {}, { at: later(47) }));
              active = true;
              setAt = now;
            } else if (kind === "reschedule") {
              current = (current + 1) % schedules.length;
              const changes = { schedule: schedules[current]! };
              job.push(
                newEvent(tenant, "JobUpdated", { changes, changedFields: ["schedule"] }, { at: later(3) }),
              );
              setAt = now;
            } else if (kind === "rename") {
              const changes = { name: `renamed at ${later(1).toISOString()}` };
              job.push(newEvent(tenant, "JobUpdated", { changes, changedFields: ["name"] }, { at: now }));
            }
          }
          const next = active ? nextFire() : null;
          const nextDue = next && dueAt("job", next, schedules[current]!.jitterSeconds);
          return { job, runs, active, lastFire, next, nextDue };
        };

        const stored = async (tenant: string) => {
          const { job, runs, ...expected } = life(tenant);
          const events = await appendEach(jobStreamId(tenant, "job"), job);
          for (const [i, run] of runs.entries()) {
            events.push(...(await appendEach(runStreamIdOf(tenant, `run-${i}`), run)));
          }
          return { events, expected };
        };

        // as it happened: every event in time order, one at a time
        const expectedTenant = newTenant();
        const inOrder = await stored(expectedTenant);
        const byTime = [...inOrder.events].sort(
          (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.version - b.version,
        );
        for (const event of byTime) await projector().handle([event]);

        const tenant = newTenant();
        const { events } = await stored(tenant);
        const deliveries = [...events];
        const duplicates = g(fc.nat, { max: events.length });
        for (let i = 0; i < duplicates; i++) deliveries.push(events[g(fc.nat, { max: events.length - 1 })]!);
        for (let i = deliveries.length - 1; i > 0; i--) {
          const j = g(fc.nat, { max: i });
          [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
        }
        let rest = deliveries;
        while (rest.length > 0) {
          const size = 1 + g(fc.nat, { max: rest.length - 1 });
          await projector().handle(rest.slice(0, size));
          rest = rest.slice(size);
        }

        const { expected } = inOrder;
        expect(await times(t, expectedTenant, "job")).toEqual({
          status: expected.active ? "active" : "paused",
          last_fire_at: expected.lastFire,
          next_fire_at: expected.next,
          next_due_at: expected.nextDue,
        });
        expect(await snapshot(t, tenant)).toEqual(await snapshot(t, expectedTenant));
      }),
      { numRuns: 15 },
    );
  });
});

/** Schedules and runs of one tenant, without the tenant, for comparing two tenants. */
async function snapshot(t: TestDatabase, tenant: string) {
  const schedules = await t.pool.query(
    `SELECT job_id, job_version, status, schedule, overlap, concurrency, catch_up, request, retry, anchor,
            next_fire_at, next_due_at, last_fire_at, buffered_fire_at, updated_at
     FROM schedules WHERE tenant = $1 ORDER BY job_id`,
    [tenant],
  );
  const runs = await t.pool.query(
    `SELECT run_id, job_id, status, trigger, scheduled_for, attempt, created_at, updated_at, finished_at, version
     FROM runs WHERE tenant = $1 ORDER BY run_id`,
    [tenant],
  );
  return { schedules: schedules.rows, runs: runs.rows };
}
