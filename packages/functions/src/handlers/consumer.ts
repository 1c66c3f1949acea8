/**
 * What each change-feed Lambda does at cold start: build the services from the environment
 * and take the consumer wiring.ts lists under `name` (the same handler a local poller runs).
 * Besides Kinesis batches, the function answers the API's request to retry one of its parked
 * streams (changefeed/retry-request.ts).
 */
import type { RetryOutcome } from "@jobledger/core/changefeed/consumer";
import { isRetryParkedRequest, type RetryParkedRequest } from "@jobledger/core/changefeed/retry-request";
import { ConfigError, loadConfig } from "@jobledger/core/config";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { createServices } from "../wiring.ts";

export type ConsumerEntry = {
  (event: RetryParkedRequest): Promise<RetryOutcome>;
  (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse>;
};

export async function consumerHandler(name: string, whenMissing: string): Promise<ConsumerEntry> {
  const services = await createServices(loadConfig());
  const consumer = services.consumers.find((c) => c.name === name);
  if (!consumer) throw new ConfigError(`the ${name} consumer is not wired: ${whenMissing}`);
  return (async (event: KinesisStreamEvent | RetryParkedRequest) =>
    isRetryParkedRequest(event)
      ? consumer.retryParked(event.jobledgerRetryParked.streamId)
      : consumer.handler(event)) as ConsumerEntry;
}
