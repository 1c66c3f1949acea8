/**
 * Where the local poller remembers, per consumer and shard, the sequence number of the last
 * record the consumer acknowledged (what Lambda's event source mapping keeps for itself on
 * AWS). The DynamoDB implementation uses a table `…-checkpoints`: `pk` = consumer name (S),
 * `sk` = shard id (S), `sequenceNumber` (S), `updatedAt` (S, ISO-8601).
 */
import type { CreateTableCommandInput, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { ensureTable } from "../dynamodb/event-store-table.ts";

export interface CheckpointStore {
  /** the last acknowledged sequence number, or null when the consumer never read the shard */
  load(consumer: string, shardId: string): Promise<string | null>;
  save(consumer: string, shardId: string, sequenceNumber: string): Promise<void>;
}

/** The checkpoints table's CreateTable input. */
export function checkpointTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
    ],
  };
}

export function ensureCheckpointTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return ensureTable(client, checkpointTableDefinition(tableName));
}

export class DynamoCheckpointStore implements CheckpointStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(consumer: string, shardId: string): Promise<string | null> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: consumer, sk: shardId }, ConsistentRead: true }),
    );
    const seq = result.Item?.sequenceNumber;
    return typeof seq === "string" ? seq : null;
  }

  async save(consumer: string, shardId: string, sequenceNumber: string): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: consumer, sk: shardId, sequenceNumber, updatedAt: new Date().toISOString() },
      }),
    );
  }
}
