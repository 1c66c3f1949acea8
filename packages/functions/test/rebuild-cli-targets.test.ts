/**
 * `jobledger replay --projection redis|lake` as a user runs it (child processes, dynalite, the
 * machine's Redis under a unique key prefix, a temporary lake folder): a dry run reports every
 * part the same and leaves the live copy; a real run switches (Redis) or says how to (lake).
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import type { RedisClient } from "@jobledger/core/adapters/redis/connection";
import { createRedisProjector } from "@jobledger/core/adapters/redis/projector";
import { liveKeys } from "@jobledger/core/projections/live-status-keys";
import type { DecodedEvent } from "@jobledger/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEvents } from "../../core/test/lake-support.ts";
import { connectTestRedis, TEST_REDIS_URL } from "../../core/test/support/redis.ts";
import { type TestDynamo, withDynalite } from "../../core/test/support/standins.ts";

const BIN = path.resolve(import.meta.dirname, "../bin/jobledger.js");
const PREFIX = `jlrbcli:${randomUUID()}`;
const run = promisify(execFile);
let dynamo: TestDynamo;
let redis: RedisClient;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dynamo = await withDynalite();
  const table = await dynamo.newEventsTable("rebuild-cli");
  const store = new DynamoEventStore({ doc: dynamo.doc, tableName: table });
  const at = new Date("2026-11-20T08:00:00Z");
  const events: DecodedEvent[] = [];
  for (const [stream, tenant, outcomes] of [
    ["rca/run/a1", "rca", [200]],
    ["rca/run/a2", "rca", [500, 500]],
    ["rcb/run/b1", "rcb", [200]],
  ] as const) {
    const result = await store.append(
      stream,
      0,
      runEvents({ tenant, jobId: "job-1", at, outcomes: [...outcomes] }),
    );
    events.push(...result.events);
  }
  redis = await connectTestRedis();
  await createRedisProjector({
    redis,
    keys: liveKeys(PREFIX),
    eventStore: store,
    clock: { now: () => new Date() },
  }).handle(events);
  dir = await mkdtemp(path.join(os.tmpdir(), "rebuild-cli-"));
  env = {
    ...process.env,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    JOBLEDGER_EVENTS_TABLE: table,
    JOBLEDGER_DATA_DIR: dir,
    JOBLEDGER_LAKE_DIR: path.join(dir, "lake"),
    JOBLEDGER_REDIS_PREFIX: PREFIX,
    JOBLEDGER_DEFAULT_TENANT: "rca",
    REDIS_URL: TEST_REDIS_URL,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    LOG_LEVEL: "warn",
  };
}, 30_000);

afterAll(async () => {
  for (const p of [PREFIX, `${PREFIX}_rebuild`, `${PREFIX}_old`]) {
    const found = await redis.keys(`${p}:*`);
    if (found.length > 0) await redis.del(...found);
  }
  redis?.disconnect();
  await dynamo?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => run("node", [BIN, ...args], { env, timeout: 60_000 });

describe("replay CLI: redis and lake", () => {
  it("rebuilds the Redis keys: a dry run finds them the same, the switch moves them into place", async () => {
    const before = (await redis.keys(`${PREFIX}:*`)).sort();
    const dry = await cli("replay", "--projection", "redis", "--dry-run");
    expect(dry.stdout).toMatch(/^replay dry-run: \d+ events/);
    expect(dry.stdout).toMatch(/redis run: same/);
    expect(dry.stdout).toMatch(/redis feed: same/);
    expect(dry.stdout).not.toMatch(/only\/different/);
    expect((await redis.keys(`${PREFIX}_rebuild:*`)).length).toBe(0);

    await redis.del(liveKeys(PREFIX).feed("rcb"));
    const real = await cli("replay", "--projection", "redis", "--tenant", "rcb");
    expect(real.stdout).toMatch(/^replay switched: \d+ events/);
    expect(real.stdout).toMatch(/redis feed: 0 rows only\/different in the old copy, 1 in the new/);
    expect((await redis.keys(`${PREFIX}:*`)).sort()).toEqual(before);
    expect(await redis.xlen(liveKeys(PREFIX).feed("rcb"))).toBe(4);
  }, 90_000);

  it("rebuilds the lake into a fresh prefix and says how to switch", async () => {
    await cli("lake:backfill", "--tenant", "rca", "rcb", "--no-progress");
    const dry = await cli("replay", "--projection", "lake", "--dry-run");
    expect(dry.stdout).toMatch(/lake events: same/);
    expect(dry.stdout).toMatch(/lake runs: same/);

    const real = await cli("replay", "--projection", "lake", "--lake-prefix", "fresh");
    expect(real.stdout).toMatch(/^replay switched: \d+ events/);
    expect(real.stdout).toMatch(/set JOBLEDGER_LAKE_PREFIX=fresh\/ and restart/);
    const { stdout } = await run("node", [BIN, "sql", "SELECT count(*) AS n FROM runs"], {
      env: { ...env, JOBLEDGER_LAKE_PREFIX: "fresh/" },
    });
    expect(stdout).toMatch(/\b3\b/);
  }, 90_000);
});
