/**
 * Lambda entry point of the Redis projector (the live read model): a Kinesis event source
 * mapping with ReportBatchItemFailures delivers the change feed here. The local poller runs
 * the same handler (the `redis-projector` consumer in wiring.ts).
 */
import { ConfigError, loadConfig } from "@jobledger/core/config";
import { createServices } from "../wiring.ts";

const services = await createServices(loadConfig());
const consumer = services.consumers.find((c) => c.name === "redis-projector");
if (!consumer) {
  throw new ConfigError(
    "the Redis projector needs REDIS_URL to reach Redis (it was off or unreachable at start)",
  );
}

export const handler = consumer.handler;
