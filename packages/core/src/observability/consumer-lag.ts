/**
 * How far each change-feed consumer is behind, measured from the stream and the consumer's
 * checkpoints (so a stopped or stuck consumer shows growing lag, which its own
 * MillisBehindLatest cannot: it only updates while it reads). Locally the pollers keep
 * checkpoints in DynamoDB; on AWS the event source mapping keeps them and Lambda's
 * `IteratorAge` metric plays this role.
 *
 * Per consumer and shard: read from just after the checkpoint (or the trim horizon) to the
 * tip, counting records up to `cap`; the oldest unprocessed record's age is now minus its
 * arrival time.
 */
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import type { CheckpointStore } from "../adapters/kinesis/checkpoint-store.ts";
import { listShards } from "../adapters/kinesis/stream.ts";
import { consumerOldestUnprocessedAge, consumerRecordsBehind } from "./instruments.ts";

export interface ConsumerLag {
  consumer: string;
  /** records after the checkpoint, all shards (at most `cap` per shard) */
  recordsBehind: number;
  /** true when a shard had more than `cap` records behind: `recordsBehind` is a lower bound */
  capped: boolean;
  /** age of the oldest unprocessed record in seconds; 0 when caught up */
  oldestUnprocessedAgeSeconds: number;
}

export interface ConsumerLagOptions {
  kinesis: KinesisClient;
  streamName: string;
  checkpoints: CheckpointStore;
  consumers: readonly string[];
  now?: () => Date;
  /** most records counted per shard; default 10 000 */
  cap?: number;
}

export async function measureConsumerLag(options: ConsumerLagOptions): Promise<ConsumerLag[]> {
  const { kinesis, streamName, checkpoints } = options;
  const cap = options.cap ?? 10_000;
  const now = (options.now ?? (() => new Date()))().getTime();
  const shards = await listShards(kinesis, streamName);
  const result: ConsumerLag[] = [];
  for (const consumer of options.consumers) {
    const lag: ConsumerLag = { consumer, recordsBehind: 0, capped: false, oldestUnprocessedAgeSeconds: 0 };
    for (const shard of shards) {
      const shardId = shard.ShardId;
      if (!shardId) continue;
      const checkpoint = await checkpoints.load(consumer, shardId);
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ...(checkpoint
            ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: checkpoint }
            : { ShardIteratorType: "TRIM_HORIZON" }),
        }),
      );
      let iterator = ShardIterator;
      let counted = 0;
      while (iterator && counted < cap) {
        const page = await kinesis.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(1000, cap - counted) }),
        );
        const records = page.Records ?? [];
        if (records.length === 0) break;
        if (counted === 0) {
          const arrived = records[0]?.ApproximateArrivalTimestamp?.getTime() ?? now;
          lag.oldestUnprocessedAgeSeconds = Math.max(lag.oldestUnprocessedAgeSeconds, (now - arrived) / 1000);
        }
        counted += records.length;
        iterator = page.NextShardIterator;
      }
      if (counted >= cap) lag.capped = true;
      lag.recordsBehind += counted;
    }
    consumerRecordsBehind.set({ consumer }, lag.recordsBehind);
    consumerOldestUnprocessedAge.set({ consumer }, lag.oldestUnprocessedAgeSeconds);
    result.push(lag);
  }
  return result;
}
