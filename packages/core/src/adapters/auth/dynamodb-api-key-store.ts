/**
 * ApiKeyStore on DynamoDB: one item per key, `pk` = key id (keys are looked up by id when a
 * request authenticates, before its tenant is known); listing filters by tenant with a GSI
 * on `tenant`. Only the SHA-256 hash of a key is stored.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type ApiKeyRecord, type ApiKeyStore, LAST_USED_RESOLUTION_MS } from "../../auth/api-keys.ts";
import { ensureTable } from "../dynamodb/event-store-table.ts";

const TENANT_INDEX = "byTenant";

export function createDynamoApiKeyStore(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): ApiKeyStore {
  const { doc, tableName } = options;
  const toRecord = (item: Record<string, unknown>): ApiKeyRecord => ({
    id: item.pk as string,
    tenant: item.tenant as string,
    name: item.name as string,
    role: item.role as ApiKeyRecord["role"],
    hash: item.hash as string,
    createdAt: item.createdAt as string,
    createdBy: item.createdBy as string,
    revokedAt: (item.revokedAt as string | undefined) ?? null,
    revokedBy: (item.revokedBy as string | undefined) ?? null,
    expiresAt: (item.expiresAt as string | undefined) ?? null,
    lastUsedAt: (item.lastUsedAt as string | undefined) ?? null,
  });
  return {
    async put(record) {
      const { id, revokedAt: _r, revokedBy: _b, lastUsedAt: _u, expiresAt, ...rest } = record;
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: id, ...rest, ...(expiresAt === null ? {} : { expiresAt }) },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    },
    async get(id) {
      const out = await doc.send(
        new GetCommand({ TableName: tableName, Key: { pk: id }, ConsistentRead: true }),
      );
      return out.Item ? toRecord(out.Item) : null;
    },
    async list(tenant) {
      const records: ApiKeyRecord[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: TENANT_INDEX,
            KeyConditionExpression: "tenant = :t",
            ExpressionAttributeValues: { ":t": tenant },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) records.push(toRecord(item));
        start = page.LastEvaluatedKey;
      } while (start);
      return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    },
    async touch(id, at) {
      const before = new Date(at.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: id },
            UpdateExpression: "SET lastUsedAt = :at",
            ConditionExpression:
              "attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt <= :before)",
            ExpressionAttributeValues: { ":at": at.toISOString(), ":before": before },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
    async revoke(tenant, id, at, by) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: id },
            UpdateExpression:
              "SET revokedAt = if_not_exists(revokedAt, :at), revokedBy = if_not_exists(revokedBy, :by)",
            ConditionExpression: "attribute_exists(pk) AND tenant = :t",
            ExpressionAttributeValues: { ":at": at, ":by": by, ":t": tenant },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}

/** Creates the table when missing (local runtime and tests; on AWS the infrastructure does). */
export function ensureApiKeyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return ensureTable(client, {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "tenant", AttributeType: "S" },
    ],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    GlobalSecondaryIndexes: [
      {
        IndexName: TENANT_INDEX,
        KeySchema: [{ AttributeName: "tenant", KeyType: "HASH" }],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  });
}
