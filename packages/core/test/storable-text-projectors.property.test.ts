/**
 * ADR 0010 across every projector: events whose text holds anything (NUL, lone surrogates,
 * arbitrary Unicode, excerpts decoded from arbitrary bytes, header names that are not tokens)
 * — of every event type, as events recorded before the rule may hold them — go through the
 * Postgres projector (jobs, schedules, runs on the machine's PostgreSQL), the Redis projector
 * (the machine's Redis) and the lake writer (a temporary folder, read back with DuckDB). None
 * throws, and all the text they store is storable: well-formed Unicode without U+0000.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { type DecodedEvent, type EventType, eventTypes, type NewEvent, streamIdOf } from "@jobledger/events";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { createLakeWriter } from "../src/adapters/lake/lake-writer.ts";
import { createLocalObjectStore } from "../src/adapters/lake/local-object-store.ts";
import { createPostgresProjector } from "../src/adapters/postgres/projector.ts";
import type { RedisClient } from "../src/adapters/redis/connection.ts";
import { createRedisProjector } from "../src/adapters/redis/projector.ts";
import { findUnstorable, isStorableText } from "../src/domain/text/storable-text.ts";
import { ManualClock } from "../src/ports/clock.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { liveKeys } from "../src/projections/live-status-keys.ts";
import { runsProjection } from "../src/projections/runs.ts";
import { schedulesProjection } from "../src/projections/schedules.ts";
import { jobDefinition } from "./support/events.ts";
import { asDecoded, newEvent, withPostgres } from "./support/postgres.ts";
import { connectTestRedis } from "./support/redis.ts";
import { type TestDynamo, withDynalite } from "./support/standins.ts";

const db = withPostgres();
let dynamo: TestDynamo;
let store: DynamoEventStore;
let redis: RedisClient;
let lakeDir: string;
const prefix = `jltest:${randomUUID()}`;
const tenants: string[] = [];
const T0 = new Date("2026-11-23T10:00:00.000Z");

beforeAll(async () => {
  dynamo = await withDynalite();
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: await dynamo.newEventsTable("storable") });
  redis = await connectTestRedis();
  lakeDir = await mkdtemp(path.join(tmpdir(), "jobledger-storable-"));
}, 30_000);

afterAll(async () => {
  const found = await redis?.keys(`${prefix}:*`);
  if (found && found.length > 0) await redis.del(...found);
  redis?.disconnect();
  await dynamo?.close();
  if (lakeDir) await rm(lakeDir, { recursive: true, force: true });
});

/** Any text, with NUL and lone surrogates far more often than chance would give them. */
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 6 }).map((s) => `${s}\u0000${s}`),
  fc.constantFrom("\ud800", "a\udc00b", "\u0000", "x\ud83d", "📄\u0000"),
);
/** An excerpt as the runner before ADR 0010 wrote it: arbitrary bytes decoded as UTF-8, NUL kept. */
const excerpt = fc.oneof(
  text,
  fc.uint8Array({ maxLength: 24 }).map((b) => new TextDecoder().decode(b)),
  fc.constant("\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR"),
);
const headers = fc.dictionary(text, text, { maxKeys: 3 });

interface Texts {
  name: string;
  description: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  tag: string;
  actor: string;
  reason: string;
  runner: string;
  message: string;
  excerpt: string;
  responseHeaders: Record<string, string>;
  contentType: string;
  error: string;
}

const texts: fc.Arbitrary<Texts> = fc.record({
  name: text,
  description: text,
  url: text,
  headers,
  body: text,
  tag: text,
  actor: text,
  reason: text,
  runner: text,
  message: text,
  excerpt,
  responseHeaders: headers,
  contentType: text,
  error: text,
});

