/// <reference path="../.sst/platform/config.d.ts" />
/**
 * The event store table (one item per commit, docs/adr/0001), the Kinesis stream it feeds
 * natively (Kinesis Data Streams for DynamoDB, docs/adr/0002), and the other DynamoDB tables
 * the functions use: idempotency keys and the shared per-host rate limits. Every table and
 * the stream are encrypted with KMS keys; the key schemas match the ones the code creates
 * locally (`eventStoreTableSchema`, `hostRateLimitTableDefinition`), which the stack test
 * checks.
 */
import type { StackSettings } from "./settings.ts";

/** SSE with the AWS-managed KMS key (`aws/dynamodb`) instead of the AWS-owned default key. */
const kmsEncrypted = { serverSideEncryption: { enabled: true } };

export function eventStore(settings: StackSettings) {
  const stream = new sst.aws.KinesisStream("Events", {
    transform: {
      stream: (args) => {
        args.streamModeDetails = { streamMode: settings.kinesis.mode };
        if (settings.kinesis.mode === "PROVISIONED") args.shardCount = settings.kinesis.shardCount;
        args.encryptionType = "KMS";
        args.kmsKeyId = "alias/aws/kinesis";
        args.retentionPeriod = settings.streamRetentionHours;
      },
    },
  });

  const table = new sst.aws.Dynamo("EventStore", {
    fields: {
      pk: "string",
      sk: "number",
      tenant: "string",
      commitId: "string",
      pendingPk: "string",
      pendingSk: "string",
    },
    primaryIndex: { hashKey: "pk", rangeKey: "sk" },
    globalIndexes: {
      byTenant: { hashKey: "tenant", rangeKey: "commitId" },
      // sparse: only commits the local relay has not yet published carry these keys
      pending: { hashKey: "pendingPk", rangeKey: "pendingSk" },
    },
    deletionProtection: settings.production,
    transform: { table: kmsEncrypted },
  });

  // every commit item change goes to the stream, in the record format the consumers parse
  const streamingDestination = new aws.dynamodb.KinesisStreamingDestination("EventStoreToKinesis", {
    streamArn: stream.arn,
    tableName: table.name,
    approximateCreationDateTimePrecision: "MILLISECOND",
  });

  const idempotency = new sst.aws.Dynamo("Idempotency", {
    fields: { pk: "string" },
    primaryIndex: { hashKey: "pk" },
    ttl: "expiresAt",
    transform: { table: kmsEncrypted },
  });

  const hostRateLimits = new sst.aws.Dynamo("HostRateLimits", {
    fields: { pk: "string" },
    primaryIndex: { hashKey: "pk" },
    ttl: "expiresAt",
    transform: {
      table: (args) => {
        Object.assign(args, kmsEncrypted);
        // one-second counters: a restore would bring back nothing of value
        args.pointInTimeRecovery = { enabled: false };
      },
    },
  });

  return { stream, table, streamingDestination, idempotency, hostRateLimits };
}

export type EventStoreResources = ReturnType<typeof eventStore>;
