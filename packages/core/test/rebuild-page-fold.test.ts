/**
 * The rebuild's page fold (page-projector.ts + page-fold.ts) against the live projector, on
 * the machine's PostgreSQL: for random mixed workloads — jobs created, updated (every kind of
 * field), paused, resumed, deleted; runs scheduled, caught up, skipped, manual, retried,
 * timed out, dead-lettered, redriven, cancelled, with and without a stored body's reference,
 * some before their job exists; streams
 * committed interleaved — folding the tenant's pages in memory and writing each table once per
 * page gives exactly the rows (every column of jobs, schedules, runs, run_attempts and the
 * positions) the live projector writes event by event. A rebuild interrupted and resumed
 * (re-reading pages it already applied, with other page sizes) ends with the same rows.
 */
import { randomUUID } from "node:crypto";
import {
  type DecodedEvent,
  type EventDataMap,
  type JobDefinition,
  type NewEvent,
  type ScheduleSpec,
  streamIdOf,
} from "@jobledger/events";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { createPageProjector } from "../src/adapters/postgres/page-projector.ts";
import { createPostgresProjector } from "../src/adapters/postgres/projector.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { runsProjection } from "../src/projections/runs.ts";
import { schedulesProjection } from "../src/projections/schedules.ts";
import { RunEvents, type RunSpec, runHistory } from "./projector-runs.support.ts";
import { jobDefinition } from "./support/events.ts";
import { newEvent, type TestDatabase, withPostgres } from "./support/postgres.ts";
import { type TestDynamo, withDynalite } from "./support/standins.ts";

let dynamo: TestDynamo;
let store: DynamoEventStore;

beforeAll(async () => {
  dynamo = await withDynalite();
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: await dynamo.newEventsTable("pagefold") });
});

afterAll(() => dynamo?.close());

const PROJECTIONS = [jobsProjection, runsProjection, schedulesProjection];
const addMs = (d: Date, ms: number) => new Date(d.getTime() + ms);

const SCHEDULES: ScheduleSpec[] = [
  { type: "rate", everySeconds: 600, startAt: null, endAt: null, jitterSeconds: 0 },
  {
    type: "cron",
    expression: "*/10 * * * *",
    timezone: "UTC",
    dst: { nonexistent: "run-after", repeated: "first" },
    startAt: null,
    endAt: null,
    jitterSeconds: 30,
  },
  {
    type: "cron",
    expression: "5,35 * * * *",
    timezone: "America/New_York",
    dst: { nonexistent: "run-after", repeated: "first" },
    startAt: null,
    endAt: null,
    jitterSeconds: 5,
  },
  { type: "once", at: "2026-05-04T12:00:00.000Z", startAt: null, endAt: null, jitterSeconds: 0 },
];

/** A change of a job's definition, as the API's update would make it. */
const change = fc.oneof(
  fc.record({ name: fc.constantFrom("renamed", "again", "Ünïcödé ✓") }),
  fc.record({ description: fc.constantFrom(null, "what it does") }),
  fc.record({ tags: fc.constantFrom([], ["a"], ["a", "b c"]) }),
  fc.record({ schedule: fc.constantFrom(...SCHEDULES) }),
  fc.record({ overlap: fc.constantFrom("skip" as const, "queue" as const, "allow" as const) }),
  fc.record({ concurrency: fc.constantFrom(null, 1, 3) }),
  fc.record({ catchUp: fc.constant({ windowSeconds: 600, maxRuns: 2 }) }),
  fc.record({
    retry: fc.constant({ maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 100, multiplier: 1.5, retryOn: [] }),
  }),
  fc.record({
    name: fc.constant("both"),
    request: fc.constant({
      method: "GET" as const,
      url: "https://x.example/a?b=1",
      headers: {},
      body: null,
      timeoutMs: 1,
    }),
  }),
) as fc.Arbitrary<Partial<JobDefinition>>;

const jobStep = fc.oneof(
  change.map((changes) => ({ kind: "update" as const, changes })),
  fc.constantFrom({ kind: "pause" as const }, { kind: "resume" as const }, { kind: "toggle" as const }),
);

const runSpec: fc.Arbitrary<RunSpec> = fc.record({
  skipped: fc.boolean(),
  failures: fc.array(fc.boolean(), { maxLength: 2 }),
  end: fc.constantFrom("succeed", "dead-letter", "cancel-running", "cancel-queued"),
  redrive: fc.boolean(),
});

const runKind = fc.constantFrom("scheduled", "scheduled", "catch-up", "manual");

const jobSpec = fc.record({
  schedule: fc.nat({ max: SCHEDULES.length - 1 }),
  steps: fc.array(jobStep, { maxLength: 6 }),
  deleted: fc.boolean(),
  runs: fc.array(fc.record({ kind: runKind, spec: runSpec, fire: fc.nat({ max: 30 }) }), { maxLength: 4 }),
});

