import { randomUUID } from "node:crypto";
import type { DecodedEvent, EventType, NewEvent } from "@jobledger/events";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { createPostgresProjector } from "../src/adapters/postgres/projector.ts";
import { withTransaction } from "../src/adapters/postgres/transaction.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { runsProjection, timedOutMessage } from "../src/projections/runs.ts";
import { schedulesProjection } from "../src/projections/schedules.ts";
import { RunEvents, type RunSpec, runHistory, runStreamIdOf } from "./projector-runs.support.ts";
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

const START = new Date("2026-05-04T10:00:00.000Z");
const minute = (n: number) => new Date(START.getTime() + n * 60_000);

async function apply(t: TestDatabase, events: DecodedEvent[]): Promise<void> {
  await withTransaction(t.pool, async (client) => {
    for (const event of events) await runsProjection.apply(client, event);
  });
}

async function runRow(t: TestDatabase, tenant: string, runId: string) {
  const result = await t.pool.query("SELECT * FROM runs WHERE tenant = $1 AND run_id = $2", [tenant, runId]);
  return result.rows[0];
}

async function attemptRows(t: TestDatabase, tenant: string, runId: string) {
  const result = await t.pool.query(
    "SELECT * FROM run_attempts WHERE tenant = $1 AND run_id = $2 ORDER BY attempt",
    [tenant, runId],
  );
  return result.rows;
}

/** Runs, attempts and schedules of one tenant, without the tenant, for comparing two tenants. */
async function snapshot(t: TestDatabase, tenant: string) {
  const runs = await t.pool.query(
    `SELECT run_id, job_id, job_version, status, trigger, scheduled_for, due_at, attempt, attempt_base, deadline,
            next_attempt_at, last_status_code, last_error_class, last_error, created_at, updated_at,
            finished_at, skip_reason, missed_count, missed_from, missed_to, version
     FROM runs WHERE tenant = $1 ORDER BY run_id`,
    [tenant],
  );
  const attempts = await t.pool.query(
    `SELECT run_id, attempt, started_at, deadline, runner, finished_at, outcome, status_code, error_class, message,
            duration_ms, response_headers, body_excerpt, body_bytes, body_truncated
     FROM run_attempts WHERE tenant = $1 ORDER BY run_id, attempt`,
    [tenant],
  );
  const schedules = await t.pool.query(
    `SELECT job_id, status, next_fire_at, next_due_at, last_fire_at FROM schedules WHERE tenant = $1 ORDER BY job_id`,
    [tenant],
  );
  return { runs: runs.rows, attempts: attempts.rows, schedules: schedules.rows };
}

/** Appends commits of one event each; returns the stored events. */
async function appendEach(streamId: string, events: NewEvent[]): Promise<DecodedEvent[]> {
  const stored: DecodedEvent[] = [];
  let version = 0;
  for (const event of events) {
    const result = await store.append(streamId, version, [event]);
    stored.push(...result.events);
    version = result.version;
  }
  return stored;
}

