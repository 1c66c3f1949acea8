/**
 * Building `KinesisStreamEvent`s from GetRecords output exactly as Lambda's event source
 * mapping delivers them, and reading a handler's `batchItemFailures` back as Lambda does.
 */
import type { _Record } from "@aws-sdk/client-kinesis";
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";

/** What a Kinesis handler resolves to; `void` as in aws-lambda's `KinesisStreamHandler`. */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing resolves to void, not undefined
export type KinesisHandlerResult = KinesisStreamBatchResponse | undefined | void;

export interface LambdaEventSource {
  shardId: string;
  region: string;
  /** the stream's ARN */
  eventSourceARN: string;
  /** the role the function runs as */
  invokeIdentityArn: string;
}

/** One Lambda Kinesis record for one Kinesis record of a shard. */
export function toLambdaRecord(record: _Record, source: LambdaEventSource): KinesisStreamRecord {
  const sequenceNumber = record.SequenceNumber ?? "";
  return {
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: record.PartitionKey ?? "",
      sequenceNumber,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `${source.shardId}:${sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: source.invokeIdentityArn,
    awsRegion: source.region,
    eventSourceARN: source.eventSourceARN,
  };
}

export function toLambdaEvent(records: _Record[], source: LambdaEventSource): KinesisStreamEvent {
  return { Records: records.map((r) => toLambdaRecord(r, source)) };
}

/**
 * Index of the first record to retry after a handler returned `response`, or null when the
 * whole batch succeeded. Like Lambda: the lowest reported sequence number wins, and an
 * identifier that names no record of the batch (empty, null, unknown) fails the whole batch.
 */
export function firstFailedIndex(
  sequenceNumbers: string[],
  response: KinesisHandlerResult | null,
): number | null {
  const failures = response?.batchItemFailures;
  if (!failures || failures.length === 0) return null;
  let lowest: number | null = null;
  for (const failure of failures) {
    const index = failure?.itemIdentifier ? sequenceNumbers.indexOf(failure.itemIdentifier) : -1;
    if (index < 0) return 0;
    if (lowest === null || index < lowest) lowest = index;
  }
  return lowest;
}
