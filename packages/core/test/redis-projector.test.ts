/**
 * The Redis projector on the machine's Redis (127.0.0.1:6379), each test under its own key
 * prefix: live job status, running runs, rolling counters, latest runs, the tenant feed, and
 * idempotence under duplicate and out-of-order delivery (gaps filled from dynalite).
 */
import { randomUUID } from "node:crypto";
import type { DecodedEvent, NewEvent } from "@jobledger/events";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import type { RedisClient } from "../src/adapters/redis/connection.ts";
import { createRedisLiveStatus } from "../src/adapters/redis/live-reads.ts";
import { createRedisProjector } from "../src/adapters/redis/projector.ts";
import { ManualClock } from "../src/ports/clock.ts";
import { liveCommands } from "../src/projections/live-status.ts";
import { liveKeys } from "../src/projections/live-status-keys.ts";
import { RunEvents, runStreamIdOf } from "./projector-runs.support.ts";
import { jobDefinition } from "./support/events.ts";
import { asDecoded, jobStreamId, newEvent } from "./support/postgres.ts";
import { connectTestRedis } from "./support/redis.ts";
import { type TestDynamo, withDynalite } from "./support/standins.ts";

const START = new Date(Date.UTC(2026, 3, 1, 12, 0));

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
    const found = await redis.keys(`${prefix}:*`);
    if (found.length > 0) await redis.del(...found);
  }
  redis?.disconnect();
  await dynamo?.close();
});

function newPrefix(): string {
  const prefix = `jltest:${randomUUID()}`;
  prefixes.push(prefix);
  return prefix;
}

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

/** A job with one run that succeeded and one still running after a failed attempt. */
async function history(tenant: string) {
  const jobId = randomUUID();
  const runA = randomUUID();
  const runB = randomUUID();
  const job = await appendEach(jobStreamId(tenant, jobId), [
    newEvent(tenant, "JobCreated", { definition: jobDefinition({ name: "live job" }) }, { at: START }),
  ]);
  const a = new RunEvents(tenant, jobId, new Date(START.getTime() + 60_000));
  a.queued(1, "manual").started(1).succeeded(1).add("RunSucceeded", { attempts: 1 });
  const b = new RunEvents(tenant, jobId, new Date(START.getTime() + 10 * 60_000));
  b.queued(1, "manual").started(1).failed(1).retryScheduled(2).queued(2, "retry").started(2);
  const runEventsA = await appendEach(runStreamIdOf(tenant, runA), a.events);
  const runEventsB = await appendEach(runStreamIdOf(tenant, runB), b.events);
  return { jobId, runA, runB, events: [...job, ...runEventsA, ...runEventsB] };
}

function setup(prefix: string, now = new Date(START.getTime() + 30 * 60_000)) {
  const keys = liveKeys(prefix);
  const clock = new ManualClock(now);
  return {
    keys,
    clock,
    projector: createRedisProjector({ redis, keys, eventStore: store, clock }),
    live: createRedisLiveStatus({ redis, keys, clock }),
  };
}

/** The feed as (type, stream, version), sorted: what must not depend on delivery order. */
async function feedFacts(prefix: string, tenant: string): Promise<string[]> {
  const entries = await redis.xrange(liveKeys(prefix).feed(tenant), "-", "+");
  return entries
    .map(([, fields]) => {
      const event = JSON.parse(fields[1]!) as { type: string; streamId: string; version: number };
      return `${event.streamId}#${event.version}:${event.type}`;
    })
    .sort();
}

