/**
 * Rebuild throughput of the Postgres read model: N events (BENCH_REBUILD_EVENTS, default
 * 200 000) on job streams in dynalite — each stream (BENCH_REBUILD_PER_STREAM events, default 100) a JobCreated then pause/resume toggles,
 * appended in commits of 100 events — replayed by `rebuild` into a shadow schema on the
 * PostgreSQL server at DATABASE_URL (default the machine's, db `test`), dry run.
 * Baseline in the same run: a plain bulk insert (`unnest`, 1000 rows a statement) of the same
 * final rows (jobs, schedules, projection_positions) into the same tables of another schema.
 */
import { randomUUID } from "node:crypto";
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import { ensureEventStoreTable } from "@jobledger/core/adapters/dynamodb/event-store-table";
import { createDynamoClients, startDynalite } from "@jobledger/core/adapters/local/standins";
import { openDatabase } from "@jobledger/core/adapters/postgres/database";
import { migrate } from "@jobledger/core/adapters/postgres/migrate";
import { createPostgresRebuildTarget } from "@jobledger/core/adapters/postgres/rebuild-target";
import { rebuild } from "@jobledger/core/application/rebuild/rebuild";
import type { NewEvent } from "@jobledger/events";
import { printTable, round } from "./support.ts";

const EVENTS = Number(process.env.BENCH_REBUILD_EVENTS ?? 200_000);
const PER_STREAM = Number(process.env.BENCH_REBUILD_PER_STREAM ?? 100);
const PER_COMMIT = 100;
const URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const TENANT = "bench";

const definition = {
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

function event(type: string, data: unknown, at: Date): NewEvent {
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
      const streamId = `${TENANT}/job/${jobId}`;
      const at = new Date(Date.UTC(2026, 0, 1) + s * 1000);
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
    const target = createPostgresRebuildTarget({ url: URL, liveSchema: live, eventStore: store });
    const result = await rebuild(store, target, { tenants: [TENANT], dryRun: true, pageSize: 50 });
    await target.close();
    const rebuildSeconds = (performance.now() - t1) / 1000;

    // baseline: the same final rows, bulk-inserted
    const bulkDb = await openDatabase({ url: URL, schema: bulk });
    await migrate(bulkDb.pool);
    const t2 = performance.now();
    const at = new Date(Date.UTC(2026, 0, 1));
    for (let i = 0; i < jobIds.length; i += 1000) {
      const ids = jobIds.slice(i, i + 1000);
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
    const rows = jobIds.length * 4;

    printTable(`rebuild of the Postgres read model from ${written} events (${streams} job streams)`, [
      {
        step: "append (setup, dynalite)",
        seconds: round(appendSeconds),
        rate: `${round(written / appendSeconds, 0)} events/s`,
      },
      {
        step: "rebuild (read + project)",
        seconds: round(rebuildSeconds),
        rate: `${round(result.events / rebuildSeconds, 0)} events/s`,
      },
      {
        step: "baseline: bulk insert of the final rows",
        seconds: round(bulkSeconds, 3),
        rate: `${round(rows / bulkSeconds, 0)} rows/s`,
      },
    ]);
  } finally {
    for (const s of [live, `${live}_rebuild`, `${live}_old`, bulk])
      await admin.pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.close();
    destroy();
    await dynalite.close();
  }
}