describe.each(databaseKinds)("runs projection on %s", (_kind, use) => {
  const t = use();
  const newTenant = () => `t-${randomUUID()}`;

  it("handles exactly the run events", () => {
    const runEvents: EventType[] = [
      "RunQueued",
      "AttemptStarted",
      "AttemptSucceeded",
      "AttemptFailed",
      "AttemptTimedOut",
      "RetryScheduled",
      "RunSucceeded",
      "RunDeadLettered",
      "RunCancelled",
      "RunRedriven",
      "RunSkipped",
    ];
    expect(runEvents.every((type) => runsProjection.handles(type))).toBe(true);
    expect(runsProjection.handles("JobCreated")).toBe(false);
  });

  it("follows a run through a failed attempt, a retry and a success", async () => {
    const tenant = newTenant();
    const run = new RunEvents(tenant, "job-1", START);
    run.queued(1, "schedule", minute(-1)).started(1).failed(1, 503).retryScheduled(2);
    const first = asDecoded(runStreamIdOf(tenant, "r1"), run.events);
    await apply(t, first);

    expect(await runRow(t, tenant, "r1")).toMatchObject({
      job_id: "job-1",
      job_version: 1,
      status: "retry-scheduled",
      trigger: "schedule",
      scheduled_for: minute(-1),
      due_at: minute(0),
      attempt: 1,
      attempt_base: 0,
      deadline: null,
      next_attempt_at: new Date(minute(3).getTime() + 30_000),
      last_status_code: 503,
      last_error_class: "http-5xx",
      last_error: "HTTP 503",
      created_at: minute(0),
      updated_at: minute(3),
      finished_at: null,
      skip_reason: null,
      version: 4,
    });
    expect(await attemptRows(t, tenant, "r1")).toEqual([
      expect.objectContaining({
        attempt: 1,
        started_at: minute(1),
        deadline: new Date(minute(1).getTime() + 40_000),
        runner: "runner-1",
        finished_at: minute(2),
        outcome: "failed",
        status_code: 503,
        error_class: "http-5xx",
        message: "HTTP 503",
        duration_ms: 13,
        response_headers: { "content-type": "text/plain", "x-n": "1" },
        body_excerpt: "body 1",
        body_bytes: 101,
        body_truncated: false,
      }),
    ]);

    const before = run.events.length;
    run.queued(2, "retry").started(2).succeeded(2, 204).add("RunSucceeded", { attempts: 2 });
    await apply(t, asDecoded(runStreamIdOf(tenant, "r1"), run.events.slice(before), before + 1));

    expect(await runRow(t, tenant, "r1")).toMatchObject({
      status: "succeeded",
      trigger: "schedule",
      due_at: minute(4),
      attempt: 2,
      next_attempt_at: null,
      deadline: null,
      last_status_code: 204,
      last_error_class: null,
      last_error: null,
      finished_at: minute(7),
      updated_at: minute(7),
      version: 8,
    });
    const attempts = await attemptRows(t, tenant, "r1");
    expect(attempts.map((a) => [a.attempt, a.outcome, a.status_code, a.finished_at])).toEqual([
      [1, "failed", 503, minute(2)],
      [2, "succeeded", 204, minute(6)],
    ]);
    expect(attempts[1]).toMatchObject({ error_class: null, message: null, body_truncated: true });
  });

  it("records a timeout, a dead letter, a redrive and a cancel that lands while the attempt runs", async () => {
    const tenant = newTenant();
    const run = new RunEvents(tenant, "job-2", START);
    run
      .queued(1, "manual")
      .started(1)
      .timedOut(1)
      .add("RunDeadLettered", { attempts: 1, reason: "not-retryable", lastError: "timed out" });
    await apply(t, asDecoded(runStreamIdOf(tenant, "r2"), run.events));
    expect(await runRow(t, tenant, "r2")).toMatchObject({
      status: "dead-lettered",
      trigger: "manual",
      scheduled_for: null,
      last_error_class: "timeout",
      last_status_code: null,
      last_error: "timed out",
      finished_at: minute(3),
    });
    expect((await attemptRows(t, tenant, "r2"))[0]).toMatchObject({
      outcome: "timed-out",
      finished_at: minute(2),
      error_class: "timeout",
      message: timedOutMessage(minute(2).toISOString()),
      duration_ms: null,
    });

    const before = run.events.length;
    run
      .add("RunRedriven", { reason: "target fixed" })
      .queued(2, "redrive")
      .started(2)
      .add("RunCancelled", { reason: "no longer needed" })
      .failed(2, 500);
    await apply(t, asDecoded(runStreamIdOf(tenant, "r2"), run.events.slice(before), before + 1));
    expect(await runRow(t, tenant, "r2")).toMatchObject({
      status: "cancelled",
      trigger: "manual",
      attempt: 2,
      attempt_base: 1,
      deadline: null,
      finished_at: minute(7),
      last_status_code: 500,
      last_error: "HTTP 500",
      updated_at: minute(8),
      version: 9,
    });
    expect((await attemptRows(t, tenant, "r2")).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "timed-out"],
      [2, "failed"],
    ]);
  });

  it("opens a skipped fire as a run, and raises the schedule's last fire (never lowers it)", async () => {
    const tenant = newTenant();
    // the job's schedules row exists: created an hour before
    await withTransaction(t.pool, async (client) => {
      for (const event of asDecoded(jobStreamId(tenant, "job-s"), [
        newEvent(tenant, "JobCreated", { definition: jobDefinition() }, { at: minute(-60) }),
      ]))
        await schedulesProjection.apply(client, event);
    });
    const skipped = asDecoded(runStreamIdOf(tenant, "skip-1"), [
      newEvent(
        tenant,
        "RunSkipped",
        {
          jobId: "job-s",
          jobVersion: 1,
          scheduledFor: minute(-10).toISOString(),
          reason: "missed",
          missedCount: 7,
          missedFrom: minute(-40).toISOString(),
          missedTo: minute(-10).toISOString(),
        },
        { at: minute(0) },
      ),
    ]);
    await apply(t, skipped);
    expect(await runRow(t, tenant, "skip-1")).toMatchObject({
      status: "skipped",
      trigger: "schedule",
      scheduled_for: minute(-10),
      due_at: null,
      attempt: 0,
      skip_reason: "missed",
      missed_count: 7,
      missed_from: minute(-40),
      missed_to: minute(-10),
      finished_at: minute(0),
      version: 1,
    });
    const lastFire = async () =>
      (await t.pool.query("SELECT last_fire_at FROM schedules WHERE tenant = $1", [tenant])).rows[0]
        ?.last_fire_at;
    expect(await lastFire()).toEqual(minute(-10));

    // an older catch-up fire leaves it, a newer scheduled one raises it, a manual run does not count
    const older = new RunEvents(tenant, "job-s", minute(1)).queued(1, "catch-up", minute(-30));
    const newer = new RunEvents(tenant, "job-s", minute(2)).queued(1, "schedule", minute(-5));
    const manual = new RunEvents(tenant, "job-s", minute(3)).queued(1, "manual");
    await apply(t, asDecoded(runStreamIdOf(tenant, "older"), older.events));
    expect(await lastFire()).toEqual(minute(-10));
    await apply(t, asDecoded(runStreamIdOf(tenant, "newer"), newer.events));
    await apply(t, asDecoded(runStreamIdOf(tenant, "manual"), manual.events));
    expect(await lastFire()).toEqual(minute(-5));
  });

  it("replaces the scheduler's provisional row when RunQueued lands", async () => {
    const tenant = newTenant();
    await t.pool.query(
      `INSERT INTO runs (tenant, run_id, job_id, status, trigger, scheduled_for, due_at, attempt, attempt_base,
                         created_at, updated_at, version)
       VALUES ($1, 'p1', 'job-p', 'queued', 'schedule', $2, $2, 1, 0, $3, $3, 0)`,
      [tenant, minute(-2), minute(-1)],
    );
    const run = new RunEvents(tenant, "job-p", START).queued(1, "schedule", minute(-2));
    await apply(t, asDecoded(runStreamIdOf(tenant, "p1"), run.events));
    expect(await runRow(t, tenant, "p1")).toMatchObject({
      status: "queued",
      job_version: 1,
      created_at: minute(0),
      due_at: minute(0),
      version: 1,
    });
  });

  it("fails clearly on an event of a run it never saw, and on a stream that is not a run's", async () => {
    const tenant = newTenant();
    const [started] = asDecoded(
      runStreamIdOf(tenant, "ghost"),
      new RunEvents(tenant, "j", START).started(1).events,
      2,
    );
    await expect(apply(t, [started!])).rejects.toThrow(
      /AttemptStarted \(version 2\) of .*\/run\/ghost found no run row/,
    );
    const [misplaced] = asDecoded(
      jobStreamId(tenant, "x"),
      new RunEvents(tenant, "j", START).queued(1, "manual").events,
    );
    await expect(apply(t, [misplaced!])).rejects.toThrow(/does not belong to a run stream/);
    const [otherTenant] = asDecoded(
      runStreamIdOf("someone-else", "r"),
      new RunEvents(tenant, "j", START).queued(1, "manual").events,
    );
    await expect(apply(t, [otherTenant!])).rejects.toThrow(/does not belong to a run stream/);
  });

  /**
   * However the change feed delivers run histories (shuffled, duplicated, in any batches),
   * the rows equal those of one in-order delivery.
   */
  it("ends with the rows of an in-order delivery, whatever the order, duplication and batching", async () => {
    const projector = () =>
      createPostgresProjector({
        pool: t.pool,
        eventStore: store,
        projections: [jobsProjection, runsProjection, schedulesProjection],
      });
    const spec: fc.Arbitrary<RunSpec> = fc.record({
      skipped: fc.boolean(),
      failures: fc.array(fc.boolean(), { maxLength: 2 }),
      end: fc.constantFrom("succeed", "dead-letter", "cancel-running", "cancel-queued"),
      redrive: fc.boolean(),
    });

    await fc.assert(
      fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 3 }), fc.gen(), async (specs, g) => {
        const expectedTenant = newTenant();
        const tenant = newTenant();
        const history = (ten: string): NewEvent[][] => [
          [newEvent(ten, "JobCreated", { definition: jobDefinition() }, { at: minute(-600) })],
          ...specs.map((s, i) => runHistory(ten, "job", minute(i * 30), s)),
        ];
        const streamOf = (ten: string, i: number) =>
          i === 0 ? jobStreamId(ten, "job") : runStreamIdOf(ten, `run-${i}`);

        const inOrder = history(expectedTenant);
        for (const [i, events] of inOrder.entries()) {
          await projector().handle(await appendEach(streamOf(expectedTenant, i), events));
        }
        const all: DecodedEvent[] = [];
        for (const [i, events] of history(tenant).entries()) {
          all.push(...(await appendEach(streamOf(tenant, i), events)));
        }

        const deliveries = [...all];
        const duplicates = g(fc.nat, { max: all.length });
        for (let i = 0; i < duplicates; i++) deliveries.push(all[g(fc.nat, { max: all.length - 1 })]!);
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

        expect(await snapshot(t, tenant)).toEqual(await snapshot(t, expectedTenant));
      }),
      { numRuns: 12 },
    );
  });
});
