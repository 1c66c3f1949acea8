/**
 * The run queries a client sees (`createRunQueries`: get, list, deadLetters), on PGlite and the
 * machine's PostgreSQL, over rows written by the runs projection: one run with its attempt
 * timeline, keyset paging through every run exactly once, filters, tenant isolation, cursor
 * and limit checks. The scheduler's queries are tested in run-queries-scheduler.test.ts.
 */
import { randomUUID } from "node:crypto";
import type { DecodedEvent } from "@jobledger/events";
import { describe, expect, it } from "vitest";
import {
  createRunQueries,
  InvalidCursor,
  type RunPage,
  type RunStatus,
} from "../src/adapters/postgres/run-queries.ts";
import { withTransaction } from "../src/adapters/postgres/transaction.ts";
import { runsProjection, timedOutMessage } from "../src/projections/runs.ts";
import { RunEvents, runStreamIdOf } from "./projector-runs.support.ts";
import { asDecoded, databaseKinds, type TestDatabase } from "./support/postgres.ts";

/** Writes rows straight through the runs projection (the projector is tested on its own). */
async function project(t: TestDatabase, events: DecodedEvent[]): Promise<void> {
  await withTransaction(t.pool, async (client) => {
    for (const event of events) await runsProjection.apply(client, event);
  });
}

const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 4, 4, 10, minute, second));

/** The events of a run created at `start` that ends in `status` (one event a minute). */
function runTo(tenant: string, jobId: string, start: Date, status: RunStatus): RunEvents {
  const run = new RunEvents(tenant, jobId, start);
  if (status === "skipped") {
    return run.add("RunSkipped", {
      jobId,
      jobVersion: 1,
      scheduledFor: start.toISOString(),
      reason: "overlap",
      missedCount: 1,
      missedFrom: null,
      missedTo: null,
    });
  }
  run.queued(1, "manual");
  switch (status) {
    case "queued":
      return run;
    case "cancelled":
      return run.add("RunCancelled", { reason: "not needed" });
    case "running":
      return run.started(1);
    case "retry-scheduled":
      return run.started(1).failed(1).retryScheduled(2);
    case "succeeded":
      return run.started(1).succeeded(1).add("RunSucceeded", { attempts: 1 });
    case "dead-lettered":
      return run
        .started(1)
        .failed(1, 500)
        .add("RunDeadLettered", { attempts: 1, reason: "not-retryable", lastError: "HTTP 500" });
  }
}

interface SeedRun {
  id: string;
  jobId?: string;
  at: Date;
  status?: RunStatus;
}

async function seed(t: TestDatabase, tenant: string, runs: SeedRun[]): Promise<void> {
  const events: DecodedEvent[] = [];
  for (const run of runs) {
    const built = runTo(tenant, run.jobId ?? "job", run.at, run.status ?? "queued");
    events.push(...asDecoded(runStreamIdOf(tenant, run.id), built.events));
  }
  await project(t, events);
}

/** Every page of a list, following the cursors; the ids and the number of pages. */
async function pageAll(fetch: (cursor: string | null) => Promise<RunPage>, limit: number) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await fetch(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((run) => run.runId));
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null);
  return { ids, pages };
}

/** Newest first, ties broken by run id descending. */
const newestFirst = (runs: readonly SeedRun[]) =>
  [...runs].sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1)).map((run) => run.id);

