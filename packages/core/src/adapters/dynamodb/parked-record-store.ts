/**
 * ParkedRecordStore on DynamoDB: one item per parked stream, `pk` = consumer name, `sk` =
 * stream id. Stream ids start with their tenant (`<tenant>/<kind>/<id>`), so one tenant's
 * entries are a `begins_with` key condition and the table needs no index.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  type QueryCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ParkedRecordStore, ParkedStream } from "../../ports/parked-records.ts";
import { ensurePkSkTable } from "./event-store-table.ts";

export interface DynamoParkedRecordStoreOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
}

type Item = Omit<ParkedStream, "consumer" | "streamId"> & { pk: string; sk: string };

const toEntry = ({ pk, sk, ...rest }: Item): ParkedStream => ({ consumer: pk, streamId: sk, ...rest });

async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export function createDynamoParkedRecordStore(options: DynamoParkedRecordStoreOptions): ParkedRecordStore {
  const { doc, tableName: TableName } = options;

  async function query(input: Omit<QueryCommandInput, "TableName">): Promise<Item[]> {
    const items: Item[] = [];
    for await (const page of paginateQuery({ client: doc }, { ...input, TableName, ConsistentRead: true })) {
      items.push(...((page.Items ?? []) as Item[]));
    }
    return items;
  }

  async function get(consumer: string, streamId: string): Promise<ParkedStream | null> {
    const { Item } = await doc.send(
      new GetCommand({ TableName, Key: { pk: consumer, sk: streamId }, ConsistentRead: true }),
    );
    return Item ? toEntry(Item as Item) : null;
  }

  return {
    get,

    park({ consumer, streamId, ...rest }) {
      return conditional(
        doc.send(
          new PutCommand({
            TableName,
            Item: { pk: consumer, sk: streamId, ...rest },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        ),
      );
    },

    holdBack(consumer, streamId, toVersion) {
      return conditional(
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: consumer, sk: streamId },
            UpdateExpression: "SET toVersion = :v",
            // a redelivered record never lowers what is held back
            ConditionExpression: "attribute_exists(pk) AND toVersion <= :v",
            ExpressionAttributeValues: { ":v": toVersion },
          }),
        ),
      ).then(async (held) => held || (await get(consumer, streamId)) !== null);
    },

    async parkedStreams(consumer) {
      const items = await query({
        KeyConditionExpression: "pk = :c",
        ExpressionAttributeValues: { ":c": consumer },
        ProjectionExpression: "sk",
      });
      return new Set(items.map((item) => item.sk));
    },

    async list(consumers, tenant) {
      const lists = await Promise.all(
        consumers.map((consumer) =>
          query(
            tenant === undefined
              ? { KeyConditionExpression: "pk = :c", ExpressionAttributeValues: { ":c": consumer } }
              : {
                  KeyConditionExpression: "pk = :c AND begins_with(sk, :t)",
                  ExpressionAttributeValues: { ":c": consumer, ":t": `${tenant}/` },
                },
          ),
        ),
      );
      return lists.flat().map(toEntry);
    },

    async retryFailed(consumer, streamId, error, at) {
      await conditional(
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: consumer, sk: streamId },
            UpdateExpression: "SET #error = :e, lastTriedAt = :at ADD tries :one",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: { "#error": "error" },
            ExpressionAttributeValues: { ":e": error, ":at": at, ":one": 1 },
          }),
        ),
      );
    },

    release(consumer, streamId, toVersion) {
      return conditional(
        doc.send(
          new DeleteCommand({
            TableName,
            Key: { pk: consumer, sk: streamId },
            ConditionExpression: "toVersion = :v",
            ExpressionAttributeValues: { ":v": toVersion },
          }),
        ),
      );
    },
  };
}

/** Creates the table when missing (local runtime and tests; on AWS the infrastructure does). */
export function ensureParkedRecordsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return ensurePkSkTable(client, tableName);
}
