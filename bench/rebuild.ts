/**
 * Rebuild throughput of the Postgres read model: N events (BENCH_REBUILD_EVENTS, default
 * 200 000) in dynalite — with BENCH_REBUILD_KIND=jobs (default) on job streams, each
 * (BENCH_REBUILD_PER_STREAM events, default 100) a JobCreated then pause/resume toggles,
 * appended in commits of 100 events; with BENCH_REBUILD_KIND=runs on run streams of 4 events
 * (RunQueued, AttemptStarted, AttemptSucceeded, RunSucceeded; one commit each) — replayed by
 * `rebuild` (pages of BENCH_REBUILD_PAGE commits, default 50) into a shadow schema on the
 * PostgreSQL server at DATABASE_URL (default the machine's, db `test`), dry run.
 * Baseline in the same run: a plain bulk insert (`unnest`, 1000 rows a statement) of the same
 * final rows (jobs, schedules, projection_positions; or runs, run_attempts,
 * projection_positions) into the same tables of another schema.
 */
import { randomUUID } from "node:crypto";
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import { ensureEventStoreTable } from "@jobledger/core/adapters/dynamodb/event-store-table";
import { createDynamoClients, startDynalite } from "@jobledger/core/adapters/local/standins";
import { openDatabase } from "@jobledger/core/adapters/postgres/database";
import { migrate } from "@jobledger/core/adapters/postgres/migrate";
import { createPostgresRebuildTarget } from "@jobledger/core/adapters/postgres/rebuild-target";
import { rebuild } from "@jobledger/core/application/rebuild/rebuild";
import { jobsProjection } from "@jobledger/core/projections/jobs";
import { runsProjection } from "@jobledger/core/projections/runs";
import { schedulesProjection } from "@jobledger/core/projections/schedules";
import type { NewEvent } from "@jobledger/events";
import type pg from "pg";
import { printTable, round } from "./support.ts";

const EVENTS = Number(process.env.BENCH_REBUILD_EVENTS ?? 200_000);
const KIND = process.env.BENCH_REBUILD_KIND === "runs" ? "runs" : "jobs";
const PER_STREAM = KIND === "runs" ? 4 : Number(process.env.BENCH_REBUILD_PER_STREAM ?? 100);
const PER_COMMIT = 100;
/** commits per page read by the rebuild */
const PAGE_SIZE = Number(process.env.BENCH_REBUILD_PAGE ?? 50);
const URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TENANT = "bench";

/** A job definition the rebuild benchmarks append (also bench/rebuild-repair.ts). */
export const definition = {
  name: "bench",
  description: null,
  request: {
    method: "POST" as const,
    url: "https://example.com/hook",
    headers: {},
    body: "{}",
    timeoutMs: 5000,
  },
  schedule: { type: "rate" as const, everySeconds: 3600, startAt: null, endAt: null, jitterSeconds: 0 },
  retry: {
    maxAttempts: 3,
    initialDelayMs: 1000,
    maxDelayMs: 60_000,
    multiplier: 2,
    retryOn: ["5xx" as const],
  },
  overlap: "skip" as const,
  concurrency: null,
  catchUp: { windowSeconds: 3600, maxRuns: 1 },
  tags: ["bench"],
};

/** An event of the bench tenant, built by hand (also bench/rebuild-repair.ts). */
export function event(type: string, data: unknown, at: Date): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    data,
    occurredAt: at,
    correlationId: "bench",
    causationId: null,
    actor: "system:bench",
    tenant: TENANT,
  } as NewEvent; // built by hand: the bench skips the command layer
}

