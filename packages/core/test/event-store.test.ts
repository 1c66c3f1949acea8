/** DynamoEventStore against dynalite: append, read, paging, conflicts, tenants, size limit. */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CommitTooLarge,
  commitIdFloor,
  DynamoEventStore,
  InvalidAppend,
  InvalidCursor,
} from "../src/adapters/dynamodb/event-store.ts";
import { ensureEventStoreTable, PENDING } from "../src/adapters/dynamodb/event-store-table.ts";
import { ManualClock } from "../src/ports/clock.ts";
import { VersionConflict } from "../src/ports/event-store.ts";
import { jobCreated, jobPaused, jobResumed, toggles } from "./support/events.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";

let dynamo: TestDynamo;
let table: string;
let store: DynamoEventStore;
const clock = new ManualClock(new Date("2026-11-23T12:00:00.000Z"));

beforeAll(async () => {
  dynamo = await withDynalite();
  table = await dynamo.newEventsTable();
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: table, clock });
});
afterAll(() => dynamo?.close());

const stream = (tenant = "t1") => `${tenant}/job/${uniqueName("job")}`;

async function readAll(streamId: string, fromVersion = 1) {
  const out = [];
  for await (const e of store.readStreamAll(streamId, { fromVersion })) out.push(e);
  return out;
}

