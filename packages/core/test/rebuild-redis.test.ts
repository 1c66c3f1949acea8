/**
 * Rebuilding the Redis live read model under a shadow key prefix (machine Redis, a unique
 * prefix per test): after a small workload the rebuilt keys equal the live ones, a dry run
 * leaves the live keys untouched and drops the shadow copy, and the switch renames the keys.
 */
import { randomUUID } from "node:crypto";
import type { DecodedEvent, NewEvent } from "@jobledger/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import type { RedisClient } from "../src/adapters/redis/connection.ts";
import { createRedisProjector } from "../src/adapters/redis/projector.ts";
import { contentOf, createRedisRebuildTarget, keysOf } from "../src/adapters/redis/rebuild-target.ts";
import { rebuild } from "../src/application/rebuild/rebuild.ts";
import { ManualClock } from "../src/ports/clock.ts";
import { liveKeys } from "../src/projections/live-status-keys.ts";
import { RunEvents, runStreamIdOf } from "./projector-runs.support.ts";
import { jobDefinition } from "./support/events.ts";
import { jobStreamId, newEvent } from "./support/postgres.ts";
import { connectTestRedis } from "./support/redis.ts";
import { type TestDynamo, withDynalite } from "./support/standins.ts";

const START = new Date(Date.UTC(2026, 10, 23, 12, 0));
const clock = new ManualClock(new Date(START.getTime() + 30 * 60_000));

let dynamo: TestDynamo;
let store: DynamoEventStore;
let redis: RedisClient;
const prefixes: string[] = [];

beforeAll(async () => {
  dynamo = await withDynalite();
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: await dynamo.newEventsTable() });
  redis = await connectTestRedis();
});

afterAll(async () => {
  for (const prefix of prefixes) {
    for (const p of [prefix, `${prefix}_rebuild`, `${prefix}_old`]) {
      const found = await redis.keys(`${p}:*`);
      if (found.length > 0) await redis.del(...found);
    }
  }
  redis?.disconnect();
  await dynamo?.close();
});

async function appendEach(streamId: string, events: NewEvent[]): Promise<DecodedEvent[]> {
  const stored: DecodedEvent[] = [];
  let version = 0;
  for (const event of events) {
    const result = await store.append(streamId, version, [event]);
    stored.push(...result.events);
    version = result.version;
  }
  return stored;
}

/** A job with a finished run and a run still in flight, projected into the live prefix. */
async function workload(prefix: string, tenant: string): Promise<void> {
  const jobId = randomUUID();
  const events = await appendEach(jobStreamId(tenant, jobId), [
    newEvent(tenant, "JobCreated", { definition: jobDefinition({ name: "rebuilt" }) }, { at: START }),
  ]);
  const a = new RunEvents(tenant, jobId, new Date(START.getTime() + 60_000));
  a.queued(1, "manual").started(1).succeeded(1).add("RunSucceeded", { attempts: 1 });
  const b = new RunEvents(tenant, jobId, new Date(START.getTime() + 10 * 60_000));
  b.queued(1, "manual").started(1).failed(1).retryScheduled(2).queued(2, "retry").started(2);
  events.push(...(await appendEach(runStreamIdOf(tenant, randomUUID()), a.events)));
  events.push(...(await appendEach(runStreamIdOf(tenant, randomUUID()), b.events)));
  const projector = createRedisProjector({ redis, keys: liveKeys(prefix), eventStore: store, clock });
  await projector.handle(events);
}

/** every key of the tenant under the prefix (prefix cut off) → its contents */
async function snapshot(prefix: string, tenant: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await keysOf(redis, prefix, tenant)) {
    out[key.slice(prefix.length)] = await contentOf(redis, key);
  }
  return out;
}

function newPrefix(): string {
  const prefix = `jlrb:${randomUUID()}`;
  prefixes.push(prefix);
  return prefix;
}

