import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { DecodedEvent } from "@jobledger/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../src/adapters/analytics/duckdb-engine.ts";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { createLakeWriter } from "../src/adapters/lake/lake-writer.ts";
import { createLocalObjectStore } from "../src/adapters/lake/local-object-store.ts";
import { createS3ObjectStore } from "../src/adapters/lake/s3-object-store.ts";
import { runEvents, type TestS3, withS3rver } from "./lake-support.ts";
import { type TestDynamo, withDynalite } from "./support/standins.ts";

const T0 = new Date("2026-11-23T10:00:00.000Z");
const JOB = "0193a1d2-0000-7000-8000-00000000000a";

let dynamo: TestDynamo;
let s3: TestS3;
let eventStore: DynamoEventStore;
let dir: string;
const written: DecodedEvent[] = [];

async function appendRun(streamId: string, script: Parameters<typeof runEvents>[0]) {
  const result = await eventStore.append(streamId, 0, runEvents(script));
  written.push(...result.events);
}

beforeAll(async () => {
  [dynamo, s3] = await Promise.all([withDynalite(), withS3rver()]);
  eventStore = new DynamoEventStore({ doc: dynamo.doc, tableName: await dynamo.newEventsTable("lake") });
  dir = await mkdtemp(path.join(os.tmpdir(), "lake-writer-"));
  await appendRun("acme/run/r1", { tenant: "acme", jobId: JOB, at: T0, outcomes: [200], attemptMs: 120 });
  await appendRun("acme/run/r2", { tenant: "acme", jobId: JOB, at: T0, outcomes: [503, 503, 503] });
  await appendRun("acme/run/r3", {
    tenant: "acme",
    jobId: JOB,
    at: new Date("2026-11-24T23:59:59.000Z"),
    outcomes: [200],
  });
  await appendRun("other/run/r4", { tenant: "other", jobId: JOB, at: T0, outcomes: ["network"] });
}, 30_000);

afterAll(async () => {
  await Promise.all([dynamo?.close(), s3?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("lake writer", () => {
  it("writes every event and one run row per finished run, Hive-partitioned by tenant and day", async () => {
    const root = path.join(dir, "partitions");
    const writer = createLakeWriter({ store: createLocalObjectStore(root), eventStore });
    const result = await writer.write(written);
    expect(result.eventRows).toBe(written.length);
    expect(result.runRows).toBe(4);
    expect(
      result.objects.every((key) =>
        /^(events|runs)\/tenant=(acme|other)\/dt=\d{4}-\d{2}-\d{2}\/part-[0-9a-f]{32}\.parquet$/.test(key),
      ),
    ).toBe(true);
    expect(
      result.objects.filter((k) => k.startsWith("runs/tenant=acme/")).map((k) => k.split("/")[2]),
    ).toEqual(["dt=2026-11-23", "dt=2026-11-24"]);

    const engine = await createDuckDbEngine({ root });
    try {
      const runs = await engine.query("SELECT * FROM runs ORDER BY tenant, run_id");
      expect(
        runs.rows.map((r) => [r.tenant, r.run_id, r.status, r.attempts, r.http_status, r.error_class]),
      ).toEqual([
        ["acme", "r1", "succeeded", 1, 200, null],
        ["acme", "r2", "dead_lettered", 3, 503, "http-5xx"],
        ["acme", "r3", "succeeded", 1, 200, null],
        ["other", "r4", "dead_lettered", 1, null, "network"],
      ]);
      const r1 = runs.rows[0]!;
      expect(r1.job_id).toBe(JOB);
      expect(r1.scheduled_at).toBe("2026-11-23 10:00:00");
      expect(r1.started_at).toBe("2026-11-23 10:00:00.01");
      expect(r1.duration_ms).toBe("121"); // started +120 ms outcome +1 ms RunSucceeded
      const events = await engine.query("SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events");
      expect(events.rows[0]).toEqual({ n: String(written.length), ids: String(written.length) });
      const queued = await engine.query(
        "SELECT payload, schema_version, version FROM events WHERE stream_id = 'acme/run/r1' AND version = 1",
      );
      expect(JSON.parse(String(queued.rows[0]!.payload)).jobId).toBe(JOB);
      expect(queued.rows[0]!.schema_version).toBeGreaterThanOrEqual(1);
    } finally {
      await engine.close();
    }
  });

  it("a retried batch (even with duplicated records) overwrites the same objects: no duplicate rows", async () => {
    const root = path.join(dir, "retry");
    const writer = createLakeWriter({ store: createLocalObjectStore(root), eventStore });
    const first = await writer.write(written);
    const again = await writer.write([...written, ...written.slice(0, 3)]);
    expect(again.objects).toEqual(first.objects);
    const store = createLocalObjectStore(root);
    expect(await store.list("")).toEqual([...first.objects].sort());
    const engine = await createDuckDbEngine({ root });
    try {
      const counts = await engine.query(
        "SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM runs) AS runs",
      );
      expect(counts.rows[0]).toEqual({ events: String(written.length), runs: "4" });
    } finally {
      await engine.close();
    }
  });

  it("a running DuckDB engine sees objects written after its first query, and a lake emptied under it", async () => {
    const root = path.join(dir, "growing");
    const engine = await createDuckDbEngine({ root });
    const count = async () =>
      (
        await engine.query(
          "SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM runs) AS runs",
        )
      ).rows[0];
    try {
      expect(await count()).toEqual({ events: "0", runs: "0" });
      const writer = createLakeWriter({ store: createLocalObjectStore(root), eventStore });
      const runOne = written.filter((e) => e.streamId === "acme/run/r1");
      await writer.write(runOne);
      expect(await count()).toEqual({ events: String(runOne.length), runs: "1" });
      await writer.write(written.filter((e) => e.streamId !== "acme/run/r1"));
      expect(await count()).toEqual({ events: String(written.length), runs: "4" });
      await rm(root, { recursive: true, force: true });
      expect(await count()).toEqual({ events: "0", runs: "0" });
    } finally {
      await engine.close();
    }
  });

  it("writes the same objects through the S3 API (s3rver), readable back byte for byte", async () => {
    const local = createLocalObjectStore(path.join(dir, "compare"));
    const remote = createS3ObjectStore({ bucket: s3.bucket, prefix: "rebuild-1/", client: s3.client });
    const a = await createLakeWriter({ store: local, eventStore }).write(written);
    const b = await createLakeWriter({ store: remote, eventStore }).write(written);
    expect(b.objects).toEqual(a.objects);
    expect(await remote.list("runs/")).toEqual(a.objects.filter((k) => k.startsWith("runs/")).sort());
    await createLakeWriter({ store: remote, eventStore }).write(written); // retry: same keys
    expect((await remote.list("")).length).toBe(a.objects.length);
    for (const key of a.objects) {
      const bytes = await remote.get(key);
      expect(bytes && Buffer.from(bytes).equals(await readFile(path.join(local.location, key)))).toBe(true);
    }
    expect(await remote.get("runs/none.parquet")).toBeNull();
  });
});
