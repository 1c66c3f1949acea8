/**
 * The Lambda handler wrapper every change-feed consumer (projectors, runner, notifier) runs
 * under, on AWS and under the local poller alike.
 *
 * Kinesis shards are ordered, so records are processed one after another. On the first
 * failure the handler reports that record and every later record of the batch as
 * `batchItemFailures`: Lambda (and the local poller) then checkpoints just before the
 * lowest failed sequence number and retries from there, so nothing after a failure is
 * skipped and nothing before it is redone. (Requires `ReportBatchItemFailures` on the
 * event source mapping.)
 */
import type { DecodedEvent } from "@jobledger/events";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { createLogger, type Logger } from "../logging.ts";
import { traceRecord } from "../observability/tracing.ts";
import { decodeChangeRecord } from "./record.ts";

export interface ChangeRecordRef {
  sequenceNumber: string;
  partitionKey: string;
}

/** Applies one record's events (may be empty: then it is still called, for bookkeeping). */
export type ConsumeRecord = (events: DecodedEvent[], record: ChangeRecordRef) => Promise<void>;

export type StreamConsumerHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

export interface StreamConsumerOptions {
  logger?: Logger;
  /** skip records that carry no events (non-INSERT, non-commit items); default true */
  skipEmpty?: boolean;
}

export function createStreamConsumerHandler(
  consume: ConsumeRecord,
  options: StreamConsumerOptions = {},
): StreamConsumerHandler {
  const logger = options.logger ?? createLogger("stream-consumer");
  const skipEmpty = options.skipEmpty ?? true;
  const name = String(logger.bindings().component ?? "consumer"); // names its trace spans

  return async (event) => {
    const records = event.Records ?? [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const ref: ChangeRecordRef = {
        sequenceNumber: record.kinesis.sequenceNumber,
        partitionKey: record.kinesis.partitionKey,
      };
      try {
        const decoded = decodeChangeRecord(record);
        if (decoded.events.length > 0 || !skipEmpty)
          await traceRecord(name, decoded.events, () => consume(decoded.events, ref));
      } catch (error) {
        const failed = records.slice(i).map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber }));
        logger.error(
          {
            err: error,
            sequenceNumber: ref.sequenceNumber,
            partitionKey: ref.partitionKey,
            eventSourceARN: record.eventSourceARN,
            failedRecords: failed.length,
          },
          "change record failed; it and the rest of the batch will be retried",
        );
        return { batchItemFailures: failed };
      }
    }
    return { batchItemFailures: [] };
  };
}
