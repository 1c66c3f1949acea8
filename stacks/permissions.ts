/**
 * Least-privilege IAM statements of each function, as data. SST's built-in links grant
 * `dynamodb:*` on a linked table; these list the exact actions the code calls (see the
 * adapters in packages/core/src/adapters) on the exact resources, and nothing else: no
 * function may delete or scan the event store, only the API touches idempotency keys, only
 * the runner the host rate limits, and only the stream's consumers read the stream.
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
}

export type FunctionRole = "api" | "postgresProjector" | "runner" | "schedulerTick";

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

export function functionPermissions<R>(
  role: FunctionRole,
  t: PermissionTargets<R>,
): PermissionStatement<R>[] {
  switch (role) {
    case "api":
      return [
        { actions: appendAndRead, resources: [t.eventsTable, t.eventsTableIndexes] },
        // the readiness checks
        { actions: ["dynamodb:DescribeTable"], resources: [t.eventsTable] },
        { actions: ["kinesis:DescribeStreamSummary"], resources: [t.stream] },
        {
          actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
          resources: [t.idempotencyTable],
        },
      ];
    case "postgresProjector":
      // fills gaps by reading the event store; writes only to Postgres
      return [
        { actions: ["dynamodb:Query"], resources: [t.eventsTable] },
        { actions: kinesisConsumerActions, resources: [t.stream] },
      ];
    case "runner":
      return [
        { actions: appendAndRead, resources: [t.eventsTable] },
        { actions: ["dynamodb:UpdateItem"], resources: [t.hostRateLimitTable] },
        { actions: kinesisConsumerActions, resources: [t.stream] },
      ];
    case "schedulerTick":
      return [{ actions: appendAndRead, resources: [t.eventsTable] }];
  }
}
