/** Reading a whole Kinesis stream back in tests (every shard from TRIM_HORIZON). */
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { listShards } from "../../src/adapters/kinesis/stream.ts";

export interface ReadRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
}

/** Every record currently in the stream, shard by shard, in shard order. */
export async function readWholeStream(kinesis: KinesisClient, streamName: string): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for (const shard of await listShards(kinesis, streamName)) {
    const shardId = shard.ShardId!;
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records: _Record[] = page.Records ?? [];
      for (const r of records) {
        out.push({
          shardId,
          sequenceNumber: r.SequenceNumber!,
          partitionKey: r.PartitionKey!,
          data: r.Data!,
        });
      }
      if (records.length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}