/** A run's life: queued by hand, one attempt that succeeds. */
function runEvents(at: Date): NewEvent[] {
  const later = (s: number) => new Date(at.getTime() + s * 1000);
  return [
    event(
      "RunQueued",
      {
        jobId: "bench-job",
        jobVersion: 1,
        attempt: 1,
        trigger: "manual",
        scheduledFor: null,
        dueAt: at.toISOString(),
        request: definition.request,
        retry: definition.retry,
      },
      at,
    ),
    event("AttemptStarted", { attempt: 1, runner: "bench", deadline: later(10).toISOString() }, later(1)),
    event(
      "AttemptSucceeded",
      {
        attempt: 1,
        status: 200,
        durationMs: 12,
        headers: { "content-type": "application/json" },
        bodyExcerpt: '{"ok":true}',
        bodyBytes: 11,
        bodyTruncated: false,
      },
      later(2),
    ),
    event("RunSucceeded", { attempts: 1 }, later(2)),
  ];
}

/** The baseline's rows of a run stream: its run, its attempt, its positions. */
async function bulkRuns(pool: pg.Pool, ids: string[], at: Date): Promise<void> {
  await pool.query(
    `INSERT INTO runs (tenant, run_id, job_id, job_version, status, trigger, due_at, attempt, created_at, updated_at,
                       finished_at, last_status_code, version)
     SELECT $1, id, 'bench-job', 1, 'succeeded', 'manual', $2, 1, $2, $2, $2, 200, 4 FROM unnest($3::text[]) id`,
    [TENANT, at, ids],
  );
  await pool.query(
    `INSERT INTO run_attempts (tenant, run_id, attempt, started_at, deadline, runner, finished_at, outcome, status_code,
                               duration_ms, response_headers, body_excerpt, body_bytes, body_truncated)
     SELECT $1, id, 1, $2, $2, 'bench', $2, 'succeeded', 200, 12, '{"content-type":"application/json"}',
            '{"ok":true}', 11, false FROM unnest($3::text[]) id`,
    [TENANT, at, ids],
  );
  await pool.query(
    `INSERT INTO projection_positions (projection, stream_id, version)
     SELECT p, $1 || '/run/' || id, 4 FROM unnest($2::text[]) id, unnest(ARRAY['jobs','runs','schedules']) p`,
    [TENANT, ids],
  );
}

