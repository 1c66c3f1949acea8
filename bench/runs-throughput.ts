/**
 * Runs completed per second end to end against a local target, beside the plain request rate
 * of the same target from the same machine.
 *
 * The whole local system runs in this process (temp data folder, PGlite, dynalite, kinesalite,
 * relay, pollers, projector, runner with its default concurrency, scheduler ticking every
 * 50 ms). K manual runs of one job calling the built-in test target's `/ok` are queued through
 * `runCommands.queue` (what `POST /v1/jobs/{id}/runs` calls), up to the runner's concurrency
 * at once, and the clock stops when all K are `succeeded` in the `runs` read model. The
 * per-host rate limit is switched off (`JOBLEDGER_HOST_RATE=unlimited`; its default, 20/s,
 * would be the figure otherwise). A warm-up batch runs first.
 *
 * Baselines in the same run, at the same concurrency: K plain `fetch` calls of `/ok`
 * (keep-alive), and K calls through the runner's own HTTP executor alone (one connection per
 * call, SSRF checks, signing), which separates the HTTP client's cost from the pipeline's.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { createHttpExecutor } from "@jobledger/core/adapters/http/executor";
import { parseTargetAllowList } from "@jobledger/core/domain/job/target-policy";
import { newManualRunId } from "@jobledger/core/domain/run/run-id";
import { createLogger } from "@jobledger/core/logging";
import { systemClock } from "@jobledger/core/ports/clock";
import { startLocalSystem } from "@jobledger/functions/local/system";
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { printTable, round, runConcurrently, spread } from "./support.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const WARM_UP = 32;
const TIMEOUT_MS = 5 * 60_000;
/** how often the read model is polled (each poll is a query on the same single-connection PGlite) */
const POLL_MS = 100;
const TICK_MS = process.env.BENCH_TICK_MS ?? "50";

/** Polls the runs read model until `count` runs of the tenant succeeded; fails fast on any other end. */
async function waitUntilSucceeded(pool: pg.Pool, tenant: string, count: number): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const { rows } = await pool.query<{ status: string; n: number }>(
      "SELECT status, count(*)::integer AS n FROM runs WHERE tenant = $1 GROUP BY status",
      [tenant],
    );
    const by = Object.fromEntries(rows.map((row) => [row.status, row.n]));
    if ((by.succeeded ?? 0) >= count) return;
    const failed = (by["dead-lettered"] ?? 0) + (by["retry-scheduled"] ?? 0) + (by.cancelled ?? 0);
    if (failed > 0 || Date.now() > deadline) {
      throw new Error(
        `runs of ${tenant} did not all succeed (${failed > 0 ? "some failed" : "timed out"}): ${JSON.stringify(by)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export async function benchRunsThroughput(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "jobledger-bench-runs-"));
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: "0",
    JOBLEDGER_DATA_DIR: dataDir,
    JOBLEDGER_TICK_MS: TICK_MS,
    JOBLEDGER_HOST_RATE: "unlimited",
    JOBLEDGER_TEST_TARGET_PORT: "0",
  };
  delete env.DATABASE_URL; // always the embedded PGlite, as `npm start` uses by default
  const system = await startLocalSystem({ logger: createLogger(undefined, "warn"), env });
  const { jobCommands, runCommands } = system.services.api;
  const { pool } = system.services.database;
  const concurrency = system.config.runner.concurrency;
  const ctx = (tenant: string) => ({ tenant, actor: "system:bench", correlationId: `bench-${uuidv7()}` });
  try {
    const target = system.testTarget;
    if (!target) throw new Error("the local system started without its test target");
    const url = `${target.url}/ok`;
    console.log(`\nruns-throughput: ${RUNS} runs, concurrency ${concurrency}, target ${url}`);

    /** Queues `count` manual runs for `tenant` and waits until all succeeded. */
    const runBatch = async (tenant: string, count: number) => {
      const { job } = await jobCommands.create(ctx(tenant), {
        name: "throughput",
        request: { method: "GET", url },
        schedule: { type: "rate", everySeconds: 86_400 },
        overlap: "allow",
      });
      const inFlight: number[] = [];
      const sampler = setInterval(() => inFlight.push(system.services.runner.inFlight()), 50);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const queueMs = await runConcurrently(count, concurrency, () =>
        runCommands.queue(ctx(tenant), {
          runId: newManualRunId(),
          jobId: job.id,
          jobVersion: job.version,
          trigger: "manual",
          scheduledFor: null,
          dueAt: system.services.clock.now(),
          request: job.definition.request,
          retry: job.definition.retry,
        }),
      );
      try {
        await waitUntilSucceeded(pool, tenant, count);
      } finally {
        clearInterval(sampler);
      }
      const totalMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      return {
        queueMs,
        totalMs,
        /** CPU time of this process (all its threads) per wall time, in cores */
        cores: (cpu.user + cpu.system) / 1000 / totalMs,
        inFlight: spread(inFlight, 0),
        meanInFlight: inFlight.reduce((a, b) => a + b, 0) / Math.max(1, inFlight.length),
      };
    };

    await runBatch("bench-warmup", WARM_UP);
    const pipeline = await runBatch("bench", RUNS);
    const { rows } = await pool.query<{ ms: number }>(
      "SELECT (extract(epoch FROM finished_at - created_at) * 1000)::float8 AS ms FROM runs WHERE tenant = 'bench'",
    );
    const latency = spread(rows.map((row) => row.ms));

    const fetchOk = async () => {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    };
    await runConcurrently(WARM_UP, concurrency, fetchOk);
    const fetchMs = await runConcurrently(RUNS, concurrency, fetchOk);

    const executor = createHttpExecutor({
      allowList: parseTargetAllowList([target.hostPort]),
      clock: systemClock,
    });
    const request = { method: "GET" as const, url, headers: {}, body: null, timeoutMs: 10_000 };
    const execute = async () => {
      const outcome = await executor.execute({
        request,
        idempotencyKey: uuidv7(),
        signingSecret: "bench-secret",
      });
      if (outcome.kind !== "succeeded")
        throw new Error(`the executor's call of ${url} failed: ${outcome.kind}`);
    };
    await runConcurrently(WARM_UP, concurrency, execute);
    const executorMs = await runConcurrently(RUNS, concurrency, execute);

    const perSecond = (ms: number) => RUNS / (ms / 1000);
    const row = (measure: string, ms: number) => ({
      measure,
      "per second": round(perSecond(ms)),
      "total (s)": round(ms / 1000, 2),
      "ratio to fetch": round(perSecond(ms) / perSecond(fetchMs), 3),
    });
    printTable(
      `Runs end to end vs plain requests, ${RUNS} each, concurrency ${concurrency}, ${system.services.database.kind}`,
      [
        row("runs queued → succeeded in read model", pipeline.totalMs),
        row("queueing alone (RunQueued appends)", pipeline.queueMs),
        row("runner's HTTP executor alone", executorMs),
        row("plain fetch, keep-alive (baseline)", fetchMs),
      ],
    );
    console.log(
      `run latency, RunQueued → finished (ms): p50 ${latency.p50}, p99 ${latency.p99}, max ${latency.max}\n` +
        `runner attempts in flight (sampled every 50 ms): mean ${round(pipeline.meanInFlight)}, ` +
        `max ${pipeline.inFlight.max} of ${concurrency}\n` +
        `CPU of this process while the runs went through: ${round(pipeline.cores, 2)} cores ` +
        `(${os.availableParallelism()} available)`,
    );
  } finally {
    await system.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
