/**
 * `jobledger replay --projection postgres [--tenant t] [--dry-run]`: rebuilds a read model
 * from the event store into a fresh copy (Postgres: the shadow schema `<schema>_rebuild`)
 * while the live one keeps serving, with a progress bar (events/s, ETA); resumable (run the
 * same command again after an interruption); reports what differed between the old and the
 * new copy; then switches atomically (not with --dry-run). Postgres needs DATABASE_URL (a
 * PostgreSQL server); redis rebuilds under `<prefix>_rebuild` and RENAMEs per tenant; lake
 * rebuilds into a fresh prefix and the switch is setting JOBLEDGER_LAKE_PREFIX (docs/audit.md).
 * Opens the event store like `export`.
 */
import { rm } from "node:fs/promises";
import { createLakeObjectStore } from "@jobledger/core/adapters/lake/from-config";
import { createLakeRebuildTarget } from "@jobledger/core/adapters/lake/rebuild-target";
import { openDatabase } from "@jobledger/core/adapters/postgres/database";
import { readModelTenants } from "@jobledger/core/adapters/postgres/rebuild-read-model-rows";
import { createPostgresRebuildTarget } from "@jobledger/core/adapters/postgres/rebuild-target";
import { connectRedis, type RedisClient } from "@jobledger/core/adapters/redis/connection";
import { createRedisRebuildTarget } from "@jobledger/core/adapters/redis/rebuild-target";
import { type RebuildResult, rebuild } from "@jobledger/core/application/rebuild/rebuild";
import type { RebuildTarget } from "@jobledger/core/application/rebuild/target";
import { loadConfig } from "@jobledger/core/config";
import { createLogger } from "@jobledger/core/logging";
import type { ObjectStore } from "@jobledger/core/ports/object-store";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { CliError } from "../program.ts";
import { type EventStoreAccess, openEventStore } from "./export.ts";

export interface ReplayOptions {
  projection: string;
  tenant?: string;
  schema: string;
  dryRun?: boolean;
  progress?: boolean;
  /** lake only: the fresh prefix to rebuild into */
  lakePrefix?: string;
}

export async function runReplay(
  options: ReplayOptions,
  env: Record<string, string | undefined> = process.env,
  signal?: AbortSignal,
): Promise<RebuildResult> {
  if (options.projection === "redis" || options.projection === "lake") {
    return runOtherReplay({ ...options, projection: options.projection }, env, signal);
  }
  if (options.projection !== "postgres") {
    throw new CliError(`--projection ${options.projection} is unknown (postgres, redis, lake)`);
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
    return await rebuildWithProgress(access, target, tenants, options, signal);
  } finally {
    await access.close();
  }
}