/** A tenant's job and three runs (every event type), with `t` in every text field. */
function history(tenant: string, t: Texts): Map<string, NewEvent[]> {
  const jobId = randomUUID();
  let minute = 0;
  const ev = <T extends EventType>(type: T, data: Parameters<typeof newEvent<T>>[2]) => {
    const event = newEvent(tenant, type, data, {
      at: new Date(T0.getTime() + minute++ * 60_000),
      actor: `user:${t.actor}`,
    });
    return { ...event, correlationId: t.error };
  };
  const request = { method: "POST" as const, url: t.url, headers: t.headers, body: t.body, timeoutMs: 5_000 };
  const retry = jobDefinition().retry;
  const definition = jobDefinition({
    name: t.name,
    description: t.description,
    request,
    tags: [t.tag, "ok"],
  });
  const facts = (n: number) => ({
    durationMs: n,
    headers: t.responseHeaders,
    bodyExcerpt: t.excerpt,
    bodyBytes: 16,
    bodyTruncated: false,
  });
  const body = {
    key: `bodies/tenant=${tenant}/dt=2026-11-23/x/1`,
    sha256: "a".repeat(64),
    bytes: 16,
    contentType: t.contentType,
    truncated: false,
  };
  const deadline = new Date(T0.getTime() + 3_600_000).toISOString();
  const queued = (attempt: number, trigger: "schedule" | "retry" | "redrive" | "manual") =>
    ev("RunQueued", {
      jobId,
      jobVersion: 2,
      attempt,
      trigger,
      scheduledFor: trigger === "schedule" ? T0.toISOString() : null,
      dueAt: T0.toISOString(),
      request: attempt === 1 ? request : null,
      retry: attempt === 1 ? retry : null,
    });
  const streams = new Map<string, NewEvent[]>();
  streams.set(streamIdOf(tenant, "job", jobId), [
    ev("JobCreated", { definition }),
    ev("JobUpdated", {
      changes: {
        name: t.reason,
        description: t.name,
        request: { ...request, url: t.message },
        tags: [t.error],
      },
      changedFields: ["name", "description", "request", "tags"],
    }),
    ev("JobPaused", { reason: t.reason }),
    ev("JobResumed", {}),
  ]);
  streams.set(streamIdOf(tenant, "run", randomUUID()), [
    queued(1, "manual"),
    ev("AttemptStarted", { attempt: 1, runner: t.runner, deadline }),
    ev("AttemptFailed", {
      attempt: 1,
      errorClass: "http-5xx",
      status: 503,
      message: t.message,
      retryAfterMs: null,
      ...facts(1),
      body,
    }),
    ev("RetryScheduled", { attempt: 2, dueAt: T0.toISOString(), delayMs: 1, reason: t.reason }),
    queued(2, "retry"),
    ev("AttemptStarted", { attempt: 2, runner: t.runner, deadline }),
    ev("AttemptSucceeded", { attempt: 2, status: 200, ...facts(2), bodyExcerptReplaced: true }),
    ev("RunSucceeded", { attempts: 2 }),
  ]);
  streams.set(streamIdOf(tenant, "run", randomUUID()), [
    queued(1, "manual"),
    ev("AttemptStarted", { attempt: 1, runner: t.runner, deadline }),
    ev("AttemptTimedOut", { attempt: 1, deadline }),
    ev("RunDeadLettered", { attempts: 1, reason: "exhausted", lastError: t.message }),
    ev("RunRedriven", { reason: t.reason }),
    queued(2, "redrive"),
    ev("RunCancelled", { reason: t.reason }),
  ]);
  streams.set(streamIdOf(tenant, "run", randomUUID()), [
    ev("RunSkipped", {
      jobId,
      jobVersion: 2,
      scheduledFor: T0.toISOString(),
      reason: "missed",
      missedCount: 2,
      missedFrom: T0.toISOString(),
      missedTo: T0.toISOString(),
    }),
  ]);
  const facts2 = {
    sourceEventId: randomUUID(),
    sourceStreamId: streamIdOf(tenant, "run", "x"),
    kind: "run-failed",
    jobId,
    runId: "x",
    preferenceId: t.reason,
    recipient: t.name,
    channel: "webhook" as const,
    destination: t.url,
    attempts: 1,
  };
  streams.set(streamIdOf(tenant, "notification", randomUUID()), [
    ev("NotificationSent", facts2),
    ev("NotificationFailed", { ...facts2, error: t.error, final: true }),
  ]);
  streams.set(streamIdOf(tenant, "job", jobId), [
    ...streams.get(streamIdOf(tenant, "job", jobId))!,
    ev("JobDeleted", { reason: t.error }),
  ]);
  return streams;
}

