/**
 * Lambda entry point of the notifier: a Kinesis event source mapping with
 * ReportBatchItemFailures delivers the change feed here; run outcomes become e-mails (SES),
 * webhooks, chat and push messages and EventBridge integration events (docs/notifications.md).
 * The local poller runs the same handler.
 */
import { consumerHandler } from "./consumer.ts";

export const handler = await consumerHandler("notifier", "check the notification settings");
