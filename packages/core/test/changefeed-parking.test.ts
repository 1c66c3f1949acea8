/**
 * Parking: a record a consumer cannot handle holds back only its own stream. Other streams go
 * on, the parked stream's later records wait behind it in order, an outage is retried where
 * it stands, and a retry after the fix applies what was held and releases the stream.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { DecodedEvent } from "@jobledger/events";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import type { CommitItem } from "../src/adapters/dynamodb/event-store-table.ts";
import {
  createDynamoParkedRecordStore,
  ensureParkedRecordsTable,
} from "../src/adapters/dynamodb/parked-record-store.ts";
import { toLambdaEvent } from "../src/adapters/kinesis/lambda-event.ts";
import { createParkedRecords } from "../src/application/parked-records.ts";
import { type ConsumerParking, createStreamConsumer } from "../src/changefeed/consumer.ts";
import { isTransientFailure } from "../src/changefeed/failure-kind.ts";
import { changeRecordData, commitToChangeRecord } from "../src/changefeed/record.ts";
import type { ParkedRecordStore } from "../src/ports/parked-records.ts";
import { jobCreated, jobPaused } from "./support/events.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";

const silent = pino({ level: "silent" });
let dynamo: TestDynamo;
let table: string;
let eventStore: DynamoEventStore;
let store: ParkedRecordStore;
let parking: ConsumerParking;
let sequence = 0;

beforeAll(async () => {
  dynamo = await withDynalite();
  table = await dynamo.newEventsTable();
  eventStore = new DynamoEventStore({ doc: dynamo.doc, tableName: table });
});
afterAll(() => dynamo?.close());

beforeEach(async () => {
  const parkedTable = uniqueName("parked");
  await ensureParkedRecordsTable(dynamo.client, parkedTable);
  store = createDynamoParkedRecordStore({ doc: dynamo.doc, tableName: parkedTable });
  parking = { store, eventStore, refreshMs: 0 };
});

/** A new job stream with `commits` commits (v1 created, then pauses), tenant t1. */
async function newStream(commits: number): Promise<string> {
  const id = `t1/job/${uniqueName("job")}`;
  await eventStore.append(id, 0, [jobCreated("t1")]);
  for (let v = 1; v < commits; v++) await eventStore.append(id, v, [jobPaused("t1", `p${v}`)]);
  return id;
}

/** The change records of these (stream, version) commits, in this order, as one Lambda batch. */
async function batch(commits: [string, number][]): Promise<KinesisStreamEvent> {
  const items: CommitItem[] = [];
  for (const [pk, sk] of commits) {
    const { Item } = await dynamo.doc.send(new GetCommand({ TableName: table, Key: { pk, sk } }));
    items.push(Item as CommitItem);
  }
  return toLambdaEvent(
    items.map((item) => ({
      Data: changeRecordData(commitToChangeRecord(item, { tableName: table, region: "us-east-1" })),
      PartitionKey: item.pk,
      SequenceNumber: String(++sequence).padStart(12, "0"),
      ApproximateArrivalTimestamp: new Date(),
    })),
    {
      shardId: "shardId-000000000000",
      region: "us-east-1",
      eventSourceARN: "arn:aws:kinesis:us-east-1:000000000000:stream/s",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/r",
    },
  );
}

/** A consumer that records what it applied and fails on the versions `poison` names. */
function recordingConsumer(poison: Map<string, Set<number>>, failWith = () => new TypeError("bad data")) {
  const applied: string[] = [];
  const consumer = createStreamConsumer(
    "test-projector",
    {
      consume: async (events: DecodedEvent[]) => {
        for (const e of events) if (poison.get(e.streamId)?.has(e.version)) throw failWith();
        for (const e of events) applied.push(`${e.streamId}@${e.version}`);
      },
    },
    { logger: silent, parking, retryDelayMs: 1 },
  );
  return { consumer, applied };
}

const at = (id: string, ...versions: number[]) => versions.map((v) => `${id}@${v}`);

