/**
 * Lambda entry point of the Redis projector (the live read model): a Kinesis event source
 * mapping with ReportBatchItemFailures delivers the change feed here. The local poller runs
 * the same handler.
 */
import { consumerHandler } from "./consumer.ts";

export const handler = await consumerHandler(
  "redis-projector",
  "it needs REDIS_URL to reach Redis (it was off or unreachable at start)",
);
