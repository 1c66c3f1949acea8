/**
 * Connections to Redis (ioredis). Commands fail fast while Redis is unreachable (no offline
 * queue, one retry) so callers can fall back to Postgres instead of waiting.
 */
import { Redis } from "ioredis";

export type RedisClient = Redis;

export function createRedisClient(url: string, options: { lazyConnect?: boolean } = {}): RedisClient {
  return new Redis(url, {
    lazyConnect: options.lazyConnect ?? true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // keep reconnecting in the background, at most every 2 s
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/**
 * Connects and pings once. Returns the client when Redis answers, otherwise closes it and
 * returns the reason (the caller logs it and runs without Redis).
 */
export async function connectRedis(url: string): Promise<{ client: RedisClient } | { error: string }> {
  const client = createRedisClient(url);
  // the socket's own error (e.g. ECONNREFUSED) says more than connect()'s "Connection is closed."
  let socketError: string | undefined;
  const onError = (error: Error) => {
    socketError ??= error.message;
  };
  client.on("error", onError);
  try {
    await client.connect();
    await client.ping();
    client.off("error", onError);
    return { client };
  } catch (error) {
    client.disconnect();
    return { error: socketError ?? (error instanceof Error ? error.message : String(error)) };
  }
}

/** The URL without credentials, for log lines. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable REDIS_URL)";
  }
}
