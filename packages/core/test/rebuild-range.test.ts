/**
 * Rebuilding the Postgres read model over a time range (dynalite event store, the machine's
 * PostgreSQL). A workload in two parts: part 1 (jobs A, B, C; scheduled and manual runs), then,
 * after the instant `asOf` (the events' clock) and the wall-clock instant `from` (commit time),
 * part 2 (B paused, C's schedule changed, a new job D, new runs of A and C).
 *
 * - `to` (as of): the copy is the read model as it was at `asOf`; it may not be switched live;
 *   the comparison lists what changed since; `keep` leaves it; another range cannot resume it.
 * - `from` (repair): over a live copy that missed part 2 and has two damaged rows, only the
 *   streams of part 2 are folded again; the damaged row of an untouched stream stays (it was
 *   carried over), the one of a touched stream is repaired, and everything else equals a full
 *   rebuild. An interrupted repair resumes.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { type Database, openDatabase } from "../src/adapters/postgres/database.ts";
import { migrate } from "../src/adapters/postgres/migrate.ts";
import { createPostgresProjector } from "../src/adapters/postgres/projector.ts";
import { createPostgresRebuildTarget } from "../src/adapters/postgres/rebuild-target.ts";
import { createJobCommands } from "../src/application/job-commands.ts";
import {
  InvalidRebuildRange,
  RebuildCopyMismatch,
  RebuildNotSupported,
  rebuild,
} from "../src/application/rebuild/rebuild.ts";
import { createRunCommands } from "../src/application/run-commands.ts";
import { ManualClock } from "../src/ports/clock.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { runsProjection } from "../src/projections/runs.ts";
import { schedulesProjection } from "../src/projections/schedules.ts";
import { ok, REQUEST, RETRY } from "./run-support.ts";
import { dropSchema, TEST_DATABASE_URL, uniqueSchemaName } from "./support/postgres.ts";
import { type TestDynamo, withDynalite } from "./support/standins.ts";

const TENANT = "rr_a";
// events occur on this clock, commits are timed by the wall clock (`from`): starting it a little
// ahead of the wall clock keeps `from` (a commit time) before `to` (an event time) in the test
// that uses both
const clock = new ManualClock(new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 10 * 60_000));
let dynamo: TestDynamo;
let store: DynamoEventStore;
/** projected after both parts */
let current: Database;
/** projected after part 1 only (the projector "missed" part 2), then damaged */
let stale: Database;
let currentSchema: string;
let staleSchema: string;
const jobs: Record<"A" | "B" | "C" | "D", string> = { A: "", B: "", C: "", D: "" };
let asOf: Date;
let from: Date;

