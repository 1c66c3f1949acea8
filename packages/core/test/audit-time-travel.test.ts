/**
 * Time travel and export across a schema version change: a stream whose first events were
 * written with v1 schemas (the golden bytes) and later ones with today's schemas folds and
 * exports as today's shapes, with the written schema version kept.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { currentSchemaVersion } from "@jobledger/events";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { diffValues } from "../src/application/audit/diff.ts";
import { exportLines, ndjsonLine, ndjsonStream } from "../src/application/audit/export.ts";
import { jobAt, TimeTravelNotFound } from "../src/application/audit/time-travel.ts";
import { jobPaused } from "./support/events.ts";
import { type TestDynamo, withDynalite } from "./support/standins.ts";

const GOLDEN = fileURLToPath(new URL("../../events/test/golden/", import.meta.url));
const golden = (name: string) =>
  Buffer.from(readFileSync(`${GOLDEN}/${name}.hex`, "utf8").replace(/\s+/g, ""), "hex");
const JOB = "01JA00000000000000000000J1";
const STREAM = `default/job/${JOB}`;

let dynamo: TestDynamo;
let store: DynamoEventStore;

beforeAll(async () => {
  dynamo = await withDynalite();
  const table = await dynamo.newEventsTable("audit");
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: table });
  // two commits written long ago with v1 schemas, stored as they were
  for (const [sk, name] of [
    [1, "JobCreated.v1"],
    [2, "JobUpdated.v1"],
  ] as const) {
    await dynamo.doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: STREAM,
          sk,
          lastVersion: sk,
          eventCount: 1,
          tenant: "default",
          commitId: uuidv7(),
          committedAt: new Date().toISOString(),
          events: [golden(name)],
        },
      }),
    );
  }
  // and one written today, chained to the old ones
  await store.append(STREAM, 2, [
    { ...jobPaused("default", "audit"), occurredAt: new Date("2026-11-01T00:00:00Z") },
  ]);
});
afterAll(() => dynamo?.close());

describe("time travel across a schema version change", () => {
  it("folds v1 events into today's shape (new fields defaulted)", async () => {
    const { state, history } = await jobAt(store, "default", JOB, { version: 1 });
    expect(history.map((e) => e.schemaVersion)).toEqual([1]);
    expect(state.definition.name).toBe("Rechnungen – täglich 📄");
    expect(state.definition.catchUp).toEqual({ windowSeconds: 3600, maxRuns: 1 });
    expect(state.definition.concurrency).toBeNull();
    expect(state.definition.schedule).toMatchObject({ type: "cron", jitterSeconds: 0, startAt: null });
  });

  it("folds across old and new events, by version and by instant", async () => {
    const v2 = await jobAt(store, "default", JOB, { version: 2 });
    expect(v2.state.definition.schedule).toMatchObject({ type: "rate", everySeconds: 604_800 });
    expect(v2.state.status).toBe("active");
    const v3 = await jobAt(store, "default", JOB, { version: 3 });
    expect(v3.state.status).toBe("paused");
    expect(v3.history.map((e) => e.schemaVersion)).toEqual([1, 1, currentSchemaVersion("JobPaused")]);
    const before = await jobAt(store, "default", JOB, { at: new Date("2026-10-01T00:00:00Z") });
    expect(before.state.version).toBe(2);
    expect(diffValues(v2.state, v3.state)).toEqual([
      { path: "status", before: "active", after: "paused" },
      { path: "version", before: 2, after: 3 },
    ]);
  });

  it("says why a point has no state", async () => {
    await expect(jobAt(store, "default", JOB, { version: 4 })).rejects.toMatchObject({
      miss: "beyond-stream",
    });
    await expect(
      jobAt(store, "default", JOB, { at: new Date("2020-01-01T00:00:00Z") }),
    ).rejects.toMatchObject({
      miss: "before-creation",
    });
    await expect(jobAt(store, "default", "nope", { version: 1 })).rejects.toBeInstanceOf(TimeTravelNotFound);
  });
});

describe("export", () => {
  it("exports decoded lines with the written schema version, filtered by type and time", async () => {
    const lines = [];
    for await (const line of exportLines(store, { tenant: "default", jobId: JOB })) lines.push(line);
    expect(lines.map((l) => [l.version, l.type, l.schemaVersion])).toEqual([
      [1, "JobCreated", 1],
      [2, "JobUpdated", 1],
      [3, "JobPaused", currentSchemaVersion("JobPaused")],
    ]);
    expect(lines[2]?.prevHash).toBe(lines[1]?.hash);
    const filtered = [];
    for await (const line of exportLines(
      store,
      { tenant: "default" },
      { types: ["JobUpdated", "JobPaused"], to: new Date("2026-10-01T00:00:00Z") },
    )) {
      filtered.push(line);
    }
    expect(filtered.map((l) => l.version)).toEqual([2]);
  });

  it("streams NDJSON text that parses back line by line", async () => {
    const text = await new Response(ndjsonStream(exportLines(store, { tenant: "default" }))).text();
    const parsed = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { stream: string; payload: unknown });
    expect(parsed).toHaveLength(3);
    expect(parsed[0]?.stream).toBe(STREAM);
    expect(ndjsonLine({ ...lines0(), payload: { n: 10n } })).toContain('"n":"10"');
  });
});

function lines0() {
  return {
    stream: STREAM,
    version: 1,
    type: "JobCreated",
    schemaVersion: 1,
    eventId: "e",
    occurredAt: "2026-01-01T00:00:00.000Z",
    actor: "a",
    correlationId: "c",
    causationId: null,
    prevHash: "",
    hash: "h",
    payload: {},
  };
}
