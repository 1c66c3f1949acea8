/** The local relay against dynalite + kinesalite: publish once, in order, and recover. */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { DecodedEvent } from "@jobledger/events";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { DynamoCheckpointStore, ensureCheckpointTable } from "../src/adapters/kinesis/checkpoint-store.ts";
import { KinesisPoller } from "../src/adapters/kinesis/poller.ts";
import { ensureStream } from "../src/adapters/kinesis/stream.ts";
import { LocalRelay } from "../src/adapters/local/relay.ts";
import { createStreamConsumerHandler } from "../src/changefeed/consumer.ts";
import { jobCreated, jobPaused, toggles } from "./support/events.ts";
import { readWholeStream } from "./support/kinesis.ts";
import {
  TEST_REGION,
  type TestDynamo,
  type TestKinesis,
  uniqueName,
  withDynalite,
  withKinesalite,
} from "./support/standins.ts";

let dynamo: TestDynamo;
let kin: TestKinesis;
const silent = pino({ level: "silent" });

beforeAll(async () => {
  [dynamo, kin] = await Promise.all([withDynalite(), withKinesalite()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), kin?.close()]);
});

interface Published {
  partitionKey: string;
  eventName: string;
  pk: string;
  sk: number;
  lastVersion: number;
}

async function published(streamName: string): Promise<Published[]> {
  return (await readWholeStream(kin.kinesis, streamName)).map((r) => {
    const record = JSON.parse(Buffer.from(r.data).toString("utf8"));
    return {
      partitionKey: r.partitionKey,
      eventName: record.eventName,
      pk: record.dynamodb.Keys.pk.S,
      sk: Number(record.dynamodb.Keys.sk.N),
      lastVersion: Number(record.dynamodb.NewImage.lastVersion.N),
    };
  });
}

async function setup(shards = 2) {
  const tableName = await dynamo.newEventsTable();
  const streamName = await kin.newStream(shards);
  const relay = new LocalRelay({
    doc: dynamo.doc,
    tableName,
    kinesis: kin.kinesis,
    streamName,
    region: TEST_REGION,
    logger: silent,
  });
  const store = new DynamoEventStore({
    doc: dynamo.doc,
    tableName,
    changeFeed: "relay",
    onCommitted: relay.onCommitted,
  });
  /** the same table without a relay: appends made while the relay is "down" */
  const crashedStore = new DynamoEventStore({ doc: dynamo.doc, tableName, changeFeed: "relay" });
  return { tableName, streamName, relay, store, crashedStore };
}

async function isPending(tableName: string, pk: string, sk: number): Promise<boolean> {
  const item = (
    await dynamo.doc.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }))
  ).Item;
  return item?.pendingPk !== undefined;
}

