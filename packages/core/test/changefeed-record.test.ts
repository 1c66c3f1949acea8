/** Change records: the relay's format matches Powertools' schema, and decodes back to events. */
import { DynamoDBStreamToKinesisRecord } from "@aws-lambda-powertools/parser/schemas/dynamodb";
import { KinesisDynamoDBStreamSchema } from "@aws-lambda-powertools/parser/schemas/kinesis";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { KinesisStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import type { CommitItem } from "../src/adapters/dynamodb/event-store-table.ts";
import { toLambdaEvent } from "../src/adapters/kinesis/lambda-event.ts";
import {
  changeRecordData,
  commitToChangeRecord,
  type DynamoDBChangeRecord,
  decodeChangeRecords,
  InvalidChangeRecord,
} from "../src/changefeed/record.ts";
import { jobCreated, toggles } from "./support/events.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";

let dynamo: TestDynamo;
let table: string;
let store: DynamoEventStore;

beforeAll(async () => {
  dynamo = await withDynalite();
  table = await dynamo.newEventsTable();
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: table, changeFeed: "relay" });
});
afterAll(() => dynamo?.close());

async function storedCommit(): Promise<{
  item: CommitItem;
  appended: Awaited<ReturnType<typeof store.append>>;
}> {
  const id = `t1/job/${uniqueName("job")}`;
  const appended = await store.append(id, 0, [jobCreated("t1"), ...toggles("t1", 2)]);
  const item = (await dynamo.doc.send(new GetCommand({ TableName: table, Key: { pk: id, sk: 1 } }))).Item;
  return { item: item as CommitItem, appended };
}

function asLambdaEvent(records: DynamoDBChangeRecord[], partitionKey = "p"): KinesisStreamEvent {
  return toLambdaEvent(
    records.map((r, i) => ({
      Data: changeRecordData(r),
      PartitionKey: partitionKey,
      SequenceNumber: `4960000000000000000000000000000000000000000000000000000${i}`,
      ApproximateArrivalTimestamp: new Date("2026-11-23T12:00:01.000Z"),
    })),
    {
      shardId: "shardId-000000000000",
      region: "eu-central-1",
      eventSourceARN: "arn:aws:kinesis:eu-central-1:000000000000:stream/events",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/test",
    },
  );
}

describe("commitToChangeRecord", () => {
  it("produces the Kinesis Data Streams for DynamoDB record format", async () => {
    const { item } = await storedCommit();
    const record = commitToChangeRecord(item, { tableName: table, region: "eu-central-1" });
    expect(record).toMatchObject({
      awsRegion: "eu-central-1",
      eventID: item.commitId,
      eventName: "INSERT",
      userIdentity: null,
      recordFormat: "application/json",
      tableName: table,
      eventSource: "aws:dynamodb",
    });
    expect(record.dynamodb.Keys).toEqual({ pk: { S: item.pk }, sk: { N: "1" } });
    expect(record.dynamodb.ApproximateCreationDateTime).toBe(Date.parse(item.committedAt));
    expect(record.dynamodb.SizeBytes).toBeGreaterThan(0);
    const image = record.dynamodb.NewImage!;
    expect(image.lastVersion).toEqual({ N: "3" });
    expect(image.tenant).toEqual({ S: "t1" });
    // the relay-only markers are not part of what AWS would stream
    expect(image.pendingPk).toBeUndefined();
    expect(image.pendingSk).toBeUndefined();
    const events = (image.events as { L: { B: string }[] }).L;
    expect(events).toHaveLength(3);
    expect(Buffer.from(events[0]!.B, "base64")).toEqual(Buffer.from(item.events[0]!));
    // it is plain JSON: a JSON round trip changes nothing
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it("passes Powertools' DynamoDBStreamToKinesisRecord and KinesisDynamoDBStream schemas unchanged", async () => {
    const { item } = await storedCommit();
    const record = commitToChangeRecord(item, { tableName: table, region: "eu-central-1" });
    const parsed = DynamoDBStreamToKinesisRecord.parse(JSON.parse(JSON.stringify(record)));
    expect(parsed.eventName).toBe("INSERT");
    expect(parsed.dynamodb.Keys).toEqual({ pk: item.pk, sk: 1 });
    expect(parsed.dynamodb.NewImage).toMatchObject({ pk: item.pk, sk: 1, lastVersion: 3, tenant: "t1" });

    const event = asLambdaEvent([record]);
    const envelope = KinesisDynamoDBStreamSchema.parse(event);
    expect(envelope.Records[0]!.kinesis.data.tableName).toBe(table);
  });
});

describe("decodeChangeRecords", () => {
  it("round-trips a commit to the events the append returned", async () => {
    const { item, appended } = await storedCommit();
    const record = commitToChangeRecord(item, { tableName: table, region: "eu-central-1" });
    const [decoded] = decodeChangeRecords(asLambdaEvent([record], item.pk));
    expect(decoded!.sequenceNumber).toMatch(/^49600/);
    expect(decoded!.partitionKey).toBe(item.pk);
    expect(decoded!.commit).toEqual({
      streamId: item.pk,
      firstVersion: 1,
      lastVersion: 3,
      tenant: "t1",
      commitId: item.commitId,
      committedAt: item.committedAt,
    });
    expect(decoded!.events).toEqual(appended.events);
  });

  it("returns no events for MODIFY/REMOVE records and for items that are not commits", async () => {
    const { item } = await storedCommit();
    const modify = commitToChangeRecord(item, { tableName: table, region: "r", eventName: "MODIFY" });
    const remove = commitToChangeRecord(item, { tableName: table, region: "r", eventName: "REMOVE" });
    const notCommit: DynamoDBChangeRecord = {
      ...commitToChangeRecord(item, { tableName: table, region: "r" }),
      dynamodb: {
        ApproximateCreationDateTime: 1,
        Keys: { pk: { S: "x" }, sk: { N: "1" } },
        NewImage: { pk: { S: "x" }, sk: { N: "1" }, other: { S: "y" } },
        SizeBytes: 10,
      },
    };
    const decoded = decodeChangeRecords(asLambdaEvent([modify, remove, notCommit]));
    expect(decoded.map((d) => [d.eventName, d.commit, d.events])).toEqual([
      ["MODIFY", null, []],
      ["REMOVE", null, []],
      ["INSERT", null, []],
    ]);
  });

  it("rejects data that is not a DynamoDB change record", () => {
    const event = asLambdaEvent([]);
    event.Records.push({
      ...asLambdaEvent([
        commitToChangeRecord(
          {
            pk: "t1/job/x",
            sk: 1,
            lastVersion: 1,
            tenant: "t1",
            commitId: "c",
            committedAt: "2026-11-23T12:00:00.000Z",
            eventCount: 1,
            events: [new Uint8Array([1, 2, 3])],
          },
          { tableName: "t", region: "r" },
        ),
      ]).Records[0]!,
    });
    // undecodable event bytes
    expect(() => decodeChangeRecords(event)).toThrow(InvalidChangeRecord);
    // not the change record shape at all
    const garbage = asLambdaEvent([]);
    garbage.Records.push({
      ...event.Records[0]!,
      kinesis: { ...event.Records[0]!.kinesis, data: Buffer.from('{"hello":1}').toString("base64") },
    });
    expect(() => decodeChangeRecords(garbage)).toThrow(/is not a DynamoDB change record/);
  });
});