describe("redis rebuild target", () => {
  it("a dry run rebuilds a copy equal to the live keys, then drops it and leaves the live keys alone", async () => {
    const prefix = newPrefix();
    const tenant = `rb_${randomUUID().slice(0, 8)}`;
    await workload(prefix, tenant);
    const before = await snapshot(prefix, tenant);
    expect(Object.keys(before).length).toBeGreaterThan(5);

    const target = createRedisRebuildTarget({ redis, livePrefix: prefix, eventStore: store, clock });
    const result = await rebuild(store, target, { tenants: [tenant], dryRun: true, pageSize: 2 });
    await target.close();

    expect(result.status).toBe("dry-run");
    expect(result.events).toBeGreaterThanOrEqual(12);
    const parts = result.comparison?.parts ?? [];
    expect(parts.map((p) => p.name)).toEqual(
      expect.arrayContaining(["redis job", "redis run", "redis feed"]),
    );
    for (const part of parts) expect(part, part.name).toMatchObject({ onlyInLive: 0, onlyInRebuilt: 0 });
    expect(await snapshot(prefix, tenant)).toEqual(before);
    expect(await keysOf(redis, `${prefix}_rebuild`, tenant)).toEqual([]);
  });

  it("finds a damaged live copy different, and the switch renames the rebuilt keys into place", async () => {
    const prefix = newPrefix();
    const tenant = `rb_${randomUUID().slice(0, 8)}`;
    const other = `rb_${randomUUID().slice(0, 8)}`;
    await workload(prefix, tenant);
    await workload(prefix, other);
    const good = await snapshot(prefix, tenant);
    const otherBefore = await snapshot(prefix, other);
    // damage: a run dropped from the running set, a job's status overwritten
    await redis.del(liveKeys(prefix).running(tenant));
    const jobKey = (await keysOf(redis, prefix, tenant)).find((k) => /:job:[^:]+$/.test(k)) ?? "";
    await redis.hset(jobKey, "status", "paused");

    const target = createRedisRebuildTarget({ redis, livePrefix: prefix, eventStore: store, clock });
    const result = await rebuild(store, target, { tenants: [tenant], pageSize: 3 });
    await target.close();

    expect(result.status).toBe("switched");
    const byName = Object.fromEntries((result.comparison?.parts ?? []).map((p) => [p.name, p]));
    expect(byName["redis running"]).toMatchObject({ onlyInLive: 0, onlyInRebuilt: 1 });
    expect(byName["redis job"]).toMatchObject({ onlyInLive: 1, onlyInRebuilt: 1 });
    expect(await snapshot(prefix, tenant)).toEqual(good);
    expect(await snapshot(prefix, other)).toEqual(otherBefore);
    expect(await keysOf(redis, `${prefix}_rebuild`, tenant)).toEqual([]);
    // the damaged copy is kept aside
    expect(await redis.hget(`${prefix}_old${jobKey.slice(prefix.length)}`, "status")).toBe("paused");
  });

  it("as of a time: the keys as they were then (run b not yet queued), kept under the shadow prefix for inspection", async () => {
    const prefix = newPrefix();
    const tenant = `rb_${randomUUID().slice(0, 8)}`;
    await workload(prefix, tenant);
    const before = await snapshot(prefix, tenant);
    const to = new Date(START.getTime() + 5 * 60_000);

    const target = createRedisRebuildTarget({ redis, livePrefix: prefix, eventStore: store, clock });
    await expect(rebuild(store, target, { tenants: [tenant], range: { to } })).rejects.toThrow(
      /cannot be switched live; add --dry-run/,
    );
    const result = await rebuild(store, target, {
      tenants: [tenant],
      dryRun: true,
      keep: true,
      range: { to },
    });
    await target.close();
    expect(result.kept).toBe(`key prefix ${prefix}_rebuild`);
    const byName = Object.fromEntries((result.comparison?.parts ?? []).map((p) => [p.name, p]));
    // run b (queued at +10 min) exists only now; it is in flight now, not then
    expect(byName["redis run"]).toMatchObject({ onlyInLive: 1, onlyInRebuilt: 0 });
    expect(byName["redis running"]).toMatchObject({ onlyInLive: 1, onlyInRebuilt: 0 });
    const asOf = await snapshot(`${prefix}_rebuild`, tenant);
    const runs = (keys: Record<string, string>) => Object.keys(keys).filter((k) => /:run:[^:]+$/.test(k));
    expect(runs(asOf)).toHaveLength(1);
    expect(runs(before)).toHaveLength(2);
    expect(await snapshot(prefix, tenant)).toEqual(before);

    // the same range again, without keep: resumed, compared, dropped
    const again = createRedisRebuildTarget({ redis, livePrefix: prefix, eventStore: store, clock });
    const second = await rebuild(store, again, { tenants: [tenant], dryRun: true, range: { to } });
    await again.close();
    expect(second.resumedFrom).toBeGreaterThan(0);
    expect(await keysOf(redis, `${prefix}_rebuild`, tenant)).toEqual([]);
  });
});
