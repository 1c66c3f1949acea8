/** The consumer handler wrapper: in-order processing and Lambda's partial-batch contract. */

import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { DecodedEvent } from "@jobledger/events";
import type { KinesisStreamEvent } from "aws-lambda";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import type { CommitItem } from "../src/adapters/dynamodb/event-store-table.ts";
import { toLambdaEvent } from "../src/adapters/kinesis/lambda-event.ts";
import { createStreamConsumerHandler } from "../src/changefeed/consumer.ts";
import { changeRecordData, commitToChangeRecord } from "../src/changefeed/record.ts";
import { jobCreated, jobPaused } from "./support/events.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";

let dynamo: TestDynamo;
let table: string;
let event: KinesisStreamEvent;
const silent = pino({ level: "silent" });

/** Five commits of one stream as one Lambda batch. */
beforeAll(async () => {
  dynamo = await withDynalite();
  table = await dynamo.newEventsTable();
  const store = new DynamoEventStore({ doc: dynamo.doc, tableName: table });
  const id = `t1/job/${uniqueName("job")}`;
  await store.append(id, 0, [jobCreated("t1")]);
  for (let v = 1; v < 5; v++) await store.append(id, v, [jobPaused("t1", `p${v}`)]);
  const items: CommitItem[] = [];
  for (let sk = 1; sk <= 5; sk++) {
    items.push(
      (await dynamo.doc.send(new GetCommand({ TableName: table, Key: { pk: id, sk } }))).Item as CommitItem,
    );
  }
  event = toLambdaEvent(
    items.map((item, i) => ({
      Data: changeRecordData(commitToChangeRecord(item, { tableName: table, region: "us-east-1" })),
      PartitionKey: id,
      SequenceNumber: `1000${i}`,
      ApproximateArrivalTimestamp: new Date(),
    })),
    {
      shardId: "shardId-000000000000",
      region: "us-east-1",
      eventSourceARN: "arn:aws:kinesis:us-east-1:000000000000:stream/s",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/r",
    },
  );
});
afterAll(() => dynamo?.close());

describe("createStreamConsumerHandler", () => {
  it("hands each record's decoded events to the consumer, in order, and reports success", async () => {
    const seen: [string, number[]][] = [];
    const handler = createStreamConsumerHandler(
      async (events: DecodedEvent[], record) => {
        seen.push([record.sequenceNumber, events.map((e) => e.version)]);
      },
      { logger: silent },
    );
    await expect(handler(event)).resolves.toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([
      ["10000", [1]],
      ["10001", [2]],
      ["10002", [3]],
      ["10003", [4]],
      ["10004", [5]],
    ]);
  });

  it("stops at the first failure and reports it and every later record", async () => {
    const seen: number[] = [];
    const handler = createStreamConsumerHandler(
      async (events) => {
        const version = events[0]!.version;
        if (version === 3) throw new Error("projection database unavailable");
        seen.push(version);
      },
      { logger: silent },
    );
    const response = await handler(event);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["10002", "10003", "10004"]);
    // nothing after the failure was applied
    expect(seen).toEqual([1, 2]);
  });

  it("reports an undecodable record as the failure point", async () => {
    const broken: KinesisStreamEvent = {
      Records: event.Records.map((r, i) =>
        i === 1 ? { ...r, kinesis: { ...r.kinesis, data: Buffer.from("not json").toString("base64") } } : r,
      ),
    };
    const seen: number[] = [];
    const handler = createStreamConsumerHandler(
      async (events) => {
        seen.push(events[0]!.version);
      },
      { logger: silent },
    );
    const response = await handler(broken);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      "10001",
      "10002",
      "10003",
      "10004",
    ]);
    expect(seen).toEqual([1]);
  });
});
