/// <reference path="../.sst/platform/config.d.ts" />
/**
 * The event store table (one item per commit, see docs/adr/0001) and the Kinesis stream it
 * feeds natively (Kinesis Data Streams for DynamoDB, see docs/adr/0002).
 */
export function eventStore() {
  const stream = new aws.kinesis.Stream("Events", {
    streamModeDetails: { streamMode: "ON_DEMAND" },
    encryptionType: "KMS",
    kmsKeyId: "alias/aws/kinesis",
    retentionPeriod: 168,
  });
  const table = new sst.aws.Dynamo("EventStore", {
    fields: { pk: "string", sk: "number", tenant: "string", commitId: "string" },
    primaryIndex: { hashKey: "pk", rangeKey: "sk" },
    globalIndexes: { byTenant: { hashKey: "tenant", rangeKey: "commitId" } },
  });
  new aws.dynamodb.KinesisStreamingDestination("EventStoreToKinesis", {
    streamArn: stream.arn,
    tableName: table.name,
    approximateCreationDateTimePrecision: "MILLISECOND",
  });
  const idempotency = new sst.aws.Dynamo("Idempotency", {
    fields: { pk: "string" },
    primaryIndex: { hashKey: "pk" },
    ttl: "expiresAt",
  });
  return { stream, table, idempotency };
}
