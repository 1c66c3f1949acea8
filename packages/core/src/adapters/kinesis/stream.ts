/**
 * Creating the event stream when it is missing (local runtime and tests; on AWS the
 * infrastructure creates it), and listing its shards.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type Shard,
  waitUntilStreamExists,
} from "@aws-sdk/client-kinesis";

/** Creates the stream with `shardCount` shards unless it exists; waits until it is active. */
export async function ensureStream(
  kinesis: KinesisClient,
  streamName: string,
  shardCount: number,
): Promise<void> {
  try {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === "ACTIVE") return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
    } catch (createError) {
      if (!(createError instanceof ResourceInUseException)) throw createError;
    }
  }
  await waitUntilStreamExists(
    { client: kinesis, maxWaitTime: 120, minDelay: 1, maxDelay: 5 },
    { StreamName: streamName },
  );
}

/** Every shard of a stream (open and closed), following ListShards pages. */
export async function listShards(kinesis: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const page = await kinesis.send(
      new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
    );
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
}

/** The stream's ARN (used as `eventSourceARN` in Lambda events). */
export async function streamArn(kinesis: KinesisClient, streamName: string): Promise<string> {
  const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const arn = summary.StreamDescriptionSummary?.StreamARN;
  if (!arn) throw new Error(`stream ${streamName} has no ARN`);
  return arn;
}
