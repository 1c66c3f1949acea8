/** The hash chain: continuity across commits, detection of tampering, canonical JSON. */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson, eventHash, verifyChain } from "../src/adapters/dynamodb/event-hash.ts";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { jobCreated, toggles } from "./support/events.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";

let dynamo: TestDynamo;
let store: DynamoEventStore;

beforeAll(async () => {
  dynamo = await withDynalite();
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: await dynamo.newEventsTable() });
});
afterAll(() => dynamo?.close());

describe("hash chain", () => {
  it("chains every event to its predecessor across commits, recomputable from read events", async () => {
    const id = `t1/job/${uniqueName("job")}`;
    await store.append(id, 0, [jobCreated("t1"), ...toggles("t1", 2)]);
    await store.append(id, 3, toggles("t1", 1));
    await store.append(id, 4, toggles("t1", 3));
    const { events } = await store.readStream(id);
    expect(events).toHaveLength(7);
    expect(events[0]!.prevHash).toBe("");
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    for (const e of events) {
      expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(eventHash(e)).toBe(e.hash);
    }
    expect(verifyChain(events)).toBeNull();
    // verifying a suffix needs the event before it
    expect(verifyChain(events.slice(4), events[3]!)).toBeNull();
  });

  it("detects an edited, dropped or reordered event", async () => {
    const id = `t1/job/${uniqueName("job")}`;
    await store.append(id, 0, [jobCreated("t1"), ...toggles("t1", 3)]);
    const { events } = await store.readStream(id);

    const edited = events.map((e) => (e.version === 2 ? { ...e, actor: "user:mallory" } : e));
    expect(verifyChain(edited)).toEqual({ version: 2, reason: "hash does not match the event's content" });

    const dropped = events.filter((e) => e.version !== 3);
    expect(verifyChain(dropped)).toMatchObject({ version: 4 });

    const swapped = [events[0]!, events[2]!, events[1]!, events[3]!];
    expect(verifyChain(swapped)).toMatchObject({ version: 3 });
  });
});

describe("canonicalJson", () => {
  it("does not depend on key order and drops undefined members", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
    );
    expect(canonicalJson({ b: 1, a: [true, null, "x"], c: undefined })).toBe('{"a":[true,null,"x"],"b":1}');
  });

  it("gives different hashes for different field boundaries", () => {
    const e = {
      prevHash: "",
      eventId: "a",
      streamId: "bc",
      version: 1,
      type: "JobResumed" as const,
      occurredAt: new Date(0),
      correlationId: "c",
      causationId: null,
      actor: "x",
      tenant: "t",
      payloadDigest: "00",
    };
    expect(eventHash(e)).not.toBe(eventHash({ ...e, eventId: "ab", streamId: "c" }));
  });
});
