/** The embedded stand-ins keep their data in a folder across restarts (the local runtime's `.data`). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { ensureEventStoreTable } from "../src/adapters/dynamodb/event-store-table.ts";
import { ensureStream } from "../src/adapters/kinesis/stream.ts";
import {
  createDynamoClients,
  createKinesisClient,
  startDynalite,
  startKinesalite,
} from "../src/adapters/local/standins.ts";
import { jobCreated, jobPaused } from "./support/events.ts";
import { readWholeStream } from "./support/kinesis.ts";
import { TEST_REGION } from "./support/standins.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "jobledger-standins-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("stand-in persistence", () => {
  it("dynalite keeps the event store's commits across a restart", async () => {
    const folder = path.join(dir, "dynalite");
    const first = await startDynalite({ path: folder });
    const c1 = createDynamoClients({ endpoint: first.endpoint, region: TEST_REGION });
    await ensureEventStoreTable(c1.client, "events");
    const store1 = new DynamoEventStore({ doc: c1.doc, tableName: "events" });
    await store1.append("t1/job/a", 0, [jobCreated("t1"), jobPaused("t1")]);
    c1.destroy();
    await first.close();

    const second = await startDynalite({ path: folder });
    const c2 = createDynamoClients({ endpoint: second.endpoint, region: TEST_REGION });
    try {
      await ensureEventStoreTable(c2.client, "events"); // exists: no-op
      const store2 = new DynamoEventStore({ doc: c2.doc, tableName: "events" });
      expect((await store2.readStream("t1/job/a")).events.map((e) => e.type)).toEqual([
        "JobCreated",
        "JobPaused",
      ]);
      await expect(store2.append("t1/job/a", 2, [jobPaused("t1")])).resolves.toMatchObject({ version: 3 });
    } finally {
      c2.destroy();
      await second.close();
    }
  });

  it("kinesalite keeps streams and records across a restart", async () => {
    const folder = path.join(dir, "kinesalite");
    const first = await startKinesalite({ path: folder });
    const k1 = createKinesisClient({ endpoint: first.endpoint, region: TEST_REGION });
    await ensureStream(k1, "events", 1);
    await k1.send(
      new PutRecordCommand({ StreamName: "events", PartitionKey: "p", Data: Buffer.from("hello") }),
    );
    k1.destroy();
    await first.close();

    const second = await startKinesalite({ path: folder });
    const k2 = createKinesisClient({ endpoint: second.endpoint, region: TEST_REGION });
    try {
      await ensureStream(k2, "events", 1);
      const records = await readWholeStream(k2, "events");
      expect(records.map((r) => Buffer.from(r.data).toString())).toEqual(["hello"]);
    } finally {
      k2.destroy();
      await second.close();
    }
  });
});
