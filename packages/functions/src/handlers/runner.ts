/**
 * Lambda entry point of the runner: a Kinesis event source mapping (ReportBatchItemFailures)
 * delivers the change feed; RunQueued events start attempts, and each batch waits for the
 * attempts it started. The local poller runs the same handler.
 */
import { consumerHandler } from "./consumer.ts";

export const handler = await consumerHandler("runner", "it is always wired");