describe("append and read", () => {
  it("appends a commit and reads the events back with versions and envelope fields", async () => {
    const id = stream();
    const created = jobCreated("t1");
    const result = await store.append(id, 0, [created, jobPaused("t1")]);
    expect(result.version).toBe(2);
    expect(result.events.map((e) => [e.version, e.type])).toEqual([
      [1, "JobCreated"],
      [2, "JobPaused"],
    ]);
    const page = await store.readStream(id);
    expect(page.next).toBeNull();
    expect(page.events).toEqual(result.events);
    const first = page.events[0]!;
    expect(first).toMatchObject({
      eventId: created.eventId,
      streamId: id,
      tenant: "t1",
      actor: "user:alice",
      correlationId: created.correlationId,
      causationId: null,
      data: created.data,
    });
    expect(first.occurredAt.toISOString()).toBe("2026-11-23T12:00:00.000Z");
  });

  it("writes one item per commit with the documented attributes", async () => {
    const id = stream();
    await store.append(id, 0, toggles("t1", 3));
    await store.append(id, 3, toggles("t1", 2));
    const item = (await dynamo.doc.send(new GetCommand({ TableName: table, Key: { pk: id, sk: 4 } }))).Item!;
    expect(item).toMatchObject({ pk: id, sk: 4, lastVersion: 5, eventCount: 2, tenant: "t1" });
    expect(item.committedAt).toBe("2026-11-23T12:00:00.000Z");
    expect(item.commitId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(item.events).toHaveLength(2);
    expect(item.events[0]).toBeInstanceOf(Uint8Array);
    // native change feed: no relay markers
    expect(item.pendingPk).toBeUndefined();
    expect(item.pendingSk).toBeUndefined();
  });

  it("marks commits pending only when the change feed is the relay", async () => {
    const relayStore = new DynamoEventStore({ doc: dynamo.doc, tableName: table, changeFeed: "relay" });
    const id = stream();
    await relayStore.append(id, 0, [jobCreated("t1")]);
    const item = (await dynamo.doc.send(new GetCommand({ TableName: table, Key: { pk: id, sk: 1 } }))).Item!;
    expect(item.pendingPk).toBe(PENDING);
    expect(item.pendingSk).toBe(item.commitId);
  });

  it("reads from a version in the middle of a commit, up to a version, and in pages", async () => {
    const id = stream();
    // commits: 1-3, 4-4, 5-9, 10-11
    await store.append(id, 0, toggles("t1", 3));
    await store.append(id, 3, toggles("t1", 1));
    await store.append(id, 4, toggles("t1", 5));
    await store.append(id, 9, toggles("t1", 2));
    const versions = (events: { version: number }[]) => events.map((e) => e.version);

    expect(versions((await store.readStream(id, { fromVersion: 2 })).events)).toEqual([
      2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    ]);
    expect(versions((await store.readStream(id, { fromVersion: 7, toVersion: 10 })).events)).toEqual([
      7, 8, 9, 10,
    ]);
    expect((await store.readStream(id, { fromVersion: 12 })).events).toEqual([]);
    expect((await store.readStream(id, { fromVersion: 5, toVersion: 4 })).events).toEqual([]);

    const pages: number[][] = [];
    let from: number | null = 2;
    while (from !== null) {
      const page: Awaited<ReturnType<typeof store.readStream>> = await store.readStream(id, {
        fromVersion: from,
        limit: 3,
      });
      pages.push(versions(page.events));
      from = page.next;
    }
    expect(pages).toEqual([[2, 3, 4], [5, 6, 7], [8, 9, 10], [11]]);
    // a page ending exactly at the stream's end says so
    expect((await store.readStream(id, { fromVersion: 9, limit: 3 })).next).toBeNull();
    expect(versions(await readAll(id, 4))).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("reads an unknown stream as empty", async () => {
    expect(await store.readStream("t1/job/nope", { fromVersion: 3 })).toEqual({ events: [], next: null });
    expect(await store.readStream("t1/job/nope")).toEqual({ events: [], next: null });
  });

  it("pages through a stream longer than one query page", async () => {
    const id = stream();
    let version = 0;
    for (let i = 0; i < 120; i++) version = (await store.append(id, version, [jobPaused("t1")])).version;
    const all = await readAll(id);
    expect(all.map((e) => e.version)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const page = await store.readStream(id, { fromVersion: 50, limit: 60 });
    expect(page.events.map((e) => e.version)).toEqual(Array.from({ length: 60 }, (_, i) => i + 50));
    expect(page.next).toBe(110);
  });

  it("ensureEventStoreTable is idempotent", async () => {
    await expect(ensureEventStoreTable(dynamo.client, table)).resolves.toBeUndefined();
  });
});

describe("optimistic concurrency", () => {
  it("rejects a stale expected version", async () => {
    const id = stream();
    await store.append(id, 0, toggles("t1", 2));
    await store.append(id, 2, toggles("t1", 1));
    const error = await store.append(id, 2, [jobPaused("t1")]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VersionConflict);
    expect(error).toMatchObject({ streamId: id, expectedVersion: 2, actualVersion: 3 });
  });

  it("rejects creating a stream that exists", async () => {
    const id = stream();
    await store.append(id, 0, [jobCreated("t1")]);
    await expect(store.append(id, 0, [jobCreated("t1")])).rejects.toBeInstanceOf(VersionConflict);
  });

  it("rejects a future expected version and one in the middle of a commit", async () => {
    const id = stream();
    await store.append(id, 0, toggles("t1", 3));
    await expect(store.append(id, 7, [jobPaused("t1")])).rejects.toMatchObject({
      name: "VersionConflict",
      actualVersion: 3,
    });
    await expect(store.append(id, 2, [jobPaused("t1")])).rejects.toMatchObject({
      name: "VersionConflict",
      actualVersion: 3,
    });
    await expect(store.append(stream(), 1, [jobPaused("t1")])).rejects.toMatchObject({
      name: "VersionConflict",
      actualVersion: 0,
    });
    expect((await readAll(id)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it("lets exactly one of 20 racing writers with the same expected version win", async () => {
    const id = stream();
    await store.append(id, 0, [jobCreated("t1")]);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => store.append(id, 1, [jobPaused("t1", `writer ${i}`)])),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const r of lost) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflict);
    const events = await readAll(id);
    expect(events.map((e) => e.version)).toEqual([1, 2]);
    expect(events[1]!.eventId).toBe(
      (won[0] as PromiseFulfilledResult<{ events: { eventId: string }[] }>).value.events[0]!.eventId,
    );
  });

  it("also resolves races for a new stream", async () => {
    const id = stream();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => store.append(id, 0, [jobCreated("t1")])),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await readAll(id)).map((e) => e.version)).toEqual([1]);
  });
});

describe("validation", () => {
  it("refuses an append with no events, mixed tenants or a stream of another tenant", async () => {
    await expect(store.append(stream(), 0, [])).rejects.toBeInstanceOf(InvalidAppend);
    await expect(store.append(stream(), 0, [jobCreated("t1"), jobPaused("t2")])).rejects.toThrow(
      /mixes tenants/,
    );
    await expect(store.append(stream("t2"), 0, [jobCreated("t1")])).rejects.toThrow(
      /does not belong to tenant "t1"/,
    );
    await expect(store.append(stream(), -1, [jobCreated("t1")])).rejects.toBeInstanceOf(InvalidAppend);
    await expect(store.append(stream(), 1.5, [jobCreated("t1")])).rejects.toBeInstanceOf(InvalidAppend);
  });

  it("refuses a commit above the size limit with CommitTooLarge and writes nothing", async () => {
    const id = stream();
    const huge = jobCreated("t1", { description: "x".repeat(310 * 1024) });
    const error = await store.append(id, 0, [huge]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitTooLarge);
    expect((error as CommitTooLarge).sizeBytes).toBeGreaterThan(300 * 1024);
    expect((error as CommitTooLarge).message).toMatch(/above the 307200-byte limit/);
    expect((await store.readStream(id)).events).toEqual([]);

    const small = new DynamoEventStore({ doc: dynamo.doc, tableName: table, maxCommitBytes: 4096 });
    await expect(small.append(id, 0, toggles("t1", 40))).rejects.toBeInstanceOf(CommitTooLarge);
    await expect(small.append(id, 0, toggles("t1", 2))).resolves.toMatchObject({ version: 2 });
  });
});

describe("readTenant", () => {
  it("pages over every stream of a tenant in commit order and never shows another tenant", async () => {
    const tenant = uniqueName("tenant");
    const other = uniqueName("other");
    const expected: string[] = [];
    const versions = new Map<string, number>();
    const streams = Array.from({ length: 6 }, () => `${tenant}/job/${uniqueName("j")}`);
    for (let round = 0; round < 5; round++) {
      for (const id of streams) {
        const v = versions.get(id) ?? 0;
        const events = round === 0 ? [jobCreated(tenant)] : [jobPaused(tenant), jobResumed(tenant)];
        const result = await store.append(id, v, events);
        versions.set(id, result.version);
        expected.push(...result.events.map((e) => e.eventId));
        // interleave another tenant's commits
        await store.append(`${other}/job/${uniqueName("j")}`, 0, [jobCreated(other)]);
      }
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof store.readTenant>> = await store.readTenant(tenant, {
        cursor,
        limit: 7,
      });
      for (const e of page.events) expect(e.tenant).toBe(tenant);
      seen.push(...page.events.map((e) => e.eventId));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(5);
    expect(seen).toEqual(expected);

    // within a stream, versions come in order
    const firstStream = (await store.readTenant(tenant, { limit: 1000 })).events.filter(
      (e) => e.streamId === streams[0],
    );
    expect(firstStream.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("rejects a cursor of another tenant or one it did not make", async () => {
    const tenant = uniqueName("tenant");
    await store.append(`${tenant}/job/a`, 0, [jobCreated(tenant)]);
    await store.append(`${tenant}/job/b`, 0, [jobCreated(tenant)]);
    const { cursor } = await store.readTenant(tenant, { limit: 1 });
    expect(cursor).toEqual(expect.any(String));
    await expect(store.readTenant("someone-else", { cursor })).rejects.toBeInstanceOf(InvalidCursor);
    await expect(store.readTenant(tenant, { cursor: "not-a-cursor" })).rejects.toBeInstanceOf(InvalidCursor);
  });

  it("starts at a commit time (fromTime): a key condition on the time-ordered commit id", async () => {
    const tenant = uniqueName("tenant");
    const streams = Array.from({ length: 4 }, () => `${tenant}/job/${uniqueName("j")}`);
    for (const id of streams) await store.append(id, 0, [jobCreated(tenant)]);
    await new Promise((resolve) => setTimeout(resolve, 15));
    const from = new Date();
    await new Promise((resolve) => setTimeout(resolve, 15));
    const later: string[] = [];
    for (const id of [streams[1]!, streams[3]!]) {
      const result = await store.append(id, 1, [jobPaused(tenant), jobResumed(tenant)]);
      later.push(...result.events.map((e) => e.eventId));
    }
    const created = await store.append(`${tenant}/job/${uniqueName("j")}`, 0, [jobCreated(tenant)]);
    later.push(...created.events.map((e) => e.eventId));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof store.readTenant>> = await store.readTenant(tenant, {
        cursor,
        limit: 1,
        fromTime: from,
      });
      seen.push(...page.events.map((e) => e.eventId));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(later);
    expect((await store.readTenant(tenant, { fromTime: new Date(Date.now() + 60_000) })).events).toEqual([]);
    expect((await store.readTenant(tenant, { fromTime: new Date(0) })).events).toHaveLength(4 + 4 + 1);
  });

  it("turns an instant into the smallest commit id of its millisecond", () => {
    expect(commitIdFloor(new Date("2026-11-23T12:00:00.000Z"))).toBe("01a20846-fe00-0000-0000-000000000000");
    expect(
      "01a20846-fe00-7fff-bfff-ffffffffffff" >= commitIdFloor(new Date("2026-11-23T12:00:00.000Z")),
    ).toBe(true);
    expect("01a20846-fdff-7fff-bfff-ffffffffffff" < commitIdFloor(new Date("2026-11-23T12:00:00.000Z"))).toBe(
      true,
    );
    expect(() => commitIdFloor(new Date(Number.NaN))).toThrow(RangeError);
  });
});