describe("LocalRelay", () => {
  it("publishes every commit exactly once, per stream in commit order, and clears the marker", async () => {
    const { tableName, streamName, relay, store } = await setup();
    const streams = Array.from({ length: 5 }, () => `t1/job/${uniqueName("job")}`);
    // appends to different streams run concurrently; each stream's commits follow each other
    await Promise.all(
      streams.map(async (id) => {
        let v = (await store.append(id, 0, [jobCreated("t1")])).version;
        for (let i = 0; i < 6; i++) v = (await store.append(id, v, toggles("t1", 1 + (i % 3)))).version;
      }),
    );
    await relay.idle();

    const records = await published(streamName);
    expect(records).toHaveLength(streams.length * 7);
    for (const r of records) {
      expect(r.eventName).toBe("INSERT");
      expect(r.partitionKey).toBe(r.pk);
    }
    for (const id of streams) {
      const ofStream = records.filter((r) => r.pk === id);
      const sks = ofStream.map((r) => r.sk);
      expect(sks).toEqual([...new Set(sks)].sort((a, b) => a - b)); // once each, ascending
      expect(sks[0]).toBe(1);
      for (let i = 1; i < ofStream.length; i++)
        expect(ofStream[i]!.sk).toBe(ofStream[i - 1]!.lastVersion + 1);
      for (const sk of sks) expect(await isPending(tableName, id, sk)).toBe(false);
    }
    expect(relay.stats()).toMatchObject({ published: streams.length * 7, failures: 0, blockedStreams: 0 });
    // nothing left to recover
    await expect(relay.recover()).resolves.toBe(0);
    expect(await published(streamName)).toHaveLength(streams.length * 7);
  });

  it("recover() republishes commits left pending by a crash, oldest first, and only once", async () => {
    const { tableName, streamName, relay, crashedStore, store } = await setup(1);
    const a = `t1/job/${uniqueName("a")}`;
    const b = `t1/job/${uniqueName("b")}`;
    await crashedStore.append(a, 0, [jobCreated("t1")]);
    await crashedStore.append(b, 0, [jobCreated("t1")]);
    await crashedStore.append(a, 1, [jobPaused("t1")]);
    expect(await published(streamName)).toEqual([]);
    expect(await isPending(tableName, a, 1)).toBe(true);

    await relay.start(); // recovers before returning
    const records = await published(streamName);
    expect(records.map((r) => [r.pk, r.sk])).toEqual([
      [a, 1],
      [b, 1],
      [a, 2],
    ]);
    expect(await isPending(tableName, a, 2)).toBe(false);

    // the live path continues after the recovered commits
    await store.append(a, 2, [jobPaused("t1")]);
    await relay.stop();
    await expect(relay.recover()).resolves.toBe(0);
    expect((await published(streamName)).map((r) => [r.pk, r.sk])).toEqual([
      [a, 1],
      [b, 1],
      [a, 2],
      [a, 3],
    ]);
  });

  it("keeps a commit pending when publishing fails and holds the stream's later commits back", async () => {
    const tableName = await dynamo.newEventsTable();
    const streamName = uniqueName("not-yet"); // the stream does not exist yet: PutRecord fails
    const relay = new LocalRelay({
      doc: dynamo.doc,
      tableName,
      kinesis: kin.kinesis,
      streamName,
      region: TEST_REGION,
      logger: silent,
    });
    const store = new DynamoEventStore({
      doc: dynamo.doc,
      tableName,
      changeFeed: "relay",
      onCommitted: relay.onCommitted,
    });
    const id = `t1/job/${uniqueName("job")}`;
    await store.append(id, 0, [jobCreated("t1")]); // the append itself succeeds
    await relay.idle();
    expect(relay.stats()).toMatchObject({ published: 0, failures: 1, blockedStreams: 1 });
    expect(await isPending(tableName, id, 1)).toBe(true);

    await ensureStream(kin.kinesis, streamName, 1);
    // the stream is blocked: this commit waits for the first one
    await store.append(id, 1, [jobPaused("t1")]);
    await relay.idle();
    expect(await published(streamName)).toEqual([]);
    expect(await isPending(tableName, id, 2)).toBe(true);

    await expect(relay.recover()).resolves.toBe(2);
    expect((await published(streamName)).map((r) => r.sk)).toEqual([1, 2]);
    expect(relay.stats().blockedStreams).toBe(0);

    // unblocked: the live path publishes again
    await store.append(id, 2, [jobPaused("t1")]);
    await relay.idle();
    expect((await published(streamName)).map((r) => r.sk)).toEqual([1, 2, 3]);
  });
});

describe("store → relay → Kinesis → poller → consumer handler", () => {
  it("delivers every appended event to a consumer, decoded, in version order per stream", async () => {
    const { streamName, relay, store } = await setup(2);
    const checkpointTable = uniqueName("checkpoints");
    await ensureCheckpointTable(dynamo.client, checkpointTable);
    const received: DecodedEvent[] = [];
    const handler = createStreamConsumerHandler(
      async (events) => {
        received.push(...events);
      },
      { logger: silent },
    );
    const poller = new KinesisPoller({
      kinesis: kin.kinesis,
      streamName,
      consumerName: "projector",
      handler,
      checkpoints: new DynamoCheckpointStore(dynamo.doc, checkpointTable),
      region: TEST_REGION,
      idleMs: 20,
      logger: silent,
    });
    await relay.start();
    await poller.start();
    const appended: DecodedEvent[] = [];
    const streams = Array.from({ length: 4 }, () => `t1/job/${uniqueName("job")}`);
    for (const id of streams) {
      const first = await store.append(id, 0, [jobCreated("t1")]);
      const second = await store.append(id, first.version, toggles("t1", 3));
      appended.push(...first.events, ...second.events);
    }
    await vi.waitFor(() => expect(received).toHaveLength(appended.length), { timeout: 20_000, interval: 20 });
    await poller.stop();
    await relay.stop();

    expect(new Set(received.map((e) => e.eventId))).toEqual(new Set(appended.map((e) => e.eventId)));
    for (const id of streams) {
      expect(received.filter((e) => e.streamId === id).map((e) => e.version)).toEqual([1, 2, 3, 4]);
    }
    const byId = new Map(appended.map((e) => [e.eventId, e]));
    for (const e of received) expect(e).toEqual(byId.get(e.eventId));
  });
});