describe("parking a poison record", () => {
  it("parks the failing record's stream, holds its later records back, and applies every other stream", async () => {
    const a = await newStream(4);
    const b = await newStream(3);
    const { consumer, applied } = recordingConsumer(new Map([[a, new Set([2])]]));

    const response = await consumer.handler(
      await batch([
        [a, 1],
        [b, 1],
        [a, 2],
        [b, 2],
        [a, 3],
        [b, 3],
      ]),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(applied).toEqual([...at(a, 1), ...at(b, 1, 2, 3)]);
    const entry = await store.get("test-projector", a);
    expect(entry).toMatchObject({
      consumer: "test-projector",
      streamId: a,
      tenant: "t1",
      fromVersion: 2,
      toVersion: 3,
      tries: 3,
      error: { name: "TypeError", message: "bad data" },
    });

    // a later batch: the parked stream still waits, others do not
    const later = await consumer.handler(await batch([[a, 4]]));
    expect(later.batchItemFailures).toEqual([]);
    expect(applied).not.toContain(`${a}@4`);
    expect((await store.get("test-projector", a))?.toVersion).toBe(4);
  });

  it("retries an outage where it stands and parks nothing", async () => {
    const a = await newStream(2);
    const b = await newStream(1);
    const outage = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const { consumer, applied } = recordingConsumer(new Map([[a, new Set([2])]]), () => outage);
    const event = await batch([
      [a, 1],
      [a, 2],
      [b, 1],
    ]);

    const response = await consumer.handler(event);

    const sequenceNumbers = event.Records.map((r) => r.kinesis.sequenceNumber);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(sequenceNumbers.slice(1));
    expect(applied).toEqual(at(a, 1));
    expect(await store.list(["test-projector"])).toEqual([]);
  });

  it("after the fix, a retry applies the held versions in order and releases the stream", async () => {
    const a = await newStream(4);
    const poison = new Map([[a, new Set([2])]]);
    const { consumer, applied } = recordingConsumer(poison);
    await consumer.handler(
      await batch([
        [a, 1],
        [a, 2],
        [a, 3],
      ]),
    );
    expect(applied).toEqual(at(a, 1));

    // still broken: the retry fails, the entry stays with one more try and the new error
    expect(await consumer.retryParked(a)).toMatchObject({ status: "failed", error: { message: "bad data" } });
    expect((await store.get("test-projector", a))?.tries).toBe(4);

    poison.clear(); // the fix
    const service = createParkedRecords({ store, consumers: [consumer] });
    expect(await service.list("t2")).toEqual([]); // another tenant sees nothing
    expect(await service.retry({ tenant: "t1" })).toEqual([
      { consumer: "test-projector", streamId: a, status: "released", applied: 2 },
    ]);
    expect(applied).toEqual(at(a, 1, 2, 3));
    expect(await store.get("test-projector", a)).toBeNull();

    // released: the stream's next record is applied as usual
    await consumer.handler(await batch([[a, 4]]));
    expect(applied).toEqual(at(a, 1, 2, 3, 4));
  });

  it("a record held back while a retry runs is applied by that retry, in order", async () => {
    const a = await newStream(3);
    const poison = new Map([[a, new Set([2])]]);
    const applied: number[] = [];
    let during: (() => Promise<void>) | null = null;
    const consumer = createStreamConsumer(
      "racing-projector",
      {
        consume: async (events) => {
          for (const e of events) if (poison.get(e.streamId)?.has(e.version)) throw new RangeError("bad");
          const hook = during;
          during = null;
          await hook?.(); // the live consumer sees v3 while the retry is applying v2
          applied.push(...events.map((e) => e.version));
        },
      },
      { logger: silent, parking, retryDelayMs: 1 },
    );
    await consumer.handler(
      await batch([
        [a, 1],
        [a, 2],
      ]),
    );
    poison.clear();
    const v3 = await batch([[a, 3]]);
    during = async () => {
      expect((await consumer.handler(v3)).batchItemFailures).toEqual([]);
    };

    expect(await consumer.retryParked(a)).toEqual({ status: "released", applied: 2 });
    expect(applied).toEqual([1, 2, 3]);
    expect(await store.get("racing-projector", a)).toBeNull();
  });

  it("parks a record whose events cannot be decoded, with the decoder's error", async () => {
    const a = await newStream(2);
    const b = await newStream(1);
    const event = await batch([
      [a, 2],
      [b, 1],
    ]);
    const record = event.Records[0] as KinesisStreamRecord;
    const data = JSON.parse(Buffer.from(record.kinesis.data, "base64").toString("utf8"));
    data.dynamodb.NewImage.events = { L: [{ B: Buffer.from("not avro").toString("base64") }] };
    record.kinesis.data = Buffer.from(JSON.stringify(data)).toString("base64");
    const { consumer, applied } = recordingConsumer(new Map());

    expect((await consumer.handler(event)).batchItemFailures).toEqual([]);

    expect(applied).toEqual(at(b, 1));
    expect(await store.get("test-projector", a)).toMatchObject({
      fromVersion: 2,
      toVersion: 2,
      error: { name: "InvalidChangeRecord" },
    });
  });

  it("a whole-batch consumer writes the batch once, or finds and parks the record at fault", async () => {
    const a = await newStream(2);
    const b = await newStream(2);
    const calls: string[][] = [];
    const consumer = createStreamConsumer(
      "test-lake",
      {
        consumeBatch: async (records) => {
          const ids = records.flatMap((r) => r.events.map((e) => `${e.streamId}@${e.version}`));
          if (ids.includes(`${b}@1`)) throw new SyntaxError("cannot encode");
          calls.push(ids);
        },
      },
      { logger: silent, parking, retryDelayMs: 1 },
    );

    const response = await consumer.handler(
      await batch([
        [a, 1],
        [b, 1],
        [a, 2],
        [b, 2],
      ]),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(calls).toEqual([at(a, 1), at(a, 2)]);
    expect(await store.get("test-lake", b)).toMatchObject({ fromVersion: 1, toVersion: 2 });
  });
});

describe("isTransientFailure", () => {
  it("tells outages from the record's own faults, looking through causes", () => {
    const pgDown = Object.assign(new Error("the database system is shutting down"), { code: "57P03" });
    const throttled = Object.assign(new Error("slow down"), {
      name: "ProvisionedThroughputExceededException",
      $metadata: { httpStatusCode: 400 },
    });
    expect(isTransientFailure(pgDown)).toBe(true);
    expect(isTransientFailure(new Error("projecting failed", { cause: pgDown }))).toBe(true);
    expect(isTransientFailure(throttled)).toBe(true);
    expect(isTransientFailure(new Error("Connection terminated unexpectedly"))).toBe(true);

    const nul = Object.assign(new Error("unsupported Unicode escape sequence"), { code: "22P05" });
    expect(isTransientFailure(nul)).toBe(false);
    expect(isTransientFailure(new TypeError("cannot read properties of undefined"))).toBe(false);
    expect(
      isTransientFailure(Object.assign(new Error("bad key"), { $metadata: { httpStatusCode: 400 } })),
    ).toBe(false);
  });
});
