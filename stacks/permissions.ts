/**
 * Least-privilege IAM statements of each function, as data. SST's built-in links grant
 * `dynamodb:*` on a linked table; these list the exact actions the code calls (see the
 * adapters in packages/core/src/adapters) on the exact resources, and nothing else: no
 * function may delete or scan the event store, only the API touches idempotency keys and API
 * keys, only the runner the host rate limits, only the stream's consumers read the stream,
 * and only the notifier sends e-mail (as the one SES identity) or puts integration events
 * (on the one bus).
 */

export interface PermissionStatement<R> {
  actions: string[];
  resources: R[];
}

/** The ARNs the statements refer to. */
export interface PermissionTargets<R> {
  eventsTable: R;
  /** the table's indexes, `<table arn>/index/*` */
  eventsTableIndexes: R;
  idempotencyTable: R;
  hostRateLimitTable: R;
  stream: R;
  /** API keys (hash key `pk`) and its `byTenant` index, `<table arn>/index/byTenant` */
  apiKeysTable: R;
  apiKeysTenantIndex: R;
  /** notification preferences, job outcomes and the delivery log (`pk`/`sk`, ElectroDB) */
  notificationsTable: R;
  /** change records the consumers parked (`pk` = consumer, `sk` = stream id) */
  parkedRecordsTable: R;
  /** the consumers' functions, which the API invokes to retry their parked records */
  consumerFunctions: R[];
  /** the SES identity notification e-mails are sent as */
  emailIdentity: R;
  /** the EventBridge bus of integration events */
  eventBus: R;
  /** the analytics lake (stacks/lake.ts): its bucket and `<bucket arn>/*` */
  lakeBucket: R;
  lakeObjects: R;
  /** attempts' stored response bodies in the lake bucket, `<bucket arn>/bodies/*` */
  lakeBodies: R;
  /** Athena's workgroup, its results bucket and `<bucket arn>/*` */
  athenaWorkgroup: R;
  athenaResultsBucket: R;
  athenaResultsObjects: R;
  /** the Glue catalog, the lake's database and its two tables */
  glueCatalog: R;
  glueDatabase: R;
  glueTables: R[];
}

export type FunctionRole =
  | "api"
  | "postgresProjector"
  | "runner"
  | "schedulerTick"
  | "redisProjector"
  | "notifier"
  | "lakeProjector";

/** Actions a Lambda event source mapping needs on the Kinesis stream of its function. */
export const kinesisConsumerActions = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
];

/** append a commit (conditional PutItem) and read streams and tenants' commits */
const appendAndRead = ["dynamodb:PutItem", "dynamodb:Query"];

/** what every consumer does with its parked records: park, hold back, list, retry, release */
const parking = <R>(t: PermissionTargets<R>): PermissionStatement<R> => ({
  actions: [
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
  ],
  resources: [t.parkedRecordsTable],
});

export function functionPermissions<R>(
  role: FunctionRole,
  t: PermissionTargets<R>,
): PermissionStatement<R>[] {
  switch (role) {
    case "api":
      return [
        { actions: appendAndRead, resources: [t.eventsTable, t.eventsTableIndexes] },
        // a tenant's commits are listed from `byTenant` and read from the table itself
        { actions: ["dynamodb:BatchGetItem"], resources: [t.eventsTable] },
        // parked records: listed here, retried by invoking the consumer's own function
        { actions: ["dynamodb:Query"], resources: [t.parkedRecordsTable] },
        { actions: ["lambda:InvokeFunction"], resources: t.consumerFunctions },
        // the readiness checks
        { actions: ["dynamodb:DescribeTable"], resources: [t.eventsTable] },
        { actions: ["kinesis:DescribeStreamSummary"], resources: [t.stream] },
        {
          actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
          resources: [t.idempotencyTable],
        },
        // create, look up (on every request), revoke and list API keys
        {
          actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
          resources: [t.apiKeysTable],
        },
        { actions: ["dynamodb:Query"], resources: [t.apiKeysTenantIndex] },
        // notification preferences (create, read, replace, delete, list) and the delivery log
        {
          actions: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
          resources: [t.notificationsTable],
        },
        // analytics: Athena queries over the lake (read only), results written to their bucket
        {
          actions: ["athena:GetQueryExecution", "athena:GetQueryResults", "athena:StartQueryExecution"],
          resources: [t.athenaWorkgroup],
        },
        {
          actions: ["glue:GetDatabase", "glue:GetTable"],
          resources: [t.glueCatalog, t.glueDatabase, ...t.glueTables],
        },
        {
          actions: ["s3:GetBucketLocation", "s3:ListBucket"],
          resources: [t.lakeBucket, t.athenaResultsBucket],
        },
        { actions: ["s3:GetObject"], resources: [t.lakeObjects] },
        {
          actions: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
          resources: [t.athenaResultsObjects],
        },
      ];
    case "postgresProjector":
      // fills gaps by reading the event store; writes only to Postgres
      return [
        { actions: ["dynamodb:Query"], resources: [t.eventsTable] },
        parking(t),
        { actions: kinesisConsumerActions, resources: [t.stream] },
      ];
    case "runner":
      return [
        { actions: appendAndRead, resources: [t.eventsTable] },
        { actions: ["dynamodb:UpdateItem"], resources: [t.hostRateLimitTable] },
        // stores whole response bodies (under bodies/ only); the API reads them back
        { actions: ["s3:PutObject"], resources: [t.lakeBodies] },
        parking(t),
        { actions: kinesisConsumerActions, resources: [t.stream] },
      ];
    case "schedulerTick":
      return [{ actions: appendAndRead, resources: [t.eventsTable] }];
    case "redisProjector":
      // fills gaps by reading the event store; writes only to Redis
      return [
        { actions: ["dynamodb:Query"], resources: [t.eventsTable] },
        parking(t),
        { actions: kinesisConsumerActions, resources: [t.stream] },
      ];
    case "lakeProjector":
      return [
        // reads a finished run's stream for its row; writes Parquet objects, reads nothing back
        { actions: ["dynamodb:Query"], resources: [t.eventsTable] },
        { actions: ["s3:PutObject"], resources: [t.lakeObjects] },
        parking(t),
        { actions: kinesisConsumerActions, resources: [t.stream] },
      ];
    case "notifier":
      return [
        // appends NotificationSent/NotificationFailed to its own streams, reads them first
        { actions: appendAndRead, resources: [t.eventsTable] },
        // reads preferences and job outcomes, saves outcomes and the delivery log
        {
          actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
          resources: [t.notificationsTable],
        },
        { actions: ["ses:SendEmail"], resources: [t.emailIdentity] },
        { actions: ["events:PutEvents"], resources: [t.eventBus] },
        parking(t),
        { actions: kinesisConsumerActions, resources: [t.stream] },
      ];
  }
}
