/**
 * End-to-end lag from append to the row in Postgres, through the whole local pipeline:
 * command → event store → relay → kinesalite → poller → projector → jobs table (PGlite, or
 * DATABASE_URL). Measured one job at a time by polling the read model every millisecond.
 * Baseline in the same run: the latency of the command itself (load, decide, append).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@jobledger/core/logging";
import { startLocalSystem } from "@jobledger/functions/local/system";
import { percentile, printTable, round } from "./support.ts";

const SAMPLES = Number(process.env.BENCH_LAG_SAMPLES ?? 200);

export async function benchProjectionLag(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "jobledger-bench-"));
  const system = await startLocalSystem({
    logger: createLogger(undefined, "warn"),
    env: { ...process.env, PORT: "0", JOBLEDGER_DATA_DIR: dataDir, JOBLEDGER_SHARDS: "1" },
  });
  const { jobCommands } = system.services.api;
  const pool = system.services.database.pool;
  const lags: number[] = [];
  const commands: number[] = [];
  try {
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now();
      const { job } = await jobCommands.create(
        { tenant: "bench", actor: "system:bench", correlationId: `lag-${i}` },
        {
          name: `lag ${i}`,
          request: { method: "GET", url: "https://example.com/" },
          schedule: { type: "rate", everySeconds: 3600 },
        },
      );
      commands.push(performance.now() - started);
      for (;;) {
        const { rowCount } = await pool.query("SELECT 1 FROM jobs WHERE tenant = 'bench' AND job_id = $1", [
          job.id,
        ]);
        if (rowCount) break;
        await new Promise((r) => setTimeout(r, 1));
      }
      lags.push(performance.now() - started);
    }
  } finally {
    await system.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  lags.sort((a, b) => a - b);
  commands.sort((a, b) => a - b);
  printTable(`Append → Postgres row, ${SAMPLES} jobs, ${system.services.database.kind}`, [
    {
      measure: "end-to-end lag (ms)",
      p50: round(percentile(lags, 50)),
      p99: round(percentile(lags, 99)),
      max: round(lags[lags.length - 1] ?? 0),
    },
    {
      measure: "command alone (baseline, ms)",
      p50: round(percentile(commands, 50)),
      p99: round(percentile(commands, 99)),
      max: round(commands[commands.length - 1] ?? 0),
    },
  ]);
}
