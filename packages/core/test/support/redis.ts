/** The machine's Redis for tests (REDIS_URL, default 127.0.0.1:6379); fails clearly when it is not there. */
import { connectRedis, type RedisClient } from "../../src/adapters/redis/connection.ts";

export const TEST_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export async function connectTestRedis(): Promise<RedisClient> {
  const connected = await connectRedis(TEST_REDIS_URL);
  if ("error" in connected) throw new Error(`the tests need Redis at ${TEST_REDIS_URL}: ${connected.error}`);
  return connected.client;
}