describe.each(databaseKinds)("run queries on %s", (_kind, use) => {
  const t = use();
  const newTenant = () => `t-${randomUUID()}`;

  it("gets a run with its attempts in order (and a stored body's reference), and null when missing or in another tenant", async () => {
    const storedBody = {
      key: "bodies/tenant=x/dt=2026-01-01/r1/3",
      sha256: "b".repeat(64),
      bytes: 103,
      contentType: "text/plain",
      truncated: false,
    };
    const tenant = newTenant();
    const fire = at(-1);
    const run = new RunEvents(tenant, "job-1", at(0));
    run
      .queued(1, "schedule", fire)
      .started(1)
      .failed(1, 503)
      .retryScheduled(2)
      .queued(2, "retry")
      .started(2)
      .timedOut(2)
      .retryScheduled(3)
      .queued(3, "retry")
      .started(3)
      .succeeded(3, 201, storedBody)
      .add("RunSucceeded", { attempts: 3 });
    await project(t, asDecoded(runStreamIdOf(tenant, "r1"), run.events));
    const queries = createRunQueries(t.pool);

    const deadline = (minute: number) => new Date(at(minute).getTime() + 40_000);
    expect(await queries.get(tenant, "r1")).toEqual({
      tenant,
      runId: "r1",
      jobId: "job-1",
      jobVersion: 1,
      status: "succeeded",
      trigger: "schedule",
      scheduledFor: fire,
      dueAt: at(8),
      attempt: 3,
      attemptBase: 0,
      deadline: null,
      nextAttemptAt: null,
      lastStatusCode: 201,
      lastErrorClass: null,
      lastError: null,
      skipReason: null,
      missedCount: null,
      missedFrom: null,
      missedTo: null,
      createdAt: at(0),
      updatedAt: at(11),
      finishedAt: at(11),
      version: 12,
      attempts: [
        {
          attempt: 1,
          startedAt: at(1),
          deadline: deadline(1),
          runner: "runner-1",
          finishedAt: at(2),
          outcome: "failed",
          statusCode: 503,
          errorClass: "http-5xx",
          message: "HTTP 503",
          durationMs: 13,
          responseHeaders: { "content-type": "text/plain", "x-n": "1" },
          bodyExcerpt: "body 1",
          bodyBytes: 101,
          bodyTruncated: false,
          bodyExcerptReplaced: false,
          body: null,
        },
        {
          attempt: 2,
          startedAt: at(5),
          deadline: deadline(5),
          runner: "runner-2",
          finishedAt: at(6),
          outcome: "timed-out",
          statusCode: null,
          errorClass: "timeout",
          message: timedOutMessage(at(6).toISOString()),
          durationMs: null,
          responseHeaders: null,
          bodyExcerpt: null,
          bodyBytes: null,
          bodyTruncated: null,
          bodyExcerptReplaced: null,
          body: null,
        },
        {
          attempt: 3,
          startedAt: at(9),
          deadline: deadline(9),
          runner: "runner-3",
          finishedAt: at(10),
          outcome: "succeeded",
          statusCode: 201,
          errorClass: null,
          message: null,
          durationMs: 15,
          responseHeaders: { "content-type": "text/plain", "x-n": "3" },
          bodyExcerpt: "body 3",
          bodyBytes: 103,
          bodyTruncated: false,
          bodyExcerptReplaced: false,
          body: storedBody,
        },
      ],
    });

    // a skipped run has no attempts; a running one shows the attempt in flight
    await seed(t, tenant, [
      { id: "skipped", at: at(20), status: "skipped" },
      { id: "running", at: at(30), status: "running" },
    ]);
    expect(await queries.get(tenant, "skipped")).toMatchObject({
      status: "skipped",
      attempt: 0,
      skipReason: "overlap",
      missedCount: 1,
      finishedAt: at(20),
      attempts: [],
    });
    expect(await queries.get(tenant, "running")).toMatchObject({
      status: "running",
      deadline: deadline(31),
      attempts: [{ attempt: 1, startedAt: at(31), finishedAt: null, outcome: null }],
    });

    expect(await queries.get(tenant, "missing")).toBeNull();
    expect(await queries.get(newTenant(), "r1")).toBeNull();
  });

  it("lists attempts by number, whatever order their rows were written in", async () => {
    const tenant = newTenant();
    await seed(t, tenant, [{ id: "r", at: at(0), status: "queued" }]);
    for (const attempt of [3, 1, 4, 2]) {
      await t.pool.query(
        `INSERT INTO run_attempts (tenant, run_id, attempt, started_at, deadline, runner)
         VALUES ($1, 'r', $2, $3, $3, 'runner')`,
        [tenant, attempt, at(attempt)],
      );
    }
    const run = await createRunQueries(t.pool).get(tenant, "r");
    expect(run?.attempts.map((a) => [a.attempt, a.startedAt])).toEqual([
      [1, at(1)],
      [2, at(2)],
      [3, at(3)],
      [4, at(4)],
    ]);
  });

  it("pages through every run exactly once, newest first, ties broken by id", async () => {
    const tenant = newTenant();
    const statuses: RunStatus[] = ["queued", "running", "succeeded", "dead-lettered", "skipped", "cancelled"];
    // 23 runs on 5 distinct instants: many share created_at
    const runs: SeedRun[] = Array.from({ length: 23 }, (_, i) => ({
      id: `run-${String((i * 7) % 23).padStart(2, "0")}`,
      jobId: i % 3 === 0 ? "job-a" : "job-b",
      at: at(i % 5),
      status: statuses[i % statuses.length],
    }));
    await seed(t, tenant, runs);
    const queries = createRunQueries(t.pool);

    const { ids, pages } = await pageAll((cursor) => queries.list(tenant, { limit: 4, cursor }), 4);
    expect(ids).toEqual(newestFirst(runs));
    expect(pages).toBe(6);
    // without a cursor: the first page; an exact multiple of the page size ends without an empty page
    expect((await queries.list(tenant, { limit: 4 })).items.map((r) => r.runId)).toEqual(ids.slice(0, 4));
    const all = await queries.list(tenant, { limit: 23 });
    expect(all.items).toHaveLength(23);
    expect(all.nextCursor).toBeNull();

    // every filter pages too
    const ofJobA = await pageAll((cursor) => queries.list(tenant, { jobId: "job-a", limit: 2, cursor }), 2);
    expect(ofJobA.ids).toEqual(newestFirst(runs.filter((r) => r.jobId === "job-a")));
    const queued = await pageAll((cursor) => queries.list(tenant, { status: "queued", limit: 1, cursor }), 1);
    expect(queued.ids).toEqual(newestFirst(runs.filter((r) => r.status === "queued")));
  });

  it("pages correctly when creation times differ by microseconds (finer than a Date)", async () => {
    const tenant = newTenant();
    await seed(
      t,
      tenant,
      Array.from({ length: 6 }, (_, i) => ({ id: `m${i}`, at: at(1) })),
    );
    // m0..m5 get 500, 400, ..., 0 µs: all within one millisecond, in the opposite order of their ids
    await t.pool.query(
      `UPDATE runs SET created_at = created_at + ((5 - substr(run_id, 2)::int) * 100) * interval '1 microsecond'
       WHERE tenant = $1`,
      [tenant],
    );
    const queries = createRunQueries(t.pool);
    const { ids } = await pageAll((cursor) => queries.list(tenant, { limit: 1, cursor }), 1);
    expect(ids).toEqual(["m0", "m1", "m2", "m3", "m4", "m5"]);
  });

  it("filters by job, status and creation time (from inclusive, to exclusive)", async () => {
    const tenant = newTenant();
    const runs: SeedRun[] = [
      { id: "a1", jobId: "a", at: at(1), status: "succeeded" },
      { id: "a2", jobId: "a", at: at(2), status: "dead-lettered" },
      { id: "a3", jobId: "a", at: at(3), status: "succeeded" },
      { id: "a4", jobId: "a", at: at(4), status: "retry-scheduled" },
      { id: "b2", jobId: "b", at: at(2), status: "succeeded" },
      { id: "b3", jobId: "b", at: at(3), status: "running" },
      { id: "b5", jobId: "b", at: at(5), status: "cancelled" },
    ];
    await seed(t, tenant, runs);
    const queries = createRunQueries(t.pool);
    const ids = async (options: Parameters<typeof queries.list>[1]) =>
      (await queries.list(tenant, options)).items.map((run) => run.runId);

    expect(await ids({})).toEqual(["b5", "a4", "b3", "a3", "b2", "a2", "a1"]);
    expect(await ids({ jobId: "a" })).toEqual(["a4", "a3", "a2", "a1"]);
    expect(await ids({ jobId: "none" })).toEqual([]);
    expect(await ids({ status: "succeeded" })).toEqual(["a3", "b2", "a1"]);
    expect(await ids({ status: "running" })).toEqual(["b3"]);
    expect(await ids({ from: at(3) })).toEqual(["b5", "a4", "b3", "a3"]);
    expect(await ids({ to: at(3) })).toEqual(["b2", "a2", "a1"]);
    expect(await ids({ from: at(2), to: at(4) })).toEqual(["b3", "a3", "b2", "a2"]);
    expect(await ids({ jobId: "a", status: "succeeded", from: at(2), to: at(5) })).toEqual(["a3"]);
    expect(await ids({ from: at(4), to: at(4) })).toEqual([]);
    // the view of a listed run is the whole row
    const [deadLetter] = (await queries.list(tenant, { status: "dead-lettered" })).items;
    expect(deadLetter).toMatchObject({
      runId: "a2",
      jobId: "a",
      trigger: "manual",
      attempt: 1,
      lastStatusCode: 500,
      lastErrorClass: "http-5xx",
      lastError: "HTTP 500",
      createdAt: at(2),
      finishedAt: at(5),
      version: 4,
    });
  });

  it("never returns another tenant's runs, even with the same ids", async () => {
    const a = newTenant();
    const b = newTenant();
    await seed(t, a, [
      { id: "same", jobId: "job-of-a", at: at(1), status: "dead-lettered" },
      { id: "x", jobId: "job-of-a", at: at(2) },
    ]);
    await seed(t, b, [{ id: "same", jobId: "job-of-b", at: at(1), status: "dead-lettered" }]);
    const queries = createRunQueries(t.pool);
    expect((await queries.list(a)).items.map((run) => [run.tenant, run.runId])).toEqual([
      [a, "x"],
      [a, "same"],
    ]);
    expect((await queries.list(b, { jobId: "job-of-a" })).items).toEqual([]);
    expect((await queries.deadLetters(b)).items.map((run) => [run.tenant, run.jobId])).toEqual([
      [b, "job-of-b"],
    ]);
    expect((await queries.get(b, "same"))?.jobId).toBe("job-of-b");
    // a cursor of one tenant's list only positions the other tenant's list
    const cursor = (await queries.list(a, { limit: 1 })).nextCursor;
    expect(cursor).not.toBeNull();
    const other = await queries.list(b, { cursor });
    expect(other.items.map((run) => [run.tenant, run.jobId])).toEqual([[b, "job-of-b"]]);
  });

  it("rejects a malformed cursor, a limit out of range and an invalid date", async () => {
    const queries = createRunQueries(t.pool);
    const tenant = newTenant();
    for (const cursor of [
      "not a cursor!",
      Buffer.from("plain text").toString("base64url"),
      Buffer.from(JSON.stringify({ c: "yesterday", i: "a" })).toString("base64url"),
      Buffer.from(JSON.stringify({ c: "2026-13-01T00:00:00Z", i: "a" })).toString("base64url"),
      Buffer.from(JSON.stringify({ c: "2026-01-01T00:00:00Z" })).toString("base64url"),
      Buffer.from(JSON.stringify({ c: "2026-01-01T00:00:00Z", i: "" })).toString("base64url"),
    ]) {
      await expect(queries.list(tenant, { cursor })).rejects.toBeInstanceOf(InvalidCursor);
      await expect(queries.deadLetters(tenant, { cursor })).rejects.toBeInstanceOf(InvalidCursor);
    }
    await expect(queries.list(tenant, { cursor: "%%%" })).rejects.toThrow(
      /invalid cursor: not base64url; pass the nextCursor of a previous page unchanged/,
    );
    await expect(queries.list(tenant, { limit: 0 })).rejects.toThrow(
      /limit must be an integer from 1 to 200, got 0/,
    );
    await expect(queries.list(tenant, { limit: 201 })).rejects.toBeInstanceOf(RangeError);
    await expect(queries.list(tenant, { limit: 2.5 })).rejects.toBeInstanceOf(RangeError);
    await expect(queries.deadLetters(tenant, { limit: 201 })).rejects.toBeInstanceOf(RangeError);
    await expect(queries.list(tenant, { from: new Date("not a date") })).rejects.toThrow(
      /from must be a valid Date/,
    );
    await expect(queries.list(tenant, { to: new Date(Number.NaN) })).rejects.toThrow(
      /to must be a valid Date/,
    );
    // an empty cursor is no cursor
    expect(await queries.list(tenant, { cursor: "" })).toEqual({ items: [], nextCursor: null });
  });

  it("returns 50 runs by default and at most 200", async () => {
    const tenant = newTenant();
    const runs = Array.from({ length: 203 }, (_, i) => ({
      id: `r${String(i).padStart(3, "0")}`,
      at: at(i % 10),
    }));
    await seed(t, tenant, runs);
    const queries = createRunQueries(t.pool);
    const first = await queries.list(tenant);
    expect(first.items).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();
    const most = await queries.list(tenant, { limit: 200 });
    expect(most.items.map((run) => run.runId)).toEqual(newestFirst(runs).slice(0, 200));
    const rest = await queries.list(tenant, { limit: 200, cursor: most.nextCursor });
    expect(rest.items.map((run) => run.runId)).toEqual(newestFirst(runs).slice(200));
    expect(rest.nextCursor).toBeNull();
  });

  it("lists dead letters, most recently dead-lettered first, by job, through pages", async () => {
    const tenant = newTenant();
    // dead-lettered 3 minutes after creation (queued, started, failed, dead-lettered: one a minute)
    await seed(t, tenant, [
      { id: "d-old", jobId: "a", at: at(0), status: "dead-lettered" },
      { id: "d-new", jobId: "a", at: at(20), status: "dead-lettered" },
      { id: "d-b", jobId: "b", at: at(10), status: "dead-lettered" },
      { id: "d-tie-1", jobId: "b", at: at(10), status: "dead-lettered" },
      { id: "ok", jobId: "a", at: at(30), status: "succeeded" },
      { id: "retrying", jobId: "a", at: at(30), status: "retry-scheduled" },
      { id: "redriven", jobId: "a", at: at(40), status: "dead-lettered" },
    ]);
    // queued first but started (and dead-lettered) last: the order is by when it was dead-lettered
    const queuedEarly = runTo(tenant, "b", at(-30), "queued").events;
    const failedLate = new RunEvents(tenant, "b", at(50))
      .started(1)
      .failed(1, 502)
      .add("RunDeadLettered", { attempts: 1, reason: "exhausted", lastError: "HTTP 502" }).events;
    await project(t, asDecoded(runStreamIdOf(tenant, "d-late"), [...queuedEarly, ...failedLate]));
    // a redriven run leaves the dead letters
    const redrive = runTo(tenant, "a", at(40), "dead-lettered");
    const before = redrive.events.length;
    redrive.add("RunRedriven", { reason: "fixed" }).queued(2, "redrive");
    await project(t, asDecoded(runStreamIdOf(tenant, "redriven"), redrive.events.slice(before), before + 1));

    const queries = createRunQueries(t.pool);
    const expected = ["d-late", "d-new", "d-tie-1", "d-b", "d-old"];
    const { ids, pages } = await pageAll((cursor) => queries.deadLetters(tenant, { limit: 2, cursor }), 2);
    expect(ids).toEqual(expected);
    expect(pages).toBe(3);
    expect((await queries.deadLetters(tenant, { jobId: "b" })).items.map((run) => run.runId)).toEqual([
      "d-late",
      "d-tie-1",
      "d-b",
    ]);
    const [latest] = (await queries.deadLetters(tenant, { limit: 1 })).items;
    expect(latest).toMatchObject({
      runId: "d-late",
      status: "dead-lettered",
      lastError: "HTTP 502",
      lastStatusCode: 502,
      createdAt: at(-30),
      updatedAt: at(52),
      finishedAt: at(52),
    });
    expect((await queries.get(tenant, "redriven"))?.status).toBe("queued");
  });
});
