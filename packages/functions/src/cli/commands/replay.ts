/**
 * `jobledger replay --projection postgres [--tenant t] [--dry-run]`: rebuilds a read model
 * from the event store into a fresh copy (Postgres: the shadow schema `<schema>_rebuild`)
 * while the live one keeps serving, with a progress bar (events/s, ETA); resumable (run the
 * same command again after an interruption); reports what differed between the old and the
 * new copy; then switches atomically (not with --dry-run). Postgres is DATABASE_URL's server,
 * or the data folder's embedded PGlite with the local system stopped; redis rebuilds under `<prefix>_rebuild` and RENAMEs per tenant; lake
 * rebuilds into a fresh prefix and the switch is setting JOBLEDGER_LAKE_PREFIX (docs/audit.md).
 * Opens the event store like `export`.
 *
 * Time ranges (docs/audit.md, "Time ranges"): `--to <instant> --dry-run` builds the copy as of
 * then and lists what changed since; `--from <instant>` (postgres) repairs only the streams
 * committed to since then; `--keep` leaves a dry run's copy in place. Every option is checked
 * before anything is opened, so a bad one writes nothing.
 */
import { rm } from "node:fs/promises";
import { createLakeObjectStore } from "@jobledger/core/adapters/lake/from-config";
import { createLakeRebuildTarget } from "@jobledger/core/adapters/lake/rebuild-target";
import { type OpenDatabaseOptions, openDatabase } from "@jobledger/core/adapters/postgres/database";
import { FolderLocked } from "@jobledger/core/adapters/postgres/folder-lock";
import { migrate } from "@jobledger/core/adapters/postgres/migrate";
import { readModelTenants } from "@jobledger/core/adapters/postgres/rebuild-read-model-rows";
import { createPostgresRebuildTarget } from "@jobledger/core/adapters/postgres/rebuild-target";
import { connectRedis, type RedisClient } from "@jobledger/core/adapters/redis/connection";
import { createRedisRebuildTarget } from "@jobledger/core/adapters/redis/rebuild-target";
import {
  describeRange,
  InvalidRebuildRange,
  RebuildCopyMismatch,
  RebuildNotSupported,
  type RebuildResult,
  rebuild,
} from "@jobledger/core/application/rebuild/rebuild";
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
  /** repair: only streams with a commit at or after this ISO instant are rebuilt (postgres) */
  from?: string;
  /** as of: only events that occurred at or before this ISO instant (with --dry-run) */
  to?: string;
  /** with --dry-run: leave the copy in place and say where */
  keep?: boolean;
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/i;

/** An ISO 8601 instant with its time zone (`Z` or an offset); anything else is a CliError. */
export function parseInstant(option: string, value: string): Date {
  const bad = () =>
    new CliError(
      `--${option} "${value}" is not an ISO 8601 instant with a time zone (e.g. 2026-11-23T12:00:00Z or 2026-11-23T13:00:00+01:00)`,
    );
  const m = ISO_INSTANT.exec(value.trim());
  if (!m) throw bad();
  const [year, month, day, hour, minute, second = "0", fraction = "0", zulu, sign, offH = "0", offM = "0"] =
    m.slice(1);
  const n = (text: string | undefined) => Number(text ?? "0");
  const ms = Math.floor(Number(`0.${fraction}`) * 1000);
  const utc = Date.UTC(n(year), n(month) - 1, n(day), n(hour), n(minute), n(second), ms);
  const date = new Date(utc);
  // Date.UTC rolls 2026-02-30 over to March: a date that does not round-trip does not exist
  if (
    date.getUTCFullYear() !== n(year) ||
    date.getUTCMonth() !== n(month) - 1 ||
    date.getUTCDate() !== n(day) ||
    n(hour) > 23 ||
    n(minute) > 59 ||
    n(second) > 59 ||
    n(offH) > 23 ||
    n(offM) > 59
  ) {
    throw bad();
  }
  const offset = zulu ? 0 : (sign === "-" ? -1 : 1) * (n(offH) * 60 + n(offM)) * 60_000;
  return new Date(utc - offset);
}

/** The checked range of a replay: nothing is opened or written before this passes. */
export function replayRange(options: ReplayOptions): { from: Date | null; to: Date | null } {
  const from = options.from === undefined ? null : parseInstant("from", options.from);
  const to = options.to === undefined ? null : parseInstant("to", options.to);
  if (from && to && from.getTime() >= to.getTime()) {
    throw new CliError(`--from ${options.from} must be before --to ${options.to}`);
  }
  if (to && !options.dryRun) {
    throw new CliError(
      `a read model as of ${to.toISOString()} cannot be switched live; add --dry-run to see what differs`,
    );
  }
  if (options.keep && !options.dryRun) {
    throw new CliError("--keep leaves the copy of a dry run in place: add --dry-run");
  }
  if (from && options.projection !== "postgres" && KNOWN.includes(options.projection)) {
    throw new CliError(
      `--from (repair) is supported for --projection postgres only: ${options.projection} cannot take one stream's share out of its ` +
        "copy (rebuild it whole, or compare an older state with --to and --dry-run)",
    );
  }
  return { from, to };
}

