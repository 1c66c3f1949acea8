/**
 * What each change-feed Lambda does at cold start: build the services from the environment
 * and take the consumer wiring.ts lists under `name` (the same handler a local poller runs).
 */
import type { StreamConsumerHandler } from "@jobledger/core/changefeed/consumer";
import { ConfigError, loadConfig } from "@jobledger/core/config";
import { createServices } from "../wiring.ts";

export async function consumerHandler(name: string, whenMissing: string): Promise<StreamConsumerHandler> {
  const services = await createServices(loadConfig());
  const consumer = services.consumers.find((c) => c.name === name);
  if (!consumer) throw new ConfigError(`the ${name} consumer is not wired: ${whenMissing}`);
  return consumer.handler;
}