const workload = fc.record({
  jobs: fc.array(jobSpec, { minLength: 1, maxLength: 4 }),
  /** a run whose job never exists (its fire raises nothing) */
  orphan: fc.option(runSpec, { nil: null }),
});

type Workload = typeof workload extends fc.Arbitrary<infer W> ? W : never;

/** The streams of a workload for one tenant: each a list of commits (events appended together). */
function streamsOf(tenant: string, w: Workload): Map<string, NewEvent[][]> {
  const streams = new Map<string, NewEvent[][]>();
  const start = new Date("2026-05-04T10:03:00.000Z");
  w.jobs.forEach((job, j) => {
    const jobId = `job-${j}`;
    let at = addMs(start, j * 60_000);
    const later = () => {
      at = addMs(at, 7 * 60_000);
      return at;
    };
    const events: NewEvent[] = [
      newEvent(
        tenant,
        "JobCreated",
        { definition: jobDefinition({ name: jobId, schedule: SCHEDULES[job.schedule]! }) },
        { at },
      ),
    ];
    let paused = false;
    for (const step of job.steps) {
      if (step.kind === "update") {
        const changedFields = Object.keys(step.changes) as (keyof JobDefinition)[];
        events.push(
          newEvent(tenant, "JobUpdated", { changes: step.changes, changedFields }, { at: later() }),
        );
      } else if (step.kind === "pause" && !paused) {
        events.push(newEvent(tenant, "JobPaused", { reason: "why" }, { at: later() }));
        paused = true;
      } else if (step.kind === "resume" && paused) {
        events.push(newEvent(tenant, "JobResumed", {}, { at: later() }));
        paused = false;
      } else if (step.kind === "toggle") {
        events.push(
          newEvent(tenant, paused ? "JobResumed" : "JobPaused", paused ? {} : { reason: null }, {
            at: later(),
          }),
        );
        paused = !paused;
      }
    }
    if (job.deleted) events.push(newEvent(tenant, "JobDeleted", { reason: null }, { at: later() }));
    streams.set(streamIdOf(tenant, "job", jobId), chunk(events, (j % 3) + 1));

    job.runs.forEach((run, r) => {
      const fire = addMs(start, (run.fire + 1) * 10 * 60_000);
      let events: NewEvent[];
      if (run.kind === "scheduled") events = runHistory(tenant, jobId, fire, run.spec);
      else {
        const runEvents = new RunEvents(tenant, jobId, addMs(fire, 5000));
        if (run.kind === "catch-up") runEvents.queued(1, "catch-up", fire);
        else runEvents.queued(1, "manual");
        runEvents.started(1).timedOut(1).add("RunDeadLettered", {
          attempts: 1,
          reason: "not-retryable",
          lastError: "timed out",
        });
        events = runEvents.events;
      }
      const runId = `${jobId}-run-${r}`;
      streams.set(streamIdOf(tenant, "run", runId), chunk(withBodies(runId, events, r), ((r + j) % 2) + 1));
    });
  });
  if (w.orphan) {
    const events = runHistory(tenant, "no-such-job", addMs(start, 3_600_000), w.orphan);
    streams.set(streamIdOf(tenant, "run", "orphan"), chunk(events, 2));
  }
  return streams;
}