const KNOWN = ["postgres", "redis", "lake"];

export async function runReplay(
  options: ReplayOptions,
  env: Record<string, string | undefined> = process.env,
  signal?: AbortSignal,
): Promise<RebuildResult> {
  if (!KNOWN.includes(options.projection)) {
    throw new CliError(`--projection ${options.projection} is unknown (postgres, redis, lake)`);
  }
  replayRange(options);
  if (options.projection === "redis" || options.projection === "lake") {
    return runOtherReplay({ ...options, projection: options.projection }, env, signal);
  }
  const url = env.DATABASE_URL || undefined;
  // without DATABASE_URL the read model is the data folder's embedded PGlite: one process may
  // open it, so the rebuild runs with the local system stopped (openEventStore says so)
  const access = await openEventStore(env, "replay");
  const pglitePath = url ? undefined : access.config.postgres.pglitePath;
  const logger = createLogger("replay", "warn");
  try {
    let tenants: string[];
    const db = await openReadModelOrSay({ url, pglitePath, schema: options.schema, logger });
    try {
      // a fresh database has no tables yet: create them, so the copy has a live side to compare with
      await migrate(db.pool);
      tenants = options.tenant
        ? [options.tenant]
        : [...new Set([access.config.defaultTenant, ...(await readModelTenants(db.pool))])];
    } finally {
      await db.close();
    }
    const target = createPostgresRebuildTarget({
      url,
      pglitePath,
      liveSchema: options.schema,
      eventStore: access.store,
      logger,
    });
    return await rebuildWithProgress(access, target, tenants, options, signal);
  } finally {
    await access.close();
  }
}

/** Opens the read model's database; a PGlite folder another process holds is a CliError. */
async function openReadModelOrSay(options: OpenDatabaseOptions) {
  try {
    return await openDatabase(options);
  } catch (error) {
    if (error instanceof FolderLocked) {
      throw new CliError(
        `the embedded Postgres in ${options.pglitePath} is open in another process (${error.message}): ` +
          "stop the local system first (Ctrl-C where npm start runs), or set DATABASE_URL to a PostgreSQL server",
      );
    }
    throw error;
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
      keep: options.keep,
      range: replayRange(options),
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
  } catch (error) {
    // what the user can fix (another unfinished copy, a range the projection cannot take)
    if (
      error instanceof RebuildCopyMismatch ||
      error instanceof InvalidRebuildRange ||
      error instanceof RebuildNotSupported
    ) {
      throw new CliError(error.message);
    }
    throw error;
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
  const { from, to } = result.range;
  const scope = [
    from ? `repairing the streams committed to since ${from}` : null,
    to ? `as of ${to}` : null,
  ].filter((s) => s !== null);
  const lines = [
    `replay ${result.status}${scope.length > 0 ? ` (${scope.join(", ")})` : ""}: ${result.events} events` +
      (result.resumedFrom ? ` (resumed after ${result.resumedFrom})` : "") +
      (from ? `, ${result.repairedStreams} streams folded again` : ""),
  ];
  // as of a time, the live copy is "now": what differs is what changed since
  const [older, newer] = to ? ["now (live)", `as of ${to}`] : ["in the old copy", "in the new"];
  if (to && result.comparison) lines.push(`  what changed since ${to} (live copy vs the copy as of then):`);
  for (const part of result.comparison?.parts ?? []) {
    const same = part.onlyInLive === 0 && part.onlyInRebuilt === 0;
    lines.push(
      same
        ? `  ${part.name}: same`
        : `  ${part.name}: ${part.onlyInLive} rows only/different ${older}, ${part.onlyInRebuilt} ${newer} (e.g. ${part.samples.join(", ")})`,
    );
  }
  if (result.kept) {
    lines.push(
      `the copy is kept in ${result.kept} (${describeRange(result.range)}); run the same command without --keep to drop it`,
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
    .option(
      "--to <instant>",
      "as of: the copy is the read model as it was at this ISO 8601 instant with zone (events that occurred at or before it); needs --dry-run, which then lists what changed since",
    )
    .option(
      "--from <instant>",
      "repair (postgres): only the streams with a commit at or after this ISO 8601 instant are rebuilt, each from its first event; the other rows are carried over from the live copy",
    )
    .option(
      "--keep",
      "with --dry-run: leave the copy (schema, key prefix or lake prefix) in place and print where",
    )
    .addHelpText(
      "after",
      `
Time ranges (instants are ISO 8601 with a zone, Z or +01:00; --from must be before --to):
  --to 2026-11-23T12:00:00Z --dry-run    the read model as it was then (per stream, the events up to
                                         its first one after it); the report lists what changed since.
                                         Never switched live; --keep leaves it for inspection
  --from 2026-11-23T09:00:00Z            repair (postgres): only the streams with a commit at or after
                                         it are rebuilt, each from its first event, over a copy of the
                                         live rows; then compared and switched as usual (or --dry-run)
  An interrupted run resumes only with the same range.`,
    )
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
