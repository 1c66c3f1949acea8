/**
 * The live read model as one piece for the wiring: connects to Redis once at start and, when
 * it answers, provides the Redis projector (a change-feed consumer), the live reads for the
 * API and the read-through job cache. When Redis does not answer it logs one line and
 * returns null: the system runs on, the API serves from Postgres and /v1/live answers 503.
 */
import type { DecodedEvent } from "@jobledger/events";
import type { AppConfig } from "../../config.ts";
import type { Logger } from "../../logging.ts";
import type { Clock } from "../../ports/clock.ts";
import type { EventStore } from "../../ports/event-store.ts";
import type { LiveStatusSource } from "../../ports/live-status.ts";
import { type LiveKeys, liveKeys } from "../../projections/live-status-keys.ts";
import type { JobQueries } from "../postgres/job-queries.ts";
import { connectRedis, type RedisClient, redactRedisUrl } from "./connection.ts";
import { createCachedJobQueries } from "./job-cache.ts";
import { createRedisLiveStatus } from "./live-reads.ts";
import { createRedisProjector } from "./projector.ts";

export interface LiveReadModel {
  redis: RedisClient;
  keys: LiveKeys;
  live: LiveStatusSource;
  /** applies a change record's events (for createStreamConsumerHandler) */
  project(events: DecodedEvent[]): Promise<void>;
  /** the job queries behind the read-through cache */
  cacheJobQueries(inner: JobQueries): JobQueries;
  close(): Promise<void>;
}

export async function openLiveReadModel(
  config: AppConfig,
  deps: { clock: Clock; logger: Logger; eventStore: Pick<EventStore, "readStreamAll"> },
): Promise<LiveReadModel | null> {
  const logger = deps.logger.child({ component: "redis" });
  if (config.redis.url === null) {
    logger.info("REDIS_URL=off: live status, /v1/live and the read-through cache are switched off");
    return null;
  }
  const connected = await connectRedis(config.redis.url);
  if ("error" in connected) {
    logger.warn(
      `Redis at ${redactRedisUrl(config.redis.url)} is unreachable (${connected.error}): running without live status; ` +
        "the API serves from Postgres and /v1/live answers 503",
    );
    return null;
  }
  const redis = connected.client;
  let lastError = "";
  redis.on("error", (error: Error) => {
    // once per distinct error, not once per reconnect attempt
    if (error.message !== lastError) logger.warn({ err: error }, "redis connection error");
    lastError = error.message;
  });
  redis.on("ready", () => {
    lastError = "";
  });
  const keys = liveKeys(config.redis.keyPrefix);
  const projector = createRedisProjector({
    redis,
    keys,
    eventStore: deps.eventStore,
    clock: deps.clock,
    logger: deps.logger.child({ component: "redis-projector" }),
  });
  return {
    redis,
    keys,
    live: createRedisLiveStatus({ redis, keys, clock: deps.clock }),
    async project(events) {
      await projector.handle(events);
    },
    cacheJobQueries: (inner) =>
      createCachedJobQueries({ inner, redis, keys, ttlSeconds: config.redis.cacheTtlSeconds, logger }),
    async close() {
      redis.disconnect();
    },
  };
}
