/**
 * IdempotencyStore on DynamoDB: one item per (tenant, key), claimed with a conditional put.
 * Items carry `expiresAt` (epoch seconds) for DynamoDB TTL on AWS; expiry is also checked on
 * read, because the local stand-in does not expire items.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { IdempotencyClaim, IdempotencyStore, StoredResponse } from "../../ports/idempotency.ts";
import { ensureTable } from "../dynamodb/event-store-table.ts";

export interface DynamoIdempotencyOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  ttlSeconds: number;
  /** how long an in-progress claim blocks the key before it may be taken over */
  lockSeconds?: number;
}

const epochSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

export function createDynamoIdempotencyStore(options: DynamoIdempotencyOptions): IdempotencyStore {
  const { doc, tableName, ttlSeconds } = options;
  const lockSeconds = options.lockSeconds ?? 60;
  const pk = (scope: string, key: string) => `${scope}#${key}`;

  return {
    async claim(scope, key, fingerprint, now): Promise<IdempotencyClaim> {
      const nowS = epochSeconds(now);
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: pk(scope, key),
              fingerprint,
              state: "in-progress",
              lockedUntil: nowS + lockSeconds,
              expiresAt: nowS + ttlSeconds,
            },
            ConditionExpression:
              "attribute_not_exists(pk) OR expiresAt < :now OR (#state = :progress AND lockedUntil < :now)",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: { ":now": nowS, ":progress": "in-progress" },
          }),
        );
        return { kind: "claimed" };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const existing = await doc.send(
        new GetCommand({ TableName: tableName, Key: { pk: pk(scope, key) }, ConsistentRead: true }),
      );
      const item = existing.Item;
      if (!item) return { kind: "in-progress" }; // released between our put and get: let the client retry
      if (item.fingerprint !== fingerprint) return { kind: "mismatch" };
      if (item.state === "complete") {
        return { kind: "replay", response: JSON.parse(item.response as string) as StoredResponse };
      }
      return { kind: "in-progress" };
    },

    async complete(scope, key, response, now) {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: pk(scope, key) },
          UpdateExpression:
            "SET #state = :complete, #response = :response, expiresAt = :expires REMOVE lockedUntil",
          ExpressionAttributeNames: { "#state": "state", "#response": "response" },
          ExpressionAttributeValues: {
            ":complete": "complete",
            ":response": JSON.stringify(response),
            ":expires": epochSeconds(now) + ttlSeconds,
          },
        }),
      );
    },

    async release(scope, key) {
      await doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: pk(scope, key) } }));
    },
  };
}

/** Creates the table when missing (local runtime and tests; on AWS the infrastructure does). */
export function ensureIdempotencyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return ensureTable(client, {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
  });
}
