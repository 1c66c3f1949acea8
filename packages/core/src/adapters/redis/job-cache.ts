/**
 * A read-through cache in front of the job queries: GET of one job and the first page of job
 * lists are kept in Redis for a TTL, keyed by tenant. The Redis projector deletes them when
 * any of the tenant's jobs changes. Any Redis error falls back to the wrapped (Postgres)
 * queries and is logged at warn: a Redis outage never fails a request.
 *
 * A fill never stores a job older than the version the live read model already knows, so a
 * read that raced ahead of the Postgres projector cannot pin a stale job for a whole TTL.
 */
import { createHash } from "node:crypto";
import type { Logger } from "../../logging.ts";
import type { LiveKeys } from "../../projections/live-status-keys.ts";
import type { JobPage, JobQueries, JobView } from "../postgres/job-queries.ts";
import type { RedisClient } from "./connection.ts";

export interface CachedJobQueriesOptions {
  inner: JobQueries;
  redis: RedisClient;
  keys: LiveKeys;
  ttlSeconds: number;
  logger: Logger;
}

const FILL_JOB_LUA = `
local known = tonumber(redis.call('HGET', KEYS[2], 'version') or '0')
if known > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
`;

const FILL_LIST_LUA = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
`;

type Serialized<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

function reviveJob(raw: Serialized<JobView>): JobView {
  return {
    ...raw,
    createdAt: new Date(raw.createdAt),
    updatedAt: new Date(raw.updatedAt),
    deletedAt: raw.deletedAt === null ? null : new Date(raw.deletedAt),
  };
}

export function createCachedJobQueries(options: CachedJobQueriesOptions): JobQueries {
  const { inner, redis, keys, ttlSeconds, logger } = options;
  const warn = (error: unknown, what: string) =>
    logger.warn({ err: error }, `redis cache ${what} failed; serving from Postgres`);

  return {
    async get(tenant, jobId) {
      const key = keys.cachedJob(tenant, jobId);
      try {
        const hit = await redis.get(key);
        if (hit !== null) return reviveJob(JSON.parse(hit) as Serialized<JobView>);
      } catch (error) {
        warn(error, "read");
        return inner.get(tenant, jobId);
      }
      const job = await inner.get(tenant, jobId);
      if (job !== null) {
        await redis
          .eval(
            FILL_JOB_LUA,
            2,
            key,
            keys.job(tenant, jobId),
            JSON.stringify(job),
            String(job.version),
            ttlSeconds,
          )
          .catch((error: unknown) => warn(error, "fill"));
      }
      return job;
    },

    async list(tenant, listOptions = {}) {
      if (listOptions.cursor) return inner.list(tenant, listOptions);
      const digest = createHash("sha256")
        .update(
          JSON.stringify([
            listOptions.status ?? null,
            listOptions.tag ?? null,
            listOptions.search ?? null,
            listOptions.limit ?? null,
          ]),
        )
        .digest("hex")
        .slice(0, 16);
      const key = keys.cachedJobList(tenant, digest);
      try {
        const hit = await redis.get(key);
        if (hit !== null) {
          const page = JSON.parse(hit) as Omit<JobPage, "items"> & { items: Serialized<JobView>[] };
          return { ...page, items: page.items.map(reviveJob) };
        }
      } catch (error) {
        warn(error, "read");
        return inner.list(tenant, listOptions);
      }
      const page = await inner.list(tenant, listOptions);
      await redis
        .eval(FILL_LIST_LUA, 2, key, keys.cachedJobLists(tenant), JSON.stringify(page), ttlSeconds)
        .catch((error: unknown) => warn(error, "fill"));
      return page;
    },
  };
}