describe("redis projector", () => {
  it("keeps live status, running runs, counters, latest runs and the feed", async () => {
    const tenant = `t-${randomUUID()}`;
    const prefix = newPrefix();
    const { projector, live, keys } = setup(prefix);
    const { jobId, runA, runB, events } = await history(tenant);

    const result = await projector.handle(events);
    expect(result).toEqual({ applied: events.length, skipped: 0 });

    const view = await live.job(tenant, jobId);
    expect(view).toMatchObject({ jobId, status: "active", name: "live job", version: 1, lastRunId: runB });
    expect(view?.latestRuns.map((r) => [r.runId, r.status, r.attempt])).toEqual([
      [runB, "running", 2],
      [runA, "succeeded", 1],
    ]);
    expect(view?.latestRuns[0]).toMatchObject({ lastStatusCode: 503, lastErrorClass: "http-5xx" });
    expect(view?.running).toEqual([runB]);
    expect(await redis.smembers(keys.running(tenant))).toEqual([runB]);
    expect(view?.counters?.lastHour).toMatchObject({ successes: 1, failures: 1, latencyCount: 2 });
    expect(view?.counters?.lastDay).toMatchObject({ successes: 1, failures: 1, latencyCount: 2 });
    expect(view?.counters?.lastHour.latencyAvgMs).toBeGreaterThan(0);

    const feed = await redis.xrange(keys.feed(tenant), "-", "+");
    expect(feed.map(([, fields]) => (JSON.parse(fields[1]!) as { type: string }).type)).toEqual(
      events.map((e) => e.type),
    );
    const first = JSON.parse(feed[0]![1][1]!) as Record<string, unknown>;
    expect(first).toMatchObject({ type: "JobCreated", jobId, runId: null, facts: { name: "live job" } });
  });

  it("ages counters out of the hour window but keeps them for the day", async () => {
    const tenant = `t-${randomUUID()}`;
    const prefix = newPrefix();
    const { projector, live, clock } = setup(prefix);
    const { jobId, events } = await history(tenant);
    await projector.handle(events);
    clock.set(new Date(START.getTime() + 3 * 3600_000));
    const view = await live.job(tenant, jobId);
    expect(view?.counters?.lastHour).toMatchObject({
      successes: 0,
      failures: 0,
      latencyCount: 0,
      latencyAvgMs: null,
    });
    expect(view?.counters?.lastDay).toMatchObject({ successes: 1, failures: 1 });
  });

  it("writes no counter buckets for outcomes older than a day (a replay of old history)", () => {
    const tenant = "t";
    const keys = liveKeys("p");
    const run = new RunEvents(tenant, "job-1", START).queued(1, "manual").started(1).succeeded(1);
    const [, , succeeded] = asDecoded(runStreamIdOf(tenant, "run-1"), run.events);
    const late = liveCommands(succeeded!, {
      keys,
      jobId: "job-1",
      now: new Date(START.getTime() + 26 * 3600_000),
    });
    const fresh = liveCommands(succeeded!, { keys, jobId: "job-1", now: START });
    expect(late.filter((c) => c[0] === "HINCRBY")).toEqual([]);
    expect(fresh.filter((c) => c[0] === "HINCRBY").length).toBeGreaterThan(0);
  });

  it("applies each event once whatever the duplicates and the delivery order", async () => {
    const tenant = `t-${randomUUID()}`;
    const { jobId, events } = await history(tenant);
    const reference = newPrefix();
    await setup(reference).projector.handle(events);
    const expectedView = await setup(reference).live.job(tenant, jobId);
    const expectedFeed = await feedFacts(reference, tenant);

    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.array(fc.nat({ max: events.length - 1 }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 5 }),
        async (shuffled, duplicates, batchSize) => {
          const prefix = newPrefix();
          const { projector, live } = setup(prefix);
          const delivered = [...shuffled, ...duplicates.map((i) => events[i]!)];
          for (let i = 0; i < delivered.length; i += batchSize) {
            await projector.handle(delivered.slice(i, i + batchSize));
          }
          expect(await live.job(tenant, jobId)).toEqual(expectedView);
          expect(await feedFacts(prefix, tenant)).toEqual(expectedFeed);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("reports duplicates as skipped", async () => {
    const tenant = `t-${randomUUID()}`;
    const { projector } = setup(newPrefix());
    const { events } = await history(tenant);
    await projector.handle(events);
    expect(await projector.handle(events.slice(0, 3))).toEqual({ applied: 0, skipped: 3 });
  });
});
