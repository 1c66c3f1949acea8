/**
 * Lambda entry point of the lake projector: a Kinesis event source mapping with
 * ReportBatchItemFailures delivers the change feed here, and each batch becomes Parquet
 * objects in the lake bucket (JOBLEDGER_LAKE_BUCKET). The local poller runs the same handler.
 */
import { consumerHandler } from "./consumer.ts";

export const handler = await consumerHandler("lake-projector", "check the lake settings");
