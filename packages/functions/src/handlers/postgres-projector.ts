/**
 * Lambda entry point of the Postgres projector: a Kinesis event source mapping with
 * ReportBatchItemFailures delivers the change feed here. The local poller runs the same
 * handler.
 */
import { consumerHandler } from "./consumer.ts";

export const handler = await consumerHandler("postgres-projector", "it is always wired");
