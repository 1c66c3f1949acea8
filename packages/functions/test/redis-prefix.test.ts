/**
 * Two local systems on one machine share the machine's Redis (issue 16, item 15): each one's
 * default key prefix names its data folder, so `replay --projection redis --dry-run` of one
 * never sees (or would replace) the other's keys. On AWS, and when JOBLEDGER_REDIS_PREFIX is
 * set, the prefix stays as configured.
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
import { loadConfig } from "@jobledger/core/config";
import { liveKeys } from "@jobledger/core/projections/live-status-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEvents } from "../../core/test/lake-support.ts";
import { connectTestRedis, TEST_REDIS_URL } from "../../core/test/support/redis.ts";
import { type TestDynamo, withDynalite } from "../../core/test/support/standins.ts";

const BIN = path.resolve(import.meta.dirname, "../bin/jobledger.js");
// a stage of its own (with the local change feed), so no running local system's keys are touched
const STAGE = `rp${randomUUID().slice(0, 8)}`;
const run = promisify(execFile);
let dynamo: TestDynamo;
let redis: RedisClient;
const dirs: string[] = [];
const prefixes: string[] = [];
const envs: NodeJS.ProcessEnv[] = [];

describe("Redis key prefix", () => {
  it("differs between data folders locally, and is the stage's on AWS or when set", () => {
    const a = loadConfig({ JOBLEDGER_DATA_DIR: "/tmp/jl-a" }).redis.keyPrefix;
    const b = loadConfig({ JOBLEDGER_DATA_DIR: "/tmp/jl-b" }).redis.keyPrefix;
    expect(a).toMatch(/^jobledger:local:[0-9a-f]{10}$/);
    expect(b).toMatch(/^jobledger:local:[0-9a-f]{10}$/);
    expect(a).not.toBe(b);
    expect(prefixes[0]).not.toBe(prefixes[1]);
    // the same folder, however it is written, is the same system
    expect(loadConfig({ JOBLEDGER_DATA_DIR: "/tmp/jl-a/../jl-a/" }).redis.keyPrefix).toBe(a);
    expect(loadConfig({ JOBLEDGER_STAGE: "prod", JOBLEDGER_DATA_DIR: "/tmp/jl-a" }).redis.keyPrefix).toBe(
      "jobledger:prod",
    );
    expect(
      loadConfig({ JOBLEDGER_DATA_DIR: "/tmp/jl-a", JOBLEDGER_REDIS_PREFIX: "mine" }).redis.keyPrefix,
    ).toBe("mine");
  });
});

beforeAll(async () => {
  dynamo = await withDynalite();
  redis = await connectTestRedis();
  const at = new Date("2026-11-20T08:00:00Z");
  // two systems, same stage and tenant, different data folders and event stores
  for (const name of ["a", "b"]) {
    const dir = await mkdtemp(path.join(os.tmpdir(), `redis-prefix-${name}-`));
    dirs.push(dir);
    const table = await dynamo.newEventsTable(`redis-prefix-${name}`);
    const store = new DynamoEventStore({ doc: dynamo.doc, tableName: table });
    const result = await store.append(
      `default/run/${name}1`,
      0,
      runEvents({ tenant: "default", jobId: `job-${name}`, at, outcomes: [200] }),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      JOBLEDGER_STAGE: STAGE,
      JOBLEDGER_CHANGE_FEED: "relay",
      JOBLEDGER_REDIS_PREFIX: "",
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      JOBLEDGER_EVENTS_TABLE: table,
      JOBLEDGER_DATA_DIR: dir,
      JOBLEDGER_DEFAULT_TENANT: "default",
      REDIS_URL: TEST_REDIS_URL,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      LOG_LEVEL: "warn",
    };
    delete env.JOBLEDGER_REDIS_PREFIX;
    envs.push(env);
    const prefix = loadConfig(env).redis.keyPrefix;
    prefixes.push(prefix);
    await createRedisProjector({
      redis,
      keys: liveKeys(prefix),
      eventStore: store,
      clock: { now: () => new Date() },
    }).handle(result.events);
  }
}, 30_000);

afterAll(async () => {
  const found = await redis.keys(`jobledger:${STAGE}*`);
  if (found.length > 0) await redis.del(...found);
  redis?.disconnect();
  await dynamo?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("replay --projection redis beside another local system", () => {
  it("a dry run of one system finds its own keys the same and none of the other's", async () => {
    const { stdout } = await run("node", [BIN, "replay", "--projection", "redis", "--dry-run"], {
      env: envs[0],
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^replay dry-run: \d+ events/);
    expect(stdout).toMatch(/redis run: same/);
    expect(stdout).not.toMatch(/only\/different/);
    // the other system's keys are still there, untouched
    expect((await redis.keys(`${prefixes[1]}:*`)).length).toBeGreaterThan(0);
  }, 90_000);
});
