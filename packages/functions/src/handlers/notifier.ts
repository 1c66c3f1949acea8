/**
 * Lambda entry point of the notifier: a Kinesis event source mapping with
 * ReportBatchItemFailures delivers the change feed here; run outcomes become e-mails (SES),
 * webhooks, chat and push messages and EventBridge integration events (docs/notifications.md).
 * The local poller runs the same handler (the `notifier` consumer in wiring.ts).
 */
import { ConfigError, loadConfig } from "@jobledger/core/config";
import { createServices } from "../wiring.ts";

const services = await createServices(loadConfig());
const consumer = services.consumers.find((c) => c.name === "notifier");
if (!consumer) throw new ConfigError("wiring.ts lists no notifier consumer");

export const handler = consumer.handler;
