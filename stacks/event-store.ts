/// <reference path="../.sst/platform/config.d.ts" />
/**
 * The event store table (one item per commit, docs/adr/0001), the Kinesis stream it feeds
 * natively (Kinesis Data Streams for DynamoDB, docs/adr/0002), and the other DynamoDB tables
 * the functions use: idempotency keys, the shared per-host rate limits, API keys (hashes only)
 * the notifier's table (preferences, job outcomes, delivery log) and the records consumers
 * parked (poison pills, docs/runbook.md). Every table and the
 * stream are encrypted with KMS keys; the key schemas match the ones the code creates locally
 * (`eventStoreTableSchema`, `hostRateLimitTableDefinition`, `ensureApiKeyTable`,
 * `ensureNotificationsTable`, `ensureParkedRecordsTable`), which the stack tests check.
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

  // one item per key, looked up by id; listed per tenant through `byTenant`
  const apiKeys = new sst.aws.Dynamo("ApiKeys", {
    fields: { pk: "string", tenant: "string" },
    primaryIndex: { hashKey: "pk" },
    globalIndexes: { byTenant: { hashKey: "tenant" } },
    deletionProtection: settings.production,
    transform: { table: kmsEncrypted },
  });

  // ElectroDB single table: generic `pk`/`sk` keys, no secondary index
  const notifications = new sst.aws.Dynamo("Notifications", {
    fields: { pk: "string", sk: "string" },
    primaryIndex: { hashKey: "pk", rangeKey: "sk" },
    transform: { table: kmsEncrypted },
  });

  // records the consumers parked: `pk` = consumer, `sk` = stream id (`ensureParkedRecordsTable`)
  const parkedRecords = new sst.aws.Dynamo("ParkedRecords", {
    fields: { pk: "string", sk: "string" },
    primaryIndex: { hashKey: "pk", rangeKey: "sk" },
    transform: { table: kmsEncrypted },
  });

  return {
    stream,
    table,
    streamingDestination,
    idempotency,
    hostRateLimits,
    apiKeys,
    notifications,
    parkedRecords,
  };
}

export type EventStoreResources = ReturnType<typeof eventStore>;