/** Some outcomes carry a stored body's reference (AttemptSucceeded/AttemptFailed v2), some not. */
function withBodies(runId: string, events: NewEvent[], salt: number): NewEvent[] {
  return events.map((event, i) => {
    if ((event.type !== "AttemptSucceeded" && event.type !== "AttemptFailed") || (i + salt) % 3 === 0)
      return event;
    const data = event.data as EventDataMap["AttemptSucceeded"];
    const body = {
      key: `bodies/dt=2026-05-04/${runId}/${data.attempt}`,
      sha256: "ab".repeat(32),
      bytes: 100 + i,
      contentType: i % 2 === 0 ? "text/plain" : null,
      truncated: i % 4 === 1,
    };
    return { ...event, data: { ...data, body } } as NewEvent;
  });
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Appends the streams' commits interleaved as `pick` chooses (commit order = that order). */
async function appendInterleaved(streams: Map<string, NewEvent[][]>, pick: (n: number) => number) {
  const pending = [...streams.entries()].map(([id, commits]) => ({ id, commits: [...commits], version: 0 }));
  while (pending.length > 0) {
    const i = pick(pending.length - 1);
    const stream = pending[i]!;
    const commit = stream.commits.shift()!;
    stream.version = (await store.append(stream.id, stream.version, commit)).version;
    if (stream.commits.length === 0) pending.splice(i, 1);
  }
}

/** Every page of a tenant from `cursor` on, `size` commits each. */
async function* pages(tenant: string, size: number, cursor: string | null = null) {
  do {
    const page = await store.readTenant(tenant, { cursor, limit: size });
    yield page;
    cursor = page.cursor;
  } while (cursor);
}

/** The live projector, fed the tenant's events in batches of random sizes (commit order). */
async function projectLive(t: TestDatabase, tenant: string, size: (max: number) => number) {
  const events: DecodedEvent[] = [];
  for await (const page of pages(tenant, 50)) events.push(...page.events);
  const projector = createPostgresProjector({ pool: t.pool, eventStore: store, projections: PROJECTIONS });
  let rest = events;
  while (rest.length > 0) {
    const n = 1 + size(rest.length - 1);
    await projector.handle(rest.slice(0, n));
    rest = rest.slice(n);
  }
  return events.length;
}

/** Every row of the read model of one tenant, the tenant taken out of keys and stream ids. */
async function snapshot(t: TestDatabase, tenant: string) {
  const rows = async (table: string, order: string) => {
    const { rows } = await t.pool.query(`SELECT * FROM ${table} WHERE tenant = $1 ORDER BY ${order}`, [
      tenant,
    ]);
    return rows.map(({ tenant: _, ...row }) => row);
  };
  const { rows: positions } = await t.pool.query(
    `SELECT projection, substr(stream_id, length($1) + 2) AS stream, version FROM projection_positions
      WHERE stream_id LIKE $1 || '/%' ORDER BY projection, stream_id`,
    [tenant],
  );
  return {
    jobs: await rows("jobs", "job_id"),
    schedules: await rows("schedules", "job_id"),
    runs: await rows("runs", "run_id"),
    run_attempts: await rows("run_attempts", "run_id, attempt"),
    positions,
  };
}

describe("the rebuild's page fold", () => {
  const t = withPostgres();
  const newTenant = () => `pf-${randomUUID()}`;

  it("writes the rows the live projector writes, for random workloads and page sizes", async () => {
    await fc.assert(
      fc.asyncProperty(workload, fc.gen(), async (w, g) => {
        const live = newTenant();
        const rebuilt = newTenant();
        const pick = (n: number) => g(fc.nat, { max: n });
        // the same interleaving for both tenants
        const seed = g(fc.nat, {});
        await appendInterleaved(streamsOf(live, w), seeded(seed));
        await appendInterleaved(streamsOf(rebuilt, w), seeded(seed));

        const events = await projectLive(t, live, pick);
        const projector = createPageProjector({ pool: t.pool, eventStore: store, projections: PROJECTIONS });
        let applied = 0;
        for await (const page of pages(rebuilt, 1 + pick(7)))
          applied += (await projector.handle(page.events)).applied;
        expect(applied).toBe(events);

        const expected = await snapshot(t, live);
        expect(expected.jobs.length).toBe(w.jobs.length);
        expect(await snapshot(t, rebuilt)).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  }, 240_000);

  it("a rebuild resumed mid-way (pages re-read, other page sizes) ends with the same rows", async () => {
    await fc.assert(
      fc.asyncProperty(workload, fc.gen(), async (w, g) => {
        const live = newTenant();
        const rebuilt = newTenant();
        const seed = g(fc.nat, {});
        await appendInterleaved(streamsOf(live, w), seeded(seed));
        await appendInterleaved(streamsOf(rebuilt, w), seeded(seed));
        await projectLive(t, live, (n) => g(fc.nat, { max: n }));

        // first run: stops after some pages, keeping the cursor of the last page it read
        const first = createPageProjector({ pool: t.pool, eventStore: store, projections: PROJECTIONS });
        const stopAfter = 1 + g(fc.nat, { max: 4 });
        const cursors: (string | null)[] = [null];
        let read = 0;
        for await (const page of pages(rebuilt, 1 + g(fc.nat, { max: 5 }))) {
          await first.handle(page.events);
          if (++read >= stopAfter || page.cursor === null) break;
          cursors.push(page.cursor);
        }
        // second run: a new projector re-reads from an earlier cursor, with another page size
        const second = createPageProjector({ pool: t.pool, eventStore: store, projections: PROJECTIONS });
        const from = cursors[g(fc.nat, { max: cursors.length - 1 })]!;
        for await (const page of pages(rebuilt, 1 + g(fc.nat, { max: 7 }), from))
          await second.handle(page.events);
        // and the last page once more (a finished rebuild stays on it)
        const last = await lastPage(rebuilt);
        expect((await second.handle(last)).applied).toBe(0);

        expect(await snapshot(t, rebuilt)).toEqual(await snapshot(t, live));
      }),
      { numRuns: 15 },
    );
  }, 240_000);
});

async function lastPage(tenant: string): Promise<DecodedEvent[]> {
  let last: DecodedEvent[] = [];
  for await (const page of pages(tenant, 3)) last = page.events;
  return last;
}

/** A small deterministic generator (the same picks for both tenants). */
function seeded(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % (n + 1);
  };
}
