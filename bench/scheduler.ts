/**
 * Scheduler tick cost with 10k and 100k active schedules (Postgres from DATABASE_URL in a
 * schema of its own, else an in-memory PGlite; events in a private dynalite).
 *
 * N `schedules` rows are inserted with one `INSERT … SELECT generate_series` (half daily rate,
 * half daily cron jobs, overlap "skip"): DUE of them fire exactly at NOW, the rest at minutes
 * spread over the next 24 hours. The clock is a ManualClock.
 *
 * - Idle tick: the clock one second before NOW, so nothing is due; time per whole tick (its
 *   four steps: due schedules, due retries, watchdog, buffered fires). The due query's plan
 *   (EXPLAIN ANALYZE of the exact SQL the code sends) shows the partial index it uses.
 * - Due tick: the clock at NOW, DUE schedules due; time of the tick, and the lag from the
 *   fire time to each RunQueued append, measured as real time from the tick's start to the
 *   append (the tick starts at the fire time, so this is the scheduler's own delay; a real
 *   deployment adds up to one tick interval). Repeated on a fresh events table each time.
 * - Baselines in the same run: `SELECT count(*) FROM schedules` (a full scan) at each N, and
 *   the same DUE runs queued straight through `runCommands.queue`, without the scheduler.
 */
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import { ensureEventStoreTable } from "@jobledger/core/adapters/dynamodb/event-store-table";
import { createDynamoClients, startDynalite } from "@jobledger/core/adapters/local/standins";
import { type Database, openDatabase } from "@jobledger/core/adapters/postgres/database";
import { migrate } from "@jobledger/core/adapters/postgres/migrate";
import { createRunQueries, type Queryable } from "@jobledger/core/adapters/postgres/run-queries";
import { createRunCommands, type RunCommands } from "@jobledger/core/application/run-commands";
import { createScheduler } from "@jobledger/core/application/scheduler";
import { parseJobDefinition } from "@jobledger/core/domain/job/definition";
import { runIdFor } from "@jobledger/core/domain/run/run-id";
import { createLogger } from "@jobledger/core/logging";
import { ManualClock } from "@jobledger/core/ports/clock";
import type { JobDefinition } from "@jobledger/events";
import pg from "pg";
import { printTable, round, spread, timeEach } from "./support.ts";

const SIZES = (process.env.BENCH_SCHEDULES ?? "10000,100000").split(",").map(Number);
const DUE = 200;
const IDLE_TICKS = Number(process.env.BENCH_IDLE_TICKS ?? 100);
const DUE_REPEATS = Number(process.env.BENCH_DUE_REPEATS ?? 3);
const COUNT_REPEATS = 20;
/** a whole minute, so daily cron and rate fires land on it */
const NOW = new Date("2026-03-02T12:00:00.000Z");
const TENANT = "bench";
const logger = createLogger("bench", "warn");

function definition(schedule: Record<string, unknown>): JobDefinition {
  const parsed = parseJobDefinition({
    name: "bench",
    request: {
      method: "POST",
      url: "https://api.example.com/hooks/nightly",
      headers: { "x-bench": "1" },
      body: '{"hello":"world"}',
      timeoutMs: 10_000,
    },
    schedule,
  });
  if (!parsed.ok) throw new Error(`bench job definition is invalid: ${JSON.stringify(parsed.issues)}`);
  return parsed.value;
}

const jobId = (g: number) => `job-${String(g).padStart(7, "0")}`;

interface BenchDatabase extends Database {
  label: string;
}

