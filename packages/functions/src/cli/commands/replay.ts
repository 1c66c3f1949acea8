/**
 * `jobledger replay --projection postgres [--tenant t] [--dry-run]`: rebuilds a read model
 * from the event store into a fresh copy (Postgres: the shadow schema `<schema>_rebuild`)
 * while the live one keeps serving, with a progress bar (events/s, ETA); resumable (run the
 * same command again after an interruption); reports what differed between the old and the
 * new copy; then switches atomically (not with --dry-run). Redis and lake targets are not
 * wired yet. Needs DATABASE_URL (a PostgreSQL server) and opens the event store like `export`.
 */
import { openDatabase } from "@jobledger/core/adapters/postgres/database";
import { readModelTenants } from "@jobledger/core/adapters/postgres/rebuild-read-model-rows";
import { createPostgresRebuildTarget } from "@jobledger/core/adapters/postgres/rebuild-target";
import { type RebuildResult, rebuild } from "@jobledger/core/application/rebuild/rebuild";
import { createLogger } from "@jobledger/core/logging";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { CliError } from "../program.ts";
import { openEventStore } from "./export.ts";

export interface ReplayOptions {
  projection: string;
  tenant?: string;
  schema: string;
  dryRun?: boolean;
  progress?: boolean;
}

export async function runReplay(
  options: ReplayOptions,
  env: Record<string, string | undefined> = process.env,
  signal?: AbortSignal,
): Promise<RebuildResult> {
  if (options.projection !== "postgres") {
    throw new CliError(`--projection ${options.projection} is not available yet (postgres is)`);
  }
  const url = env.DATABASE_URL;
  if (!url) {
    throw new CliError(
      "replay needs DATABASE_URL (a PostgreSQL server): the embedded PGlite cannot hold a shadow copy beside a running system",
    );
  }
  const access = await openEventStore(env);
  const logger = createLogger("replay", "warn");
  try {
    let tenants: string[];
    if (options.tenant) tenants = [options.tenant];
    else {
      const db = await openDatabase({ url, schema: options.schema, logger });
      try {
        tenants = [...new Set([access.config.defaultTenant, ...(await readModelTenants(db.pool))])];
      } finally {
        await db.close();
      }
    }
    const target = createPostgresRebuildTarget({
      url,
      liveSchema: options.schema,
      eventStore: access.store,
      logger,
    });
    const bar =
      options.progress === false
        ? null
        : new cliProgress.SingleBar(
            {
              format:
                "replay {bar} {value}/{total} events | {rate} events/s | ETA {eta_formatted} | {tenant}",
            },
            cliProgress.Presets.shades_classic,
          );
    const started = performance.now();
    try {
      return await rebuild(access.store, target, {
        tenants,
        dryRun: options.dryRun,
        signal,
        onProgress: (p) => {
          if (!bar) return;
          const rate = Math.round(p.events / ((performance.now() - started) / 1000 || 1));
          if (!bar.isActive)
            bar.start(Math.max(p.total ?? p.events, p.events), p.events, { rate, tenant: p.tenant });
          bar.setTotal(Math.max(p.total ?? p.events, p.events));
          bar.update(p.events, { rate, tenant: p.tenant });
        },
      });
    } finally {
      bar?.stop();
      await target.close();
    }
  } finally {
    await access.close();
  }
}

export function formatResult(result: RebuildResult): string {
  const lines = [
    `replay ${result.status}: ${result.events} events${result.resumedFrom ? ` (resumed after ${result.resumedFrom})` : ""}`,
  ];
  for (const part of result.comparison?.parts ?? []) {
    const same = part.onlyInLive === 0 && part.onlyInRebuilt === 0;
    lines.push(
      same
        ? `  ${part.name}: same`
        : `  ${part.name}: ${part.onlyInLive} rows only/different in the old copy, ${part.onlyInRebuilt} in the new (e.g. ${part.samples.join(", ")})`,
    );
  }
  return lines.join("\n");
}

export function register(program: Command): void {
  program
    .command("replay")
    .description(
      "rebuild a read model from the event store into a fresh copy, report differences, switch atomically",
    )
    .requiredOption("--projection <name>", "postgres (redis and lake: not yet)")
    .option("--tenant <tenant>", "only this tenant (others are carried over unchanged)")
    .option("--schema <schema>", "the live read model's schema", "public")
    .option("--dry-run", "rebuild and compare, then drop the copy instead of switching")
    .action(async (options: ReplayOptions) => {
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once("SIGINT", stop);
      try {
        const result = await runReplay(
          { ...options, progress: process.stderr.isTTY },
          process.env,
          abort.signal,
        );
        process.stdout.write(`${formatResult(result)}\n`);
        if (result.status === "interrupted") process.stdout.write("run the same command again to resume\n");
      } finally {
        process.off("SIGINT", stop);
      }
    });
}
