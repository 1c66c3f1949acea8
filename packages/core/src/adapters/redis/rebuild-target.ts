/**
 * RebuildTarget for the Redis live read model: the shadow copy is written under the key prefix
 * `<live>_rebuild` by the same Redis projector (same Lua apply script, same `liveCommands`),
 * with each tenant's checkpoint in `<live>_rebuild:{tenant}:rebuild-checkpoint`.
 *
 * The switch RENAMEs keys, per tenant, in one MULTI/EXEC: the live keys of the tenant move to
 * `<live>_old` (the previous `_old` keys are deleted) and the shadow keys to `<live>`. Every
 * key of a tenant carries the tenant as its hash tag (`{tenant}`), whatever the prefix, so the
 * three copies of a tenant share a cluster slot and RENAME is allowed. Readers (API, /v1/live)
 * keep using the configured prefix and see the new keys at their next command. The
 * read-through cache keys (`…:cache:…`) go to `_old` with the rest, i.e. the cache is emptied.
 * Other tenants are not touched (Redis keeps one key space per tenant), so nothing is carried
 * over. A copy as of a time (`range.to`) is projected with the clock at that time. There is no
 * repair from a time (`resetStreams`): the per-job counters and the tenant's feed add up events
 * of many streams, so a stream's share cannot be taken out and folded again.
 */
import type { DecodedEvent } from "@jobledger/events";
import type {
  RebuildCheckpoint,
  RebuildComparison,
  RebuildTarget,
} from "../../application/rebuild/target.ts";
import type { Logger } from "../../logging.ts";
import { type Clock, systemClock } from "../../ports/clock.ts";
import type { EventStore } from "../../ports/event-store.ts";
import { liveKeys } from "../../projections/live-status-keys.ts";
import type { RedisClient } from "./connection.ts";
import { createRedisProjector, type RedisProjector } from "./projector.ts";

export interface RedisRebuildOptions {
  redis: RedisClient;
  /** the live read model's key prefix (config.redis.keyPrefix) */
  livePrefix: string;
  eventStore: Pick<EventStore, "readStreamAll">;
  clock?: Clock;
  logger?: Logger;
  latestRuns?: number;
  feedMaxLen?: number;
}

const CHECKPOINT = "rebuild-checkpoint";

/** escapes the glob characters of SCAN MATCH */
const globLiteral = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/** the tenant's key space under a prefix: `<prefix>:{tenant}:` */
const tenantSpace = (prefix: string, tenant: string) => `${prefix}:{${tenant}}:`;

export async function keysOf(redis: RedisClient, prefix: string, tenant: string): Promise<string[]> {
  const found = new Set<string>();
  const match = `${globLiteral(tenantSpace(prefix, tenant))}*`;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", match, "COUNT", 500);
    for (const key of keys) found.add(key);
    cursor = next;
  } while (cursor !== "0");
  return [...found].sort();
}

/**
 * A key's contents as comparable text (TTLs are left out). Stream entries are compared without
 * their ids: the ids are the times the entries were added, which differ in a rebuild.
 */
export async function contentOf(redis: RedisClient, key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case "string":
      return `string ${await redis.get(key)}`;
    case "hash": {
      const hash = await redis.hgetall(key);
      return `hash ${JSON.stringify(Object.entries(hash).sort(([a], [b]) => a.localeCompare(b)))}`;
    }
    case "set":
      return `set ${JSON.stringify((await redis.smembers(key)).sort())}`;
    case "zset":
      return `zset ${JSON.stringify(await redis.zrange(key, 0, -1, "WITHSCORES"))}`;
    case "list":
      return `list ${JSON.stringify(await redis.lrange(key, 0, -1))}`;
    case "stream":
      return `stream ${JSON.stringify((await redis.xrange(key, "-", "+")).map(([, fields]) => fields))}`;
    default:
      return type;
  }
}