/** Every string (and object key) in `value` that breaks the rule, as "path: text". */
function unstorableIn(value: unknown, where: string): string[] {
  return findUnstorable(value).map((f) => `${where}.${f.path}`);
}

async function postgresText(tenant: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  for (const table of ["jobs", "schedules", "runs", "run_attempts"]) {
    const result = await db.pool.query<{ row: unknown }>(
      `SELECT row_to_json(t) AS row FROM ${table} t WHERE tenant = $1`,
      [tenant],
    );
    rows.push(...result.rows.map((r) => r.row));
  }
  return rows;
}

async function redisText(): Promise<unknown[]> {
  const values: unknown[] = [];
  for (const key of await redis.keys(`${prefix}:*`)) {
    values.push(key);
    const type = await redis.type(key);
    if (type === "hash") values.push(await redis.hgetall(key));
    else if (type === "string") values.push(await redis.get(key));
    else if (type === "zset") values.push(await redis.zrange(key, 0, -1));
    else if (type === "list") values.push(await redis.lrange(key, 0, -1));
    else if (type === "set") values.push(await redis.smembers(key));
    else if (type === "stream") {
      for (const [, fields] of await redis.xrange(key, "-", "+")) {
        values.push(fields);
        for (const field of fields) {
          try {
            values.push(JSON.parse(field));
          } catch {
            // not JSON: the field itself was checked
          }
        }
      }
    }
  }
  return values;
}

describe("text that cannot be stored, in events of every type", () => {
  it("covers every event type", () => {
    const covered = new Set([...history("t", fc.sample(texts, 1)[0]!).values()].flat().map((e) => e.type));
    expect([...eventTypes].filter((t) => !covered.has(t))).toEqual([]);
  });

  it("goes through the Postgres, Redis and lake projectors without a failure, and what they store is storable", async () => {
    const postgres = createPostgresProjector({
      pool: db.pool,
      eventStore: store,
      projections: [jobsProjection, schedulesProjection, runsProjection],
    });
    const live = createRedisProjector({
      redis,
      keys: liveKeys(prefix),
      eventStore: store,
      clock: new ManualClock(new Date(T0.getTime() + 3_600_000)),
    });
    const lake = createLakeWriter({ store: createLocalObjectStore(lakeDir), eventStore: store });

    await fc.assert(
      fc.asyncProperty(texts, async (t) => {
        const tenant = `t${randomUUID().slice(0, 8)}`;
        tenants.push(tenant);
        const decoded: DecodedEvent[] = [];
        for (const [streamId, events] of history(tenant, t)) {
          // the event store keeps what Avro can hold (lone surrogates become U+FFFD there); the
          // projectors get the events as written, lone surrogates included
          await store.append(streamId, 0, events);
          decoded.push(...asDecoded(streamId, events));
        }
        await postgres.handle(decoded);
        await live.handle(decoded);
        await lake.write(decoded);

        const rows = await postgresText(tenant);
        expect(rows.length).toBeGreaterThanOrEqual(4);
        expect(unstorableIn(rows, "postgres")).toEqual([]);
        const attempts = (
          await db.pool.query<{ body_excerpt: string; body_excerpt_replaced: boolean }>(
            "SELECT body_excerpt, body_excerpt_replaced FROM run_attempts WHERE tenant = $1 AND body_excerpt IS NOT NULL",
            [tenant],
          )
        ).rows;
        for (const a of attempts) {
          if (!isStorableText(t.excerpt)) expect(a.body_excerpt_replaced).toBe(true);
        }
      }),
      { numRuns: 25 },
    );

    expect(unstorableIn(await redisText(), "redis")).toEqual([]);
    const duck = await DuckDBInstance.create(":memory:");
    const connection = await duck.connect();
    try {
      for (const table of ["events", "runs"]) {
        const reader = await connection.runAndReadAll(
          `SELECT * FROM read_parquet('${lakeDir}/${table}/**/*.parquet', hive_partitioning = true, union_by_name = true)`,
        );
        const rows = reader.getRowObjectsJson();
        expect(rows.length).toBeGreaterThan(0);
        expect(unstorableIn(rows, `lake.${table}`)).toEqual([]);
      }
    } finally {
      connection.closeSync();
    }
  }, 120_000);
});
