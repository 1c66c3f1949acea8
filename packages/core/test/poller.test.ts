/** The local Kinesis poller against kinesalite, with checkpoints in dynalite. */
import { KinesisDataStreamSchema } from "@aws-lambda-powertools/parser/schemas/kinesis";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DynamoCheckpointStore, ensureCheckpointTable } from "../src/adapters/kinesis/checkpoint-store.ts";
import { firstFailedIndex } from "../src/adapters/kinesis/lambda-event.ts";
import { type KinesisBatchHandler, KinesisPoller } from "../src/adapters/kinesis/poller.ts";
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
let checkpoints: DynamoCheckpointStore;
const silent = pino({ level: "silent" });

beforeAll(async () => {
  [dynamo, kin] = await Promise.all([withDynalite(), withKinesalite()]);
  const table = uniqueName("checkpoints");
  await ensureCheckpointTable(dynamo.client, table);
  checkpoints = new DynamoCheckpointStore(dynamo.doc, table);
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), kin?.close()]);
});

/** Puts records `{ key, n }` for n in [from, to), spread over `keys` partition keys. */
async function put(streamName: string, from: number, to: number, keys = 4): Promise<void> {
  const entries = [];
  for (let n = from; n < to; n++) {
    entries.push({
      PartitionKey: `key-${n % keys}`,
      Data: Buffer.from(JSON.stringify({ key: n % keys, n })),
    });
  }
  for (let i = 0; i < entries.length; i += 100) {
    const result = await kin.kinesis.send(
      new PutRecordsCommand({ StreamName: streamName, Records: entries.slice(i, i + 100) }),
    );
    expect(result.FailedRecordCount ?? 0).toBe(0);
  }
}

const payload = (r: KinesisStreamRecord) =>
  JSON.parse(Buffer.from(r.kinesis.data, "base64").toString("utf8")) as { key: number; n: number };

/** A handler that records what it saw; `decide` may fail records. */
function recordingHandler(decide?: (r: KinesisStreamRecord, call: number) => boolean) {
  const delivered: number[] = [];
  const events: KinesisStreamEvent[] = [];
  let calls = 0;
  const handler: KinesisBatchHandler = async (event) => {
    calls++;
    events.push(event);
    for (const r of event.Records) {
      if (decide && !decide(r, calls)) {
        const i = event.Records.indexOf(r);
        return {
          batchItemFailures: event.Records.slice(i).map((x) => ({
            itemIdentifier: x.kinesis.sequenceNumber,
          })),
        };
      }
      delivered.push(payload(r).n);
    }
    return { batchItemFailures: [] };
  };
  return { handler, delivered, events };
}

