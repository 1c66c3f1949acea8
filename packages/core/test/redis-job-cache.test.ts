/**
 * The read-through job cache on the machine's Redis in front of the job queries on the
 * machine's Postgres: hits, invalidation by the Redis projector, and a Redis outage
 * (a closed port) that falls back to Postgres without failing.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobQueries } from "../src/adapters/postgres/job-queries.ts";
import { withTransaction } from "../src/adapters/postgres/transaction.ts";
import { createRedisClient, type RedisClient } from "../src/adapters/redis/connection.ts";
import { createCachedJobQueries } from "../src/adapters/redis/job-cache.ts";
import { createRedisProjector } from "../src/adapters/redis/projector.ts";
import { createLogger } from "../src/logging.ts";
import { systemClock } from "../src/ports/clock.ts";
import type { EventStore } from "../src/ports/event-store.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { liveKeys } from "../src/projections/live-status-keys.ts";
import { jobDefinition } from "./support/events.ts";
import { asDecoded, jobStreamId, newEvent, withPostgres } from "./support/postgres.ts";
import { connectTestRedis } from "./support/redis.ts";

const t = withPostgres();
const prefix = `jltest:${randomUUID()}`;
const keys = liveKeys(prefix);
const logger = createLogger("redis-cache-test", "silent");
let redis: RedisClient;
const noGaps: Pick<EventStore, "readStreamAll"> = {
  readStreamAll() {
    throw new Error("no gap expected: the versions here are contiguous");
  },
};

beforeAll(async () => {
  redis = await connectTestRedis();
});

afterAll(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length > 0) await redis.del(...found);
  redis?.disconnect();
});

async function seedJob(tenant: string, name: string) {
  const jobId = randomUUID();
  const events = asDecoded(jobStreamId(tenant, jobId), [
    newEvent(tenant, "JobCreated", { definition: jobDefinition({ name }) }, { at: new Date() }),
  ]);
  await withTransaction(t.pool, async (client) => {
    for (const event of events) await jobsProjection.apply(client, event);
  });
  return { jobId, events };
}

describe("read-through job cache", () => {
  it("serves a job from Redis once read, until a job event invalidates it", async () => {
    const tenant = `t-${randomUUID()}`;
    const { jobId, events } = await seedJob(tenant, "cached");
    const cached = createCachedJobQueries({
      inner: createJobQueries(t.pool),
      redis,
      keys,
      ttlSeconds: 60,
      logger,
    });

    expect((await cached.get(tenant, jobId))?.name).toBe("cached");
    expect(await redis.ttl(keys.cachedJob(tenant, jobId))).toBeGreaterThan(0);
    // a change Postgres knows of but the cache does not: the cache still answers
    await t.pool.query("UPDATE jobs SET name = 'renamed' WHERE tenant = $1 AND job_id = $2", [tenant, jobId]);
    const hit = await cached.get(tenant, jobId);
    expect(hit?.name).toBe("cached");
    expect(hit?.createdAt).toBeInstanceOf(Date);

    // the Redis projector applies the job's next event: the entry is gone, Postgres answers
    // contiguous versions: the projector never needs to fill a gap from an event store here
    const projector = createRedisProjector({ redis, keys, eventStore: noGaps, clock: systemClock });
    await projector.handle(events);
    const paused = asDecoded(
      jobStreamId(tenant, jobId),
      [newEvent(tenant, "JobPaused", { reason: null })],
      2,
    );
    await projector.handle(paused);
    expect(await redis.exists(keys.cachedJob(tenant, jobId))).toBe(0);
    expect((await cached.get(tenant, jobId))?.name).toBe("renamed");
  });

  it("caches the first page of a list per tenant and drops it on any job event", async () => {
    const tenant = `t-${randomUUID()}`;
    const { events } = await seedJob(tenant, "one");
    const cached = createCachedJobQueries({
      inner: createJobQueries(t.pool),
      redis,
      keys,
      ttlSeconds: 60,
      logger,
    });
    expect((await cached.list(tenant)).items.map((j) => j.name)).toEqual(["one"]);
    await seedJob(tenant, "two");
    expect((await cached.list(tenant)).items.map((j) => j.name)).toEqual(["one"]);
    expect((await cached.list(`${tenant}-other`)).items).toEqual([]);

    // contiguous versions: the projector never needs to fill a gap from an event store here
    const projector = createRedisProjector({ redis, keys, eventStore: noGaps, clock: systemClock });
    await projector.handle(events);
    expect((await cached.list(tenant)).items.map((j) => j.name).sort()).toEqual(["one", "two"]);
  });

  it("does not store a job older than the version the live model already knows", async () => {
    const tenant = `t-${randomUUID()}`;
    const { jobId } = await seedJob(tenant, "stale");
    await redis.hset(keys.job(tenant, jobId), "version", "5", "status", "active");
    const cached = createCachedJobQueries({
      inner: createJobQueries(t.pool),
      redis,
      keys,
      ttlSeconds: 60,
      logger,
    });
    expect((await cached.get(tenant, jobId))?.version).toBe(1);
    expect(await redis.exists(keys.cachedJob(tenant, jobId))).toBe(0);
  });

  it("falls back to Postgres when Redis does not answer", async () => {
    const tenant = `t-${randomUUID()}`;
    const { jobId } = await seedJob(tenant, "no redis");
    const down = createRedisClient("redis://127.0.0.1:1");
    down.on("error", () => {});
    try {
      const cached = createCachedJobQueries({
        inner: createJobQueries(t.pool),
        redis: down,
        keys,
        ttlSeconds: 60,
        logger,
      });
      expect((await cached.get(tenant, jobId))?.name).toBe("no redis");
      expect((await cached.list(tenant)).items.map((j) => j.id)).toEqual([jobId]);
    } finally {
      down.disconnect();
    }
  });
});