const ctx = () => ({ tenant: TENANT, actor: "user:range", correlationId: randomUUID() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function project(db: Database) {
  const projector = createPostgresProjector({
    pool: db.pool,
    eventStore: store,
    projections: [jobsProjection, runsProjection, schedulesProjection],
  });
  let cursor: string | null = null;
  do {
    const page = await store.readTenant(TENANT, { cursor, limit: 7 });
    await projector.handle(page.events);
    cursor = page.cursor;
  } while (cursor);
}

async function workload() {
  const jc = createJobCommands({ eventStore: store, clock });
  const rc = createRunCommands({ eventStore: store, clock, random: () => 0.5 });
  const create = async (name: string) => {
    clock.advance(1000);
    const { job } = await jc.create(ctx(), {
      name,
      request: { method: "POST", url: "https://example.com/hook", body: "{}", timeoutMs: 5000 },
      schedule: { type: "rate", everySeconds: 60 },
    } as never); // the input type is the API's (zod) input; this literal is a valid one
    return job.id;
  };
  const runOf = async (jobId: string, trigger: "manual" | "schedule", outcome: "ok" | "fail" | "cancel") => {
    clock.advance(1000);
    const runId = randomUUID();
    const scheduledFor =
      trigger === "schedule" ? new Date(Math.ceil(clock.now().getTime() / 60_000) * 60_000) : null;
    await rc.queue(ctx(), {
      runId,
      jobId,
      jobVersion: 1,
      trigger,
      scheduledFor,
      dueAt: scheduledFor ?? clock.now(),
      request: REQUEST,
      retry: RETRY,
    });
    if (outcome === "cancel") {
      await rc.cancel(ctx(), runId, { reason: "no" });
      return runId;
    }
    await rc.startAttempt(ctx(), runId, { runner: "test" });
    await rc.recordOutcome(ctx(), runId, {
      attempt: 1,
      outcome:
        outcome === "fail"
          ? {
              ...ok(503),
              kind: "failed",
              errorClass: "http-5xx" as const,
              message: "down",
              retryAfterMs: null,
            }
          : ok(),
    });
    return runId;
  };

  // part 1
  jobs.A = await create("job A");
  jobs.B = await create("job B");
  jobs.C = await create("job C");
  await jc.update(ctx(), jobs.C, { name: "job C renamed" } as never);
  await runOf(jobs.A, "schedule", "ok");
  await runOf(jobs.B, "manual", "fail");
  await runOf(jobs.C, "schedule", "cancel");
  clock.advance(1000);
  asOf = clock.now();
  await sleep(25);
  from = new Date();
  await sleep(25);

  // part 2
  clock.advance(60_000);
  await jc.pause(ctx(), jobs.B, { reason: "incident" });
  clock.advance(1000);
  await jc.update(ctx(), jobs.C, { schedule: { type: "rate", everySeconds: 300 } } as never);
  jobs.D = await create("job D");
  await runOf(jobs.A, "schedule", "fail");
  await runOf(jobs.C, "schedule", "ok");
  await runOf(jobs.D, "manual", "ok");
}

beforeAll(async () => {
  dynamo = await withDynalite();
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: await dynamo.newEventsTable("range"), clock });
  currentSchema = uniqueSchemaName("rr");
  staleSchema = uniqueSchemaName("rr");
  current = await openDatabase({ url: TEST_DATABASE_URL, schema: currentSchema });
  stale = await openDatabase({ url: TEST_DATABASE_URL, schema: staleSchema });
  await migrate(current.pool);
  await migrate(stale.pool);
  await workload();
  // `stale` sees only part 1 (the commits before `from`)
  const projector = createPostgresProjector({
    pool: stale.pool,
    eventStore: store,
    projections: [jobsProjection, runsProjection, schedulesProjection],
  });
  let cursor: string | null = null;
  do {
    const page = await store.readTenant(TENANT, { cursor, limit: 7 });
    await projector.handle(page.events.filter((e) => e.occurredAt.getTime() <= asOf.getTime()));
    cursor = page.cursor;
  } while (cursor);
  await project(current);
}, 120_000);

afterAll(async () => {
  await current?.close();
  await stale?.close();
  for (const s of [currentSchema, staleSchema]) {
    for (const suffix of ["", "_rebuild", "_old"]) await dropSchema(`${s}${suffix}`);
  }
  await dynamo?.close();
});

const target = (schema: string) =>
  createPostgresRebuildTarget({ url: TEST_DATABASE_URL, liveSchema: schema, eventStore: store });

async function schemaExists(name: string): Promise<boolean> {
  const { rowCount } = await current.pool.query(
    "SELECT 1 FROM information_schema.schemata WHERE schema_name = $1",
    [name],
  );
  return rowCount === 1;
}

async function rows(schema: string, sql: string, params: unknown[] = []) {
  return (await current.pool.query(sql.replaceAll("$schema", `"${schema}"`), params)).rows;
}

