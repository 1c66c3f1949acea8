/**
 * The events table: the commit item's shape and the table's definition as data, so the
 * infrastructure code (SST) can declare the same table, and `ensureEventStoreTable` can
 * create it locally and in tests.
 *
 * One item per commit (see ADR 0001 and `event-store.ts`):
 * - `pk` (S) stream id, `sk` (N) stream version of the commit's first event;
 * - `lastVersion` (N), `eventCount` (N), `tenant` (S), `commitId` (S, UUID v7),
 *   `committedAt` (S, ISO-8601), `events` (L of B, Avro single-object encoded envelopes);
 * - `pendingPk` (S, always "pending") and `pendingSk` (S, the commitId) only while the local
 *   relay has not yet published the commit.
 * GSIs: `byTenant` (`tenant`, `commitId`, all attributes) for replay of a tenant in commit
 * order; `pending` (`pendingPk`, `pendingSk`, all attributes, sparse) for the relay.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";

/** The value of `pendingPk` on every commit the relay has not published. */
export const PENDING = "pending";
export const BY_TENANT_INDEX = "byTenant";
export const PENDING_INDEX = "pending";

/** A commit item as the document client reads and writes it. */
export interface CommitItem {
  pk: string;
  sk: number;
  lastVersion: number;
  tenant: string;
  commitId: string;
  committedAt: string;
  eventCount: number;
  events: Uint8Array[];
  pendingPk?: string;
  pendingSk?: string;
}

/** True when a record read from the table or a change feed has a commit item's shape. */
export function isCommitItem(value: unknown): value is CommitItem {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.pk === "string" &&
    typeof v.sk === "number" &&
    typeof v.lastVersion === "number" &&
    typeof v.tenant === "string" &&
    typeof v.commitId === "string" &&
    typeof v.committedAt === "string" &&
    Array.isArray(v.events)
  );
}

/** Key schema, attribute definitions and GSIs of the events table (no table name). */
export const eventStoreTableSchema = {
  BillingMode: "PAY_PER_REQUEST",
  KeySchema: [
    { AttributeName: "pk", KeyType: "HASH" },
    { AttributeName: "sk", KeyType: "RANGE" },
  ],
  AttributeDefinitions: [
    { AttributeName: "pk", AttributeType: "S" },
    { AttributeName: "sk", AttributeType: "N" },
    { AttributeName: "tenant", AttributeType: "S" },
    { AttributeName: "commitId", AttributeType: "S" },
    { AttributeName: "pendingPk", AttributeType: "S" },
    { AttributeName: "pendingSk", AttributeType: "S" },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: BY_TENANT_INDEX,
      KeySchema: [
        { AttributeName: "tenant", KeyType: "HASH" },
        { AttributeName: "commitId", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    },
    {
      IndexName: PENDING_INDEX,
      KeySchema: [
        { AttributeName: "pendingPk", KeyType: "HASH" },
        { AttributeName: "pendingSk", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    },
  ],
} as const satisfies Omit<CreateTableCommandInput, "TableName">;

/** The CreateTable input for an events table of this name. */
export function eventStoreTableDefinition(tableName: string): CreateTableCommandInput {
  // structuredClone: the SDK may not mutate our shared constant
  return { TableName: tableName, ...structuredClone(eventStoreTableSchema) } as CreateTableCommandInput;
}

/** Creates a table unless it exists, then waits until it is active. */
export async function ensureTable(
  client: DynamoDBClient,
  definition: CreateTableCommandInput,
): Promise<void> {
  const TableName = definition.TableName;
  try {
    const described = await client.send(new DescribeTableCommand({ TableName }));
    if (described.Table?.TableStatus === "ACTIVE") return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (createError) {
      // another process created it between our describe and create
      if (!(createError instanceof ResourceInUseException)) throw createError;
    }
  }
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName });
}

/** Creates a pay-per-request table keyed by a string `pk` and a string `sk` if it is missing. */
export function ensurePkSkTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return ensureTable(client, {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
  });
}

/** Creates the events table with both GSIs if it is missing (local runtime and tests). */
export function ensureEventStoreTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return ensureTable(client, eventStoreTableDefinition(tableName));
}