function poller(streamName: string, consumerName: string, handler: KinesisBatchHandler, batchSize = 100) {
  return new KinesisPoller({
    kinesis: kin.kinesis,
    streamName,
    consumerName,
    handler,
    checkpoints,
    region: TEST_REGION,
    batchSize,
    idleMs: 20,
    retry: { initialMs: 10, maxMs: 50 },
    logger: silent,
  });
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("KinesisPoller", () => {
  it("delivers every record of every shard, in order per partition key, as Lambda events", async () => {
    const streamName = await kin.newStream(3);
    await put(streamName, 0, 120);
    const { handler, delivered, events } = recordingHandler();
    const p = poller(streamName, "projector", handler, 25);
    await p.start();
    await vi.waitFor(() => expect(delivered).toHaveLength(120), { timeout: 20_000, interval: 20 });
    await p.stop();

    expect([...delivered].sort((a, b) => a - b)).toEqual(range(0, 120));
    // per partition key, the order of writing is kept
    const all = events.flatMap((e) => e.Records.map(payload));
    for (let key = 0; key < 4; key++) {
      const ns = all.filter((x) => x.key === key).map((x) => x.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
    for (const event of events) {
      expect(event.Records.length).toBeLessThanOrEqual(25);
      expect(() => KinesisDataStreamSchema.parse(event)).not.toThrow();
      const r = event.Records[0]!;
      expect(r).toMatchObject({
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventName: "aws:kinesis:record",
        awsRegion: TEST_REGION,
        kinesis: { kinesisSchemaVersion: "1.0" },
      });
      expect(r.eventID).toBe(`${r.eventID.split(":")[0]}:${r.kinesis.sequenceNumber}`);
      expect(r.eventID).toMatch(/^shardId-\d+:\d+$/);
      expect(r.eventSourceARN).toContain(streamName);
      expect(r.kinesis.approximateArrivalTimestamp).toBeGreaterThan(1_600_000_000);
      expect(r.kinesis.approximateArrivalTimestamp).toBeLessThan(10_000_000_000); // seconds, not ms
    }
    const stats = p.stats();
    expect(stats.recordsProcessed).toBe(120);
    expect(Object.keys(stats.shards)).toHaveLength(3);
    expect(stats.millisBehindLatest).toBe(0);
  });

  it("resumes from its checkpoint after stop/start without redelivering acknowledged records", async () => {
    const streamName = await kin.newStream(2);
    await put(streamName, 0, 30);
    const first = recordingHandler();
    const p1 = poller(streamName, "runner", first.handler, 7);
    await p1.start();
    await vi.waitFor(() => expect(first.delivered).toHaveLength(30), { timeout: 20_000, interval: 20 });
    await p1.stop();

    await put(streamName, 30, 45);
    const second = recordingHandler();
    const p2 = poller(streamName, "runner", second.handler, 7);
    await p2.start();
    await vi.waitFor(() => expect(second.delivered).toHaveLength(15), { timeout: 20_000, interval: 20 });
    // give it a moment to (wrongly) redeliver anything older
    await new Promise((r) => setTimeout(r, 200));
    await p2.stop();
    expect([...second.delivered].sort((a, b) => a - b)).toEqual(range(30, 45));

    // another consumer has its own checkpoints and reads everything
    const other = recordingHandler();
    const p3 = poller(streamName, "notifier", other.handler);
    await p3.start();
    await vi.waitFor(() => expect(other.delivered).toHaveLength(45), { timeout: 20_000, interval: 20 });
    await p3.stop();
  });

  it("retries from the lowest reported failure and checkpoints what came before it", async () => {
    const streamName = await kin.newStream(1);
    await put(streamName, 0, 20, 1);
    const seen: number[] = [];
    let failuresLeft = 3;
    const handler: KinesisBatchHandler = async (event): Promise<KinesisStreamBatchResponse> => {
      const failures: { itemIdentifier: string }[] = [];
      for (const r of event.Records) {
        const { n } = payload(r);
        // record 12 fails three times; the handler also (wrongly) reports a later one first
        if (failures.length > 0 || (n === 12 && failuresLeft > 0)) {
          failures.push({ itemIdentifier: r.kinesis.sequenceNumber });
          continue;
        }
        seen.push(n);
      }
      if (failures.length > 0) failuresLeft--;
      return { batchItemFailures: failures.reverse() };
    };
    const p = poller(streamName, "flaky", handler, 8);
    await p.start();
    await vi.waitFor(() => expect(seen).toHaveLength(20), { timeout: 20_000, interval: 20 });
    await p.stop();
    // nothing before the failure was redone, nothing after it was skipped
    expect(seen).toEqual(range(0, 20));
    expect(p.stats().failedBatches).toBe(3);
    expect(p.stats().recordsProcessed).toBe(20);
  });

  it("retries the whole batch when the handler throws", async () => {
    const streamName = await kin.newStream(1);
    await put(streamName, 0, 5, 1);
    const seen: number[] = [];
    let calls = 0;
    const p = poller(streamName, "thrower", async (event) => {
      calls++;
      if (calls === 1) throw new Error("boom");
      for (const r of event.Records) seen.push(payload(r).n);
    });
    await p.start();
    await vi.waitFor(() => expect(seen).toHaveLength(5), { timeout: 20_000, interval: 20 });
    await p.stop();
    expect(seen).toEqual(range(0, 5));
    expect(calls).toBe(2);
  });

  it("stop() waits for the batch in flight and checkpoints it", async () => {
    const streamName = await kin.newStream(1);
    await put(streamName, 0, 5, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started = false;
    let finished = false;
    const p = poller(streamName, "slow", async () => {
      started = true;
      await gate;
      finished = true;
    });
    await p.start();
    await vi.waitFor(() => expect(started).toBe(true), { timeout: 20_000, interval: 10 });
    const stopping = p.stop();
    setTimeout(release, 50);
    await stopping;
    expect(finished).toBe(true);
    const shardId = Object.keys(p.stats().shards)[0]!;
    expect(await checkpoints.load("slow", shardId)).toBe(p.stats().shards[shardId]!.checkpoint);
    expect(p.stats().recordsProcessed).toBe(5);
  });
});

describe("firstFailedIndex", () => {
  const seqs = ["1", "2", "3"];
  it("reads batchItemFailures as Lambda does", () => {
    expect(firstFailedIndex(seqs, undefined)).toBeNull();
    expect(firstFailedIndex(seqs, { batchItemFailures: [] })).toBeNull();
    expect(
      firstFailedIndex(seqs, { batchItemFailures: [{ itemIdentifier: "3" }, { itemIdentifier: "2" }] }),
    ).toBe(1);
    // an identifier that names no record fails the whole batch
    expect(firstFailedIndex(seqs, { batchItemFailures: [{ itemIdentifier: "9" }] })).toBe(0);
    expect(firstFailedIndex(seqs, { batchItemFailures: [{ itemIdentifier: "" }] })).toBe(0);
  });
});