async function openBenchDatabase(n: number): Promise<BenchDatabase> {
  const url = process.env.DATABASE_URL;
  const schema = `bench_scheduler_${process.pid}_${n}`;
  const database = url ? await openDatabase({ url, schema, logger }) : await openDatabase({ logger });
  await migrate(database.pool);
  if (!url) return { ...database, label: "PGlite (in memory)" };
  return {
    ...database,
    label: "PostgreSQL (DATABASE_URL)",
    async close() {
      await database.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

/**
 * N active schedules, one statement: odd rows a daily rate, even rows a daily cron at a minute
 * of the day; rows 1..DUE fire at NOW, the others `o` minutes later (1..1439, spread by a
 * multiplicative hash). The rate anchor is one period before the fire, as the projection
 * would have it for a job created then.
 */
async function insertSchedules(pool: pg.Pool, n: number): Promise<void> {
  const rate = definition({ type: "rate", everySeconds: 86_400 });
  const cron = definition({ type: "cron", expression: "0 12 * * *", timezone: "UTC" });
  await pool.query(
    `INSERT INTO schedules (tenant, job_id, job_version, status, schedule, overlap, concurrency, catch_up,
                            request, retry, anchor, next_fire_at, next_due_at, last_fire_at, buffered_fire_at,
                            updated_at)
     SELECT $1, 'job-' || lpad(g::text, 7, '0'), 1, 'active',
            CASE WHEN g % 2 = 1 THEN $2::jsonb
                 ELSE jsonb_set($3::jsonb, '{expression}',
                                to_jsonb(format('%s %s * * *', (720 + o) % 60, ((720 + o) / 60) % 24))) END,
            'skip', NULL, $4::jsonb, $5::jsonb, $6::jsonb,
            fire - interval '1 day', fire, fire, NULL, NULL, $7::timestamptz - interval '1 day'
     FROM (SELECT g, CASE WHEN g <= $8 THEN 0 ELSE 1 + (g * 7919) % 1439 END AS o
           FROM generate_series(1, $9::integer) AS g) AS s,
          LATERAL (SELECT $7::timestamptz + o * interval '1 minute' AS fire) AS f`,
    [
      TENANT,
      JSON.stringify(rate.schedule),
      JSON.stringify(cron.schedule),
      JSON.stringify(rate.catchUp),
      JSON.stringify(rate.request),
      JSON.stringify(rate.retry),
      NOW,
      DUE,
      n,
    ],
  );
  // what autovacuum would do soon after a bulk load; the planner needs the statistics
  await pool.query("ANALYZE schedules");
}

/** Puts the DUE rows back to "due at NOW, never fired" and drops the runs of the previous try. */
async function resetDueRows(pool: pg.Pool): Promise<void> {
  await pool.query("DELETE FROM runs");
  await pool.query(
    "UPDATE schedules SET next_fire_at = $1, next_due_at = $1, last_fire_at = NULL WHERE job_id <= $2",
    [NOW, jobId(DUE)],
  );
}

/**
 * A client whose `query` runs `EXPLAIN (ANALYZE, COSTS OFF)` of whatever SQL it is given and
 * records the plan, so the plan printed is the one of the exact query the code sends. Only
 * `query` is called by the run queries; the cast says so.
 */
function explaining(pool: pg.Pool, plans: string[][]): Queryable {
  const query = async (text: string, values?: unknown[]) => {
    const result = await pool.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, COSTS OFF) ${text}`, values);
    plans.push(result.rows.map((row) => row["QUERY PLAN"]));
    return { rows: [] };
  };
  return { query } as unknown as Queryable;
}

async function planOf(pool: pg.Pool, sql: string): Promise<string[]> {
  const result = await pool.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`);
  return result.rows.map((row) => row["QUERY PLAN"]);
}

interface SizeResult {
  n: number;
  idle: number[];
  count: number[];
  dueTicks: number[];
  lags: number[];
  direct: number[];
  duePlan: string[];
  countPlan: string[];
  /** which Postgres */
  label: string;
}

async function measureSize(n: number, dynamo: ReturnType<typeof createDynamoClients>): Promise<SizeResult> {
  const db = await openBenchDatabase(n);
  const { pool } = db;
  const clock = new ManualClock(new Date(NOW.getTime() - 1_000));
  const runQueries = createRunQueries(pool);
  let tables = 0;
  /** real time of each run commit, from the event store's commit hook */
  let appendTimes: number[] = [];
  const freshRunCommands = async (): Promise<RunCommands> => {
    const tableName = `bench-sched-${n}-${++tables}-${Date.now()}`;
    await ensureEventStoreTable(dynamo.client, tableName);
    const eventStore = new DynamoEventStore({
      doc: dynamo.doc,
      tableName,
      clock,
      onCommitted: (item) => {
        if (item.pk.includes("/run/")) appendTimes.push(performance.now());
      },
    });
    return createRunCommands({ eventStore, clock });
  };
  try {
    const loadStarted = performance.now();
    await insertSchedules(pool, n);
    const loadMs = performance.now() - loadStarted;

    // ---- idle ticks
    const idleScheduler = createScheduler({
      pool,
      runCommands: await freshRunCommands(),
      runQueries,
      clock,
      logger,
    });
    await timeEach(10, () => idleScheduler.tick()); // warm-up
    const idle = await timeEach(IDLE_TICKS, async () => {
      const report = await idleScheduler.tick();
      if (report.schedules !== 0) throw new Error(`idle tick took ${report.schedules} schedules`);
    });
    const plans: string[][] = [];
    await runQueries.dueSchedules(explaining(pool, plans), clock.now(), 500);
    const duePlan = plans[0] ?? [];

    // ---- baseline: a full scan
    await timeEach(2, () => pool.query("SELECT count(*) FROM schedules"));
    const count = await timeEach(COUNT_REPEATS, async () => {
      const { rows } = await pool.query<{ n: number }>("SELECT count(*)::integer AS n FROM schedules");
      if (rows[0]?.n !== n) throw new Error(`expected ${n} schedules, counted ${rows[0]?.n}`);
    });
    const countPlan = await planOf(pool, "SELECT count(*) FROM schedules");

    // ---- due ticks, each followed by its baseline: the same runs queued directly
    clock.set(NOW);
    const dueTicks: number[] = [];
    const lags: number[] = [];
    const direct: number[] = [];
    const { rows: dueRows } = await pool.query<{
      job_id: string;
      request: JobDefinition["request"];
      retry: JobDefinition["retry"];
    }>("SELECT job_id, request, retry FROM schedules WHERE job_id <= $1 ORDER BY job_id", [jobId(DUE)]);
    for (let r = 0; r < DUE_REPEATS; r++) {
      await resetDueRows(pool);
      const scheduler = createScheduler({
        pool,
        runCommands: await freshRunCommands(),
        runQueries,
        clock,
        logger,
      });
      appendTimes = [];
      const tickStarted = performance.now();
      const report = await scheduler.tick();
      dueTicks.push(performance.now() - tickStarted);
      if (report.queued !== DUE || report.failures !== 0) {
        throw new Error(
          `the due tick queued ${report.queued} runs (expected ${DUE}), ${report.failures} failures, ${report.skipped} skipped`,
        );
      }
      lags.push(...appendTimes.map((t) => t - tickStarted));

      const runCommands = await freshRunCommands();
      const directStarted = performance.now();
      for (const row of dueRows) {
        await runCommands.queue(
          { tenant: TENANT, actor: "system:bench", correlationId: "bench-direct" },
          {
            runId: runIdFor(row.job_id, NOW),
            jobId: row.job_id,
            jobVersion: 1,
            trigger: "schedule",
            scheduledFor: NOW,
            dueAt: NOW,
            request: row.request,
            retry: row.retry,
          },
        );
      }
      direct.push(performance.now() - directStarted);
    }
    console.log(`  N=${n}: ${db.label}, ${n} schedules loaded in ${round(loadMs / 1000, 2)} s`);
    return { n, idle, count, dueTicks, lags, direct, duePlan, countPlan, label: db.label };
  } finally {
    await db.close();
  }
}

/** The lines of a plan that name the scan and its cost. */
const keyLines = (plan: readonly string[]) =>
  plan
    .filter((line) => /Scan|Index Cond|Execution Time/.test(line))
    .map((line) => `    ${line.trim()}`)
    .join("\n");

const median = (samples: readonly number[]) => spread(samples).p50;

export async function benchScheduler(): Promise<void> {
  const dynalite = await startDynalite();
  const dynamo = createDynamoClients({ endpoint: dynalite.endpoint, region: "us-east-1" });
  const results: SizeResult[] = [];
  try {
    console.log(`\nscheduler: ${SIZES.join(", ")} schedules, ${DUE} due`);
    for (const n of SIZES) results.push(await measureSize(n, dynamo));
  } finally {
    dynamo.destroy();
    await dynalite.close();
  }
  const label = results[0]?.label ?? "";

  printTable(`Scheduler idle tick (nothing due), ${label}, ${IDLE_TICKS} ticks per size`, [
    ...results.map((r) => {
      const tick = spread(r.idle, 2);
      const count = spread(r.count, 2);
      return {
        "active schedules": r.n,
        "idle tick p50 (ms)": tick.p50,
        "idle tick p99 (ms)": tick.p99,
        "count(*) p50 (ms, baseline)": count.p50,
        "tick / count(*)": round(tick.p50 / count.p50, 2),
      };
    }),
  ]);
  printTable(`Scheduler tick with ${DUE} due, ${label}, ${DUE_REPEATS} ticks per size`, [
    ...results.map((r) => {
      const lag = spread(r.lags);
      const tick = median(r.dueTicks);
      const direct = median(r.direct);
      return {
        "active schedules": r.n,
        "due tick median (ms)": round(tick),
        "per run (ms)": round(tick / DUE, 2),
        "lag p50 (ms)": lag.p50,
        "lag p99 (ms)": lag.p99,
        "lag max (ms)": lag.max,
        [`${DUE} queue() direct (ms, baseline)`]: round(direct),
        "tick / direct": round(tick / direct, 2),
      };
    }),
  ]);
  console.log("\nPlans (EXPLAIN ANALYZE; scan and execution-time lines):");
  for (const r of results) {
    console.log(`  N=${r.n}, due query (idle clock):\n${keyLines(r.duePlan)}`);
    console.log(`  N=${r.n}, count(*):\n${keyLines(r.countPlan)}`);
  }
}