describe("rebuild as of a time (to)", () => {
  it("refuses to switch an as-of copy live, and writes nothing", async () => {
    const t = target(currentSchema);
    try {
      await expect(rebuild(store, t, { tenants: [TENANT], range: { to: asOf } })).rejects.toThrow(
        new InvalidRebuildRange(
          `a read model as of ${asOf.toISOString()} cannot be switched live; add --dry-run to see what differs`,
        ),
      );
      await expect(
        rebuild(store, t, { tenants: [TENANT], dryRun: true, range: { from: asOf, to: asOf } }),
      ).rejects.toBeInstanceOf(InvalidRebuildRange);
    } finally {
      await t.close();
    }
    expect(await schemaExists(`${currentSchema}_rebuild`)).toBe(false);
  });

  it("builds the read model as it was, lists what changed since, keeps the copy, and resumes only the same range", async () => {
    const t = target(currentSchema);
    const progress: number[] = [];
    try {
      const result = await rebuild(store, t, {
        tenants: [TENANT],
        dryRun: true,
        keep: true,
        pageSize: 2,
        range: { to: asOf },
        onProgress: (p) => progress.push(p.events),
      });
      expect(result).toMatchObject({ status: "dry-run", kept: `schema "${currentSchema}_rebuild"` });
      expect(result.range).toEqual({ from: null, to: asOf.toISOString() });
      expect(progress.length).toBeGreaterThan(3);
      const part = (name: string) => result.comparison?.parts.find((p) => p.name === name);
      // B paused and C changed since, D created since: three rows differ / exist only now
      expect(part("jobs")).toMatchObject({ onlyInLive: 3, onlyInRebuilt: 2 });
      expect(part("jobs")?.samples).toEqual(
        expect.arrayContaining([`${TENANT}/${jobs.B}`, `${TENANT}/${jobs.C}`, `${TENANT}/${jobs.D}`]),
      );
      expect(part("runs")).toMatchObject({ onlyInLive: 3, onlyInRebuilt: 0 });
    } finally {
      await t.close();
    }
    const shadow = `${currentSchema}_rebuild`;
    const status = async (schema: string) =>
      Object.fromEntries(
        (await rows(schema, "SELECT job_id, status, name FROM $schema.jobs")).map((r) => [
          r.job_id,
          `${r.status} ${r.name}`,
        ]),
      );
    expect(await status(shadow)).toEqual({
      [jobs.A]: "active job A",
      [jobs.B]: "active job B",
      [jobs.C]: "active job C renamed",
    });
    expect((await status(currentSchema))[jobs.B]).toBe("paused job B");
    const [schedule] = await rows(shadow, "SELECT schedule FROM $schema.schedules WHERE job_id = $1", [
      jobs.C,
    ]);
    expect(schedule?.schedule).toMatchObject({ everySeconds: 60 });

    // another range does not resume the kept copy, and leaves it as it is
    const other = target(currentSchema);
    try {
      await expect(
        rebuild(store, other, {
          tenants: [TENANT],
          dryRun: true,
          range: { to: new Date(asOf.getTime() + 1) },
        }),
      ).rejects.toBeInstanceOf(RebuildCopyMismatch);
      await expect(rebuild(store, other, { tenants: [TENANT] })).rejects.toThrow(
        /holds an unfinished copy started with --to .*, not no range/,
      );
    } finally {
      await other.close();
    }
    expect(Object.keys(await status(shadow))).toHaveLength(3);

    // the same range resumes it (nothing left but the catch-up pass), compares and drops it
    const again = target(currentSchema);
    try {
      const result = await rebuild(store, again, { tenants: [TENANT], dryRun: true, range: { to: asOf } });
      expect(result.resumedFrom).toBeGreaterThan(0);
      expect(result.comparison?.parts.find((p) => p.name === "jobs")).toMatchObject({ onlyInLive: 3 });
    } finally {
      await again.close();
    }
    expect(await schemaExists(shadow)).toBe(false);
  });
});