export function createRedisRebuildTarget(options: RedisRebuildOptions): RebuildTarget {
  const { redis } = options;
  const live = options.livePrefix;
  const shadow = `${live}_rebuild`;
  const old = `${live}_old`;
  const checkpointKey = (tenant: string) => `${tenantSpace(shadow, tenant)}${CHECKPOINT}`;
  let tenants: readonly string[] = [];
  let projector: RedisProjector | null = null;

  /** the live copy's keys of a tenant that a rebuild recreates (the cache is not) */
  const comparedKeys = async (prefix: string, tenant: string) =>
    (await keysOf(redis, prefix, tenant))
      .map((key) => key.slice(tenantSpace(prefix, tenant).length))
      .filter((rest) => rest !== CHECKPOINT && !rest.startsWith("cache:"));

  return {
    name: "redis",
    location: `key prefix ${shadow}`,
    async prepare(selected, range) {
      tenants = selected;
      // as of a time, the counters' windows and TTLs are those of that time
      const asOf = range.to === null ? null : new Date(range.to);
      projector = createRedisProjector({
        redis,
        keys: liveKeys(shadow),
        eventStore: options.eventStore,
        clock: asOf ? { now: () => asOf } : (options.clock ?? systemClock),
        logger: options.logger,
        latestRuns: options.latestRuns,
        feedMaxLen: options.feedMaxLen,
      });
      const found: RebuildCheckpoint[] = [];
      for (const tenant of tenants) {
        const text = await redis.get(checkpointKey(tenant));
        if (text) found.push(JSON.parse(text) as RebuildCheckpoint);
        else {
          // a fresh copy: drop what a discarded or failed earlier copy may have left
          const stale = await keysOf(redis, shadow, tenant);
          if (stale.length > 0) await redis.del(...stale);
          const cp: RebuildCheckpoint = { tenant, cursor: null, events: 0, done: false, range };
          await redis.set(checkpointKey(tenant), JSON.stringify(cp));
          found.push(cp);
        }
      }
      return found;
    },
    async apply(events: readonly DecodedEvent[]) {
      if (!projector) throw new Error("the rebuild target is not prepared");
      if (events.length > 0) await projector.handle(events);
    },
    async saveCheckpoint(cp) {
      await redis.set(checkpointKey(cp.tenant), JSON.stringify(cp));
    },
    async estimateEvents(selected) {
      // the live copy's applied version per stream ≈ the stream's events (an as-of copy reads them all too)
      let total = 0;
      for (const tenant of selected) {
        const versions = await redis.hvals(liveKeys(live).versions(tenant));
        for (const v of versions) total += Number(v) || 0;
      }
      return total > 0 ? total : null;
    },
    async compare(): Promise<RebuildComparison> {
      // one part per key kind (the segment after the tenant: versions, job, run, running, feed)
      const parts = new Map<string, RebuildComparison["parts"][number]>();
      const part = (rest: string) => {
        const name = `redis ${rest.split(":")[0]}`;
        let p = parts.get(name);
        if (!p) {
          p = { name, onlyInLive: 0, onlyInRebuilt: 0, samples: [] };
          parts.set(name, p);
        }
        return p;
      };
      for (const tenant of tenants) {
        const inLive = new Set(await comparedKeys(live, tenant));
        const inRebuilt = new Set(await comparedKeys(shadow, tenant));
        for (const rest of new Set([...inLive, ...inRebuilt])) {
          const p = part(rest);
          const a = inLive.has(rest) ? await contentOf(redis, tenantSpace(live, tenant) + rest) : null;
          const b = inRebuilt.has(rest) ? await contentOf(redis, tenantSpace(shadow, tenant) + rest) : null;
          if (a === b) continue;
          if (a !== null) p.onlyInLive++;
          if (b !== null) p.onlyInRebuilt++;
          if (p.samples.length < 5) p.samples.push(`{${tenant}}:${rest}`);
        }
      }
      return { parts: [...parts.values()].sort((x, y) => x.name.localeCompare(y.name)) };
    },
    async switchOver() {
      for (const tenant of tenants) {
        await redis.del(checkpointKey(tenant));
        const previous = await keysOf(redis, old, tenant);
        const current = await keysOf(redis, live, tenant);
        const rebuilt = await keysOf(redis, shadow, tenant);
        const tx = redis.multi();
        if (previous.length > 0) tx.del(...previous);
        for (const key of current) tx.rename(key, old + key.slice(live.length));
        for (const key of rebuilt) tx.rename(key, live + key.slice(shadow.length));
        const results = await tx.exec();
        const failed = results?.find(([error]) => error);
        if (!results || failed) {
          throw new Error(`switching tenant ${tenant} failed: ${failed?.[0]?.message ?? "aborted"}`);
        }
      }
    },
    async discard() {
      for (const tenant of tenants) {
        const keys = await keysOf(redis, shadow, tenant);
        if (keys.length > 0) await redis.del(...keys);
      }
    },
    async close() {
      projector = null;
    },
  };
}
