/**
 * Test helpers around the embedded stand-ins: each call starts its own dynalite or
 * kinesalite on a random loopback port (so test files run in parallel without sharing
 * state) and hands out fresh table and stream names.
 */
import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ensureEventStoreTable } from "../../src/adapters/dynamodb/event-store-table.ts";
import { ensureStream } from "../../src/adapters/kinesis/stream.ts";
import {
  createDynamoClients,
  createKinesisClient,
  startDynalite,
  startKinesalite,
} from "../../src/adapters/local/standins.ts";

export const TEST_REGION = "us-east-1";

/** A name no other test uses: `<prefix>-<8 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface TestDynamo {
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** a fresh events table (created, with both GSIs) */
  newEventsTable(prefix?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a private dynalite with clients for it. Call `close()` in afterAll. */
export async function withDynalite(): Promise<TestDynamo> {
  const standIn = await startDynalite();
  const { client, doc, destroy } = createDynamoClients({ endpoint: standIn.endpoint, region: TEST_REGION });
  return {
    endpoint: standIn.endpoint,
    client,
    doc,
    async newEventsTable(prefix = "events") {
      const name = uniqueName(prefix);
      await ensureEventStoreTable(client, name);
      return name;
    },
    async close() {
      destroy();
      await standIn.close();
    },
  };
}

export interface TestKinesis {
  endpoint: string;
  kinesis: KinesisClient;
  /** a fresh, active stream */
  newStream(shards?: number, prefix?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a private kinesalite with a client for it. Call `close()` in afterAll. */
export async function withKinesalite(): Promise<TestKinesis> {
  const standIn = await startKinesalite();
  const kinesis = createKinesisClient({ endpoint: standIn.endpoint, region: TEST_REGION });
  return {
    endpoint: standIn.endpoint,
    kinesis,
    async newStream(shards = 1, prefix = "stream") {
      const name = uniqueName(prefix);
      await ensureStream(kinesis, name, shards);
      return name;
    },
    async close() {
      kinesis.destroy();
      await standIn.close();
    },
  };
}