/** Runs the rebuild with the progress bar (on a terminal), then closes the target. */
async function rebuildWithProgress(
  access: EventStoreAccess,
  target: RebuildTarget,
  tenants: string[],
  options: ReplayOptions,
  signal?: AbortSignal,
): Promise<RebuildResult> {
  const bar =
    options.progress === false
      ? null
      : new cliProgress.SingleBar(
          {
            format: "replay {bar} {value}/{total} events | {rate} events/s | ETA {eta_formatted} | {tenant}",
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
}

/** the shadow lake prefix: --lake-prefix, else `<live>-rebuild/` (`rebuild/` for the root) */
export function shadowLakePrefix(live: string, chosen?: string): string {
  const trimmed = live.replace(/\/+$/, "");
  const prefix = chosen ?? `${trimmed ? `${trimmed}-` : ""}rebuild/`;
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/.test(prefix) || prefix.split("/").includes("..")) {
    throw new CliError(`--lake-prefix ${prefix}: use letters, digits, . _ - and / only`);
  }
  if (prefix.replace(/\/+$/, "") === trimmed)
    throw new CliError("--lake-prefix must differ from JOBLEDGER_LAKE_PREFIX");
  return prefix.endsWith("/") ? prefix : `${prefix}/`;
}

/** `--projection redis|lake`: the Redis key-prefix and lake-prefix targets. */
async function runOtherReplay(
  options: ReplayOptions & { projection: "redis" | "lake" },
  env: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<RebuildResult> {
  const config = loadConfig(env);
  let redis: RedisClient | null = null;
  let target: RebuildTarget;
  let tenants: string[];
  if (options.projection === "redis") {
    if (!config.redis.url) throw new CliError("replay --projection redis needs REDIS_URL (it is off)");
    const connected = await connectRedis(config.redis.url);
    if ("error" in connected)
      throw new CliError(`cannot reach Redis at ${config.redis.url}: ${connected.error}`);
    redis = connected.client;
    tenants = options.tenant ? [options.tenant] : await redisTenants(redis, config.redis.keyPrefix);
  } else {
    const live = createLakeObjectStore(config);
    tenants = options.tenant ? [options.tenant] : await lakeTenants(live);
  }
  const access = await openEventStore(env);
  try {
    if (!options.tenant) tenants = [...new Set([access.config.defaultTenant, ...tenants])];
    if (redis) {
      target = createRedisRebuildTarget({
        redis,
        livePrefix: config.redis.keyPrefix,
        eventStore: access.store,
        logger: createLogger("replay", "warn"),
      });
    } else {
      const prefix = shadowLakePrefix(config.lake.prefix, options.lakePrefix);
      const shadow = createLakeObjectStore(config, prefix);
      target = createLakeRebuildTarget({
        live: createLakeObjectStore(config),
        shadow,
        eventStore: access.store,
        // a local folder can be emptied; an S3 prefix must start empty (see docs/audit.md)
        clearShadow: config.lake.bucket
          ? undefined
          : () => rm(shadow.location, { recursive: true, force: true }),
      });
      if (!options.dryRun && options.progress !== false) {
        process.stderr.write(`replay: rebuilding the lake into ${shadow.location}\n`);
      }
    }
    return await rebuildWithProgress(access, target, tenants, options, signal);
  } finally {
    redis?.disconnect();
    await access.close();
  }
}

/** tenants with a live Redis copy: the `<prefix>:{tenant}:versions` hashes */
async function redisTenants(redis: RedisClient, prefix: string): Promise<string[]> {
  const glob = prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
  const found = new Set<string>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${glob}:{*}:versions`, "COUNT", 500);
    for (const key of keys) {
      const tenant = /^.*:\{([^}]*)\}:versions$/.exec(key)?.[1];
      if (tenant) found.add(tenant);
    }
    cursor = next;
  } while (cursor !== "0");
  return [...found].sort();
}

/** tenants with objects in the live lake */
async function lakeTenants(live: ObjectStore): Promise<string[]> {
  const found = new Set<string>();
  for (const key of [...(await live.list("events/")), ...(await live.list("runs/"))]) {
    const tenant = /^[a-z]+\/tenant=([^/]+)\//.exec(key)?.[1];
    if (tenant) found.add(tenant);
  }
  return [...found].sort();
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
    .requiredOption(
      "--projection <name>",
      "postgres, redis (key prefix <prefix>_rebuild) or lake (a fresh prefix)",
    )
    .option("--tenant <tenant>", "only this tenant (others are carried over unchanged)")
    .option("--schema <schema>", "the live read model's schema", "public")
    .option(
      "--lake-prefix <prefix>",
      "lake only: the fresh prefix to rebuild into (default <JOBLEDGER_LAKE_PREFIX>-rebuild/)",
    )
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
        if (result.status === "switched" && options.projection === "lake") {
          const live = loadConfig(process.env).lake.prefix;
          process.stdout.write(
            `the lake copy is complete: set JOBLEDGER_LAKE_PREFIX=${shadowLakePrefix(live, options.lakePrefix)} and restart; ` +
              `then run JOBLEDGER_LAKE_PREFIX=${live || '""'} jobledger replay --projection lake --lake-prefix ${shadowLakePrefix(live, options.lakePrefix)} ` +
              "once more to add what the old lake received meanwhile\n",
          );
        }
      } finally {
        process.off("SIGINT", stop);
      }
    });
}
