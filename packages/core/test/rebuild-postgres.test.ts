/**
 * Rebuilding the Postgres read model into a shadow schema: after a mixed workload (jobs
 * created, changed, paused, deleted; runs queued, started, succeeded, failed, cancelled) the
 * rebuilt copy equals the live one; an interrupted rebuild resumes from its checkpoint;
 * a dry run leaves the live copy alone; the switch renames the schemas.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { type Database, openDatabase } from "../src/adapters/postgres/database.ts";
import { migrate } from "../src/adapters/postgres/migrate.ts";
import { createPostgresProjector } from "../src/adapters/postgres/projector.ts";
import { postgresReadModelRows } from "../src/adapters/postgres/rebuild-read-model-rows.ts";
import { createPostgresRebuildTarget } from "../src/adapters/postgres/rebuild-target.ts";
import { verifyTenant } from "../src/application/audit/verify.ts";
import { createJobCommands } from "../src/application/job-commands.ts";
import { rebuild } from "../src/application/rebuild/rebuild.ts";
import { createRunCommands } from "../src/application/run-commands.ts";
import { ManualClock } from "../src/ports/clock.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { runsProjection } from "../src/projections/runs.ts";
import { schedulesProjection } from "../src/projections/schedules.ts";
import { ok, REQUEST, RETRY } from "./run-support.ts";
import { dropSchema, TEST_DATABASE_URL, uniqueSchemaName } from "./support/postgres.ts";
import { type TestDynamo, withDynalite } from "./support/standins.ts";

const TENANTS = ["rb_a", "rb_b"];
const clock = new ManualClock(new Date("2026-11-23T12:00:00.000Z"));
let dynamo: TestDynamo;
let store: DynamoEventStore;
let live: Database;
let schema: string;

const ctx = (tenant: string) => ({ tenant, actor: "user:rebuild", correlationId: randomUUID() });

async function projectAll(tenant: string) {
  const projector = createPostgresProjector({
    pool: live.pool,
    eventStore: store,
    projections: [jobsProjection, runsProjection, schedulesProjection],
  });
  let cursor: string | null = null;
  do {
    const page = await store.readTenant(tenant, { cursor, limit: 7 });
    await projector.handle(page.events);
    cursor = page.cursor;
  } while (cursor);
}

async function workload(tenant: string, jobs: number) {
  const jc = createJobCommands({ eventStore: store, clock });
  const rc = createRunCommands({ eventStore: store, clock, random: () => 0.5 });
  for (let i = 0; i < jobs; i++) {
    clock.advance(1000);
    const { job } = await jc.create(ctx(tenant), {
      name: `job ${i}`,
      request: { method: "POST", url: "https://example.com/hook", body: "{}", timeoutMs: 5000 },
      schedule: { type: "rate", everySeconds: 60 },
      tags: [`t${i % 3}`],
    } as never); // the input type is the API's (zod) input; this literal is a valid one
    if (i % 2 === 0) await jc.update(ctx(tenant), job.id, { name: `job ${i} renamed` } as never);
    if (i % 4 === 1) {
      // consecutive pause/resume toggles: the rebuild folds them (only the last is written)
      for (let k = 0; k < 2; k++) {
        clock.advance(1000);
        await jc.pause(ctx(tenant), job.id, { reason: `toggle ${k}` });
        clock.advance(1000);
        await jc.resume(ctx(tenant), job.id);
      }
    }
    if (i % 3 === 0) await jc.pause(ctx(tenant), job.id, { reason: "why not" });
    if (i % 5 === 4) await jc.delete(ctx(tenant), job.id);
    const runId = randomUUID();
    await rc.queue(ctx(tenant), {
      runId,
      jobId: job.id,
      jobVersion: 1,
      trigger: "manual",
      scheduledFor: null,
      dueAt: clock.now(),
      request: REQUEST,
      retry: RETRY,
    });
    if (i % 4 === 1) {
      await rc.cancel(ctx(tenant), runId, { reason: "no" });
      continue;
    }
    await rc.startAttempt(ctx(tenant), runId, { runner: "test" });
    await rc.recordOutcome(ctx(tenant), runId, {
      attempt: 1,
      outcome:
        i % 4 === 2
          ? {
              ...ok(503),
              kind: "failed",
              errorClass: "http-5xx" as const,
              message: "down",
              retryAfterMs: null,
            }
          : ok(),
    });
  }
}

beforeAll(async () => {
  dynamo = await withDynalite();
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: await dynamo.newEventsTable("rebuild"), clock });
  schema = uniqueSchemaName("rb");
  live = await openDatabase({ url: TEST_DATABASE_URL, schema });
  await migrate(live.pool);
  for (const tenant of TENANTS) {
    await workload(tenant, 12);
    await projectAll(tenant);
  }
}, 120_000);

afterAll(async () => {
  await live?.close();
  for (const s of [schema, `${schema}_rebuild`, `${schema}_old`]) await dropSchema(s);
  await dynamo?.close();
});

const target = () =>
  createPostgresRebuildTarget({ url: TEST_DATABASE_URL, liveSchema: schema, eventStore: store });

describe("postgres rebuild", () => {
  it("the live model is a true fold of the workload (verify finds nothing)", async () => {
    for (const tenant of TENANTS) {
      const report = await verifyTenant(store, postgresReadModelRows(live.pool), tenant);
      expect(report.differences).toEqual([]);
      expect(report.events).toBeGreaterThan(50);
    }
  });

  it("a dry run rebuilds a copy equal to the live one and leaves the live one in place", async () => {
    const t = target();
    try {
      const result = await rebuild(store, t, { tenants: TENANTS, dryRun: true, pageSize: 5 });
      expect(result.status).toBe("dry-run");
      expect(result.events).toBeGreaterThan(100);
      expect(result.comparison?.parts.map((p) => p.name)).toEqual([
        "jobs",
        "runs",
        "run_attempts",
        "schedules",
        "projection_positions",
      ]);
      for (const part of result.comparison?.parts ?? []) {
        expect({ part: part.name, live: part.onlyInLive, rebuilt: part.onlyInRebuilt }).toEqual({
          part: part.name,
          live: 0,
          rebuilt: 0,
        });
      }
    } finally {
      await t.close();
    }
    const { rows } = await live.pool.query(
      "SELECT schema_name FROM information_schema.schemata WHERE schema_name = $1",
      [`${schema}_rebuild`],
    );
    expect(rows).toEqual([]);
  });

  it("an interrupted rebuild resumes from its checkpoint, then switches; the differences show a damaged live row", async () => {
    // damage the live copy: the rebuild must report (and repair) it
    await live.pool.query("UPDATE jobs SET name = 'tampered' WHERE tenant = $1 AND name = 'job 1'", ["rb_a"]);
    const abort = new AbortController();
    const first = target();
    let seen = 0;
    try {
      const result = await rebuild(store, first, {
        tenants: TENANTS,
        pageSize: 5,
        signal: abort.signal,
        onProgress: (p) => {
          seen = p.events;
          if (p.events >= 40) abort.abort();
        },
      });
      expect(result.status).toBe("interrupted");
    } finally {
      await first.close();
    }
    expect(seen).toBeGreaterThanOrEqual(40);

    const second = target();
    try {
      const result = await rebuild(store, second, { tenants: TENANTS, pageSize: 5 });
      expect(result.status).toBe("switched");
      expect(result.resumedFrom).toBe(seen);
      const jobs = result.comparison?.parts.find((p) => p.name === "jobs");
      expect(jobs).toMatchObject({ onlyInLive: 1, onlyInRebuilt: 1 });
      expect(jobs?.samples[0]).toMatch(/^rb_a\//);
    } finally {
      await second.close();
    }
    // the live pool reads the rebuilt tables now (same schema name), repaired
    const { rows } = await live.pool.query("SELECT count(*)::int AS n FROM jobs WHERE name = 'tampered'");
    expect(rows[0]).toEqual({ n: 0 });
    for (const tenant of TENANTS) {
      const report = await verifyTenant(store, postgresReadModelRows(live.pool), tenant);
      expect(report.differences).toEqual([]);
    }
  });
});
