/**
 * Reads of the live read model: a job's live view (status, counters, latest runs, running
 * runs) and the tenant feed, read with XREAD BLOCK on a connection of its own per reader.
 */
import type { Clock } from "../../ports/clock.ts";
import type {
  LiveCounters,
  LiveFeedEntry,
  LiveFeedReader,
  LiveJobView,
  LiveRun,
  LiveStatusSource,
} from "../../ports/live-status.ts";
import { counterWindows, type LiveFeedEvent } from "../../projections/live-status.ts";
import type { LiveKeys } from "../../projections/live-status-keys.ts";
import type { RedisClient } from "./connection.ts";

export interface RedisLiveStatusOptions {
  redis: RedisClient;
  keys: LiveKeys;
  clock: Clock;
}

const RUN_FIELDS = [
  "status",
  "trigger",
  "attempt",
  "queuedAt",
  "startedAt",
  "finishedAt",
  "lastStatusCode",
  "lastErrorClass",
  "lastError",
  "durationMs",
] as const;
const COUNTER_FIELDS = ["successes", "failures", "latencySumMs", "latencyCount", "latencyMaxMs"] as const;

const num = (value: string | null | undefined): number | null =>
  value === null || value === undefined ? null : Number(value);

function sumCounters(rows: (string | null)[][]): LiveCounters {
  let successes = 0;
  let failures = 0;
  let latencySum = 0;
  let latencyCount = 0;
  let latencyMax: number | null = null;
  for (const [s, f, sum, count, max] of rows) {
    successes += num(s) ?? 0;
    failures += num(f) ?? 0;
    latencySum += num(sum) ?? 0;
    latencyCount += num(count) ?? 0;
    const m = num(max);
    if (m !== null && (latencyMax === null || m > latencyMax)) latencyMax = m;
  }
  return {
    successes,
    failures,
    latencyCount,
    latencyAvgMs: latencyCount > 0 ? Math.round(latencySum / latencyCount) : null,
    latencyMaxMs: latencyMax,
  };
}

export function createRedisLiveStatus(options: RedisLiveStatusOptions): LiveStatusSource {
  const { redis, keys, clock } = options;
  return {
    async job(tenant, jobId) {
      const job = await redis.hgetall(keys.job(tenant, jobId));
      if (!job.status) return null;
      const runIds = await redis.zrevrange(keys.jobRuns(tenant, jobId), 0, -1);
      const { minutes, hours } = counterWindows(clock.now());
      const pipeline = redis.pipeline();
      for (const runId of runIds) pipeline.hmget(keys.run(tenant, runId), ...RUN_FIELDS);
      for (const m of minutes) pipeline.hmget(keys.minute(tenant, jobId, m), ...COUNTER_FIELDS);
      for (const h of hours) pipeline.hmget(keys.hour(tenant, jobId, h), ...COUNTER_FIELDS);
      const replies = (await pipeline.exec()) ?? [];
      const rows = replies.map(([error, value]) => {
        if (error) throw error;
        return value as (string | null)[];
      });
      const runRows = rows.slice(0, runIds.length);
      const latestRuns: LiveRun[] = [];
      runRows.forEach((row, i) => {
        const [status, trigger, attempt, queuedAt, startedAt, finishedAt, code, errorClass, error, duration] =
          row;
        if (!status) return; // the run's hash expired
        latestRuns.push({
          runId: runIds[i]!,
          status,
          trigger: trigger ?? null,
          attempt: num(attempt) ?? 0,
          queuedAt: queuedAt ?? null,
          startedAt: startedAt ?? null,
          finishedAt: finishedAt ?? null,
          lastStatusCode: num(code),
          lastErrorClass: errorClass ?? null,
          lastError: error ?? null,
          durationMs: num(duration),
        });
      });
      return {
        jobId,
        status: job.status,
        name: job.name ?? null,
        version: Number(job.version ?? 0),
        updatedAt: job.updatedAt ?? null,
        // from the latest runs (not kept on the job's hash: runs of one job are on separate
        // streams, so the order they are applied in is not the order they happened in)
        lastRunId: latestRuns[0]?.runId ?? null,
        lastRunStatus: latestRuns[0]?.status ?? null,
        lastRunFinishedAt: latestRuns[0]?.finishedAt ?? null,
        counters: {
          lastHour: sumCounters(rows.slice(runIds.length, runIds.length + minutes.length)),
          lastDay: sumCounters(rows.slice(runIds.length + minutes.length)),
        },
        latestRuns,
        running: latestRuns.filter((r) => r.status === "running").map((r) => r.runId),
      } satisfies LiveJobView;
    },

    async openFeed(tenant) {
      const feed = keys.feed(tenant);
      // named, so operators (and tests) can see open feed readers in CLIENT LIST
      const connection = redis.duplicate({ connectionName: `live-feed:${feed}` });
      connection.on("error", () => {});
      await connection.connect().catch((error: unknown) => {
        connection.disconnect();
        throw error;
      });
      let closed = false;
      const reader: LiveFeedReader = {
        async read(afterId, blockMs) {
          if (closed) return [];
          const reply = await connection.xread("COUNT", 100, "BLOCK", blockMs, "STREAMS", feed, afterId);
          if (!reply) return [];
          const entries: LiveFeedEntry[] = [];
          for (const [, items] of reply) {
            for (const [id, fields] of items) {
              const at = fields.indexOf("event");
              if (at < 0 || at + 1 >= fields.length) continue;
              entries.push({ id, event: JSON.parse(fields[at + 1]!) as LiveFeedEvent });
            }
          }
          return entries;
        },
        async latestId() {
          const [entry] = await connection.xrevrange(feed, "+", "-", "COUNT", 1);
          return entry?.[0] ?? "0-0";
        },
        close() {
          closed = true;
          connection.disconnect();
        },
      };
      return reader;
    },

    async ping() {
      try {
        return (await redis.ping()) === "PONG";
      } catch {
        return false;
      }
    },
  };
}