export async function benchRebuild(): Promise<void> {
  const dynalite = await startDynalite();
  const { client, doc, destroy } = createDynamoClients({ endpoint: dynalite.endpoint, region: "us-east-1" });
  const table = `bench-rebuild-${randomUUID().slice(0, 8)}`;
  await ensureEventStoreTable(client, table);
  const store = new DynamoEventStore({ doc, tableName: table });
  const live = `bench_live_${randomUUID().slice(0, 8)}`;
  const bulk = `bench_bulk_${randomUUID().slice(0, 8)}`;
  const admin = await openDatabase({ url: URL });
  try {
    // the events
    const t0 = performance.now();
    const streams = Math.ceil(EVENTS / PER_STREAM);
    const jobIds: string[] = [];
    for (let s = 0; s < streams; s++) {
      const jobId = randomUUID();
      jobIds.push(jobId);
      const at = new Date(Date.UTC(2026, 0, 1) + s * 1000);
      if (KIND === "runs") {
        await store.append(`${TENANT}/run/${jobId}`, 0, runEvents(at));
        continue;
      }
      const streamId = `${TENANT}/job/${jobId}`;
      const all: NewEvent[] = [event("JobCreated", { definition }, at)];
      for (let i = 1; i < PER_STREAM; i++) {
        all.push(i % 2 === 1 ? event("JobPaused", { reason: null }, at) : event("JobResumed", {}, at));
      }
      for (let c = 0; c < all.length; c += PER_COMMIT)
        await store.append(streamId, c, all.slice(c, c + PER_COMMIT));
    }
    const written = streams * PER_STREAM;
    const appendSeconds = (performance.now() - t0) / 1000;

    // the live schema the rebuild shadows (empty: the shadow is compared with it)
    const liveDb = await openDatabase({ url: URL, schema: live });
    await migrate(liveDb.pool);
    await liveDb.close();

    const t1 = performance.now();
    // BENCH_REBUILD_PER_EVENT=1: copies of the projections, which the page projector has no fold
    // for, so it applies each event through the projection's own `apply` (the path before the fold)
    const perEvent = process.env.BENCH_REBUILD_PER_EVENT === "1";
    const projections = perEvent
      ? [jobsProjection, runsProjection, schedulesProjection].map((p) => ({ ...p }))
      : undefined;
    const target = createPostgresRebuildTarget({
      url: URL,
      liveSchema: live,
      eventStore: store,
      projections,
    });
    // the part of the rebuild spent in the target's apply (the page projector), the rest is reading
    let applySeconds = 0;
    const timed: typeof target = {
      ...target,
      async apply(events) {
        const t = performance.now();
        await target.apply(events);
        applySeconds += (performance.now() - t) / 1000;
      },
    };
    const result = await rebuild(store, timed, { tenants: [TENANT], dryRun: true, pageSize: PAGE_SIZE });
    await target.close();
    const rebuildSeconds = (performance.now() - t1) / 1000;

    // baseline: the same final rows, bulk-inserted
    const bulkDb = await openDatabase({ url: URL, schema: bulk });
    await migrate(bulkDb.pool);
    const t2 = performance.now();
    const at = new Date(Date.UTC(2026, 0, 1));
    for (let i = 0; i < jobIds.length; i += 1000) {
      const ids = jobIds.slice(i, i + 1000);
      if (KIND === "runs") {
        await bulkRuns(bulkDb.pool, ids, at);
        continue;
      }
      await bulkDb.pool.query(
        `INSERT INTO jobs (tenant, job_id, version, created_at, created_by, updated_at, updated_by, name, description, definition, status, tags)
         SELECT $1, id, $2, $3, 'system:bench', $3, 'system:bench', 'bench', NULL, $4::jsonb, 'active', ARRAY['bench'] FROM unnest($5::text[]) id`,
        [TENANT, PER_STREAM, at, JSON.stringify(definition), ids],
      );
      await bulkDb.pool.query(
        `INSERT INTO schedules (tenant, job_id, job_version, status, schedule, overlap, concurrency, catch_up, request, retry, anchor, updated_at)
         SELECT $1, id, $2, 'active', $3::jsonb, 'skip', NULL, $4::jsonb, $5::jsonb, $6::jsonb, $7, $7 FROM unnest($8::text[]) id`,
        [
          TENANT,
          PER_STREAM,
          JSON.stringify(definition.schedule),
          JSON.stringify(definition.catchUp),
          JSON.stringify(definition.request),
          JSON.stringify(definition.retry),
          at,
          ids,
        ],
      );
      await bulkDb.pool.query(
        `INSERT INTO projection_positions (projection, stream_id, version)
         SELECT p, $1 || '/job/' || id, $2 FROM unnest($3::text[]) id, unnest(ARRAY['jobs','schedules']) p`,
        [TENANT, PER_STREAM, ids],
      );
    }
    const bulkSeconds = (performance.now() - t2) / 1000;
    await bulkDb.close();
    const rows = jobIds.length * (KIND === "runs" ? 5 : 4);

    printTable(
      `rebuild of the Postgres read model from ${written} events (${streams} ${KIND === "runs" ? "run" : "job"} streams, pages of ${PAGE_SIZE} commits)`,
      [
        {
          step: "append (setup, dynalite)",
          seconds: round(appendSeconds),
          rate: `${round(written / appendSeconds, 0)} events/s`,
        },
        {
          step: `rebuild (read + project)${perEvent ? ", per event" : ""}`,
          seconds: round(rebuildSeconds),
          rate: `${round(result.events / rebuildSeconds, 0)} events/s`,
        },
        {
          step: "  of which projecting (page projector)",
          seconds: round(applySeconds),
          rate: `${round(result.events / applySeconds, 0)} events/s`,
        },
        {
          step: "baseline: bulk insert of the final rows",
          seconds: round(bulkSeconds, 3),
          rate: `${round(rows / bulkSeconds, 0)} rows/s`,
        },
      ],
    );
  } finally {
    for (const s of [live, `${live}_rebuild`, `${live}_old`, bulk])
      await admin.pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.close();
    destroy();
    await dynalite.close();
  }
}