describe("repair from a time (from)", () => {
  it("folds again only the streams committed to since, carrying the rest over; equals a full rebuild but for an untouched damaged row", async () => {
    // damage: a row of a stream untouched since `from` (job A) and rows of touched ones (jobs C and B)
    await stale.pool.query("UPDATE jobs SET name = 'damaged' WHERE job_id = ANY($1)", [[jobs.A, jobs.C]]);
    await stale.pool.query("UPDATE schedules SET overlap = 'allow' WHERE job_id = $1", [jobs.B]);

    // interrupted after its first page, then resumed
    const abort = new AbortController();
    const first = target(staleSchema);
    try {
      const result = await rebuild(store, first, {
        tenants: [TENANT],
        pageSize: 1,
        range: { from },
        signal: abort.signal,
        onProgress: () => abort.abort(),
      });
      expect(result.status).toBe("interrupted");
      expect(result.repairedStreams).toBeGreaterThan(0);
    } finally {
      await first.close();
    }
    const second = target(staleSchema);
    let repaired = 0;
    try {
      // a resumed repair keeps its range
      await expect(
        rebuild(store, second, { tenants: [TENANT], range: { from: asOf } }),
      ).rejects.toBeInstanceOf(RebuildCopyMismatch);
      const result = await rebuild(store, second, { tenants: [TENANT], pageSize: 1, range: { from } });
      expect(result.status).toBe("switched");
      expect(result.resumedFrom).toBeGreaterThan(0);
      repaired = result.repairedStreams;
      const jobsPart = result.comparison?.parts.find((p) => p.name === "jobs");
      // B paused, C repaired and updated, D new
      expect(jobsPart).toMatchObject({ onlyInLive: 2, onlyInRebuilt: 3 });
    } finally {
      await second.close();
    }
    // part 2 touched B, C, D and three new runs; the first run folded some of them already
    const { rows: positions } = await stale.pool.query<{ n: number }>(
      "SELECT count(DISTINCT stream_id)::int AS n FROM projection_positions",
    );
    expect(positions[0]?.n).toBe(3 + 1 + 6);
    expect(repaired).toBeLessThan(6);

    const names = Object.fromEntries(
      (await stale.pool.query("SELECT job_id, name, status FROM jobs")).rows.map((r) => [
        r.job_id,
        `${r.status} ${r.name}`,
      ]),
    );
    expect(names).toEqual({
      [jobs.A]: "active damaged", // untouched since `from`: carried over as it was
      [jobs.B]: "paused job B",
      [jobs.C]: "active job C renamed", // touched: folded again from its first event
      [jobs.D]: "active job D",
    });
    const { rows: overlap } = await stale.pool.query("SELECT overlap FROM schedules WHERE job_id = $1", [
      jobs.B,
    ]);
    expect(overlap[0]?.overlap).not.toBe("allow");

    // a full rebuild finds only the untouched damaged row different
    const full = target(staleSchema);
    try {
      const result = await rebuild(store, full, { tenants: [TENANT], dryRun: true });
      for (const part of result.comparison?.parts ?? []) {
        const expected = part.name === "jobs" ? { live: 1, rebuilt: 1 } : { live: 0, rebuilt: 0 };
        expect({ part: part.name, live: part.onlyInLive, rebuilt: part.onlyInRebuilt }).toEqual({
          part: part.name,
          ...expected,
        });
      }
      expect(result.comparison?.parts.find((p) => p.name === "jobs")?.samples).toEqual([
        `${TENANT}/${jobs.A}`,
      ]);
    } finally {
      await full.close();
    }
  });

  it("as of a time over a repair: only the streams touched since `from` are folded, up to `to`", async () => {
    // `current` is up to date; from `from` to just after part 2's first event (B paused)
    const t = target(currentSchema);
    try {
      const result = await rebuild(store, t, {
        tenants: [TENANT],
        dryRun: true,
        range: { from, to: new Date(asOf.getTime() + 60_000) },
      });
      const part = (name: string) => result.comparison?.parts.find((p) => p.name === name);
      // as of then: B paused already; C's schedule change, D and the new runs not yet
      expect(part("jobs")).toMatchObject({ onlyInLive: 2, onlyInRebuilt: 1 });
      expect(part("jobs")?.samples.sort()).toEqual([`${TENANT}/${jobs.C}`, `${TENANT}/${jobs.D}`].sort());
      expect(part("runs")).toMatchObject({ onlyInLive: 3, onlyInRebuilt: 0 });
    } finally {
      await t.close();
    }
  });

  it("a target that cannot repair says so before writing", async () => {
    const t = target(currentSchema);
    const { resetStreams: _, ...withoutRepair } = t;
    await expect(
      rebuild(store, { ...withoutRepair, name: "other" }, { tenants: [TENANT], range: { from } }),
    ).rejects.toBeInstanceOf(RebuildNotSupported);
    expect(await schemaExists(`${currentSchema}_rebuild`)).toBe(false);
  });
});
