/**
 * Rebuilding the analytics lake into a fresh prefix (local folders, runs in dynalite): after a
 * small workload written batch by batch, the rebuilt lake answers the same DuckDB queries as
 * the live one; a dry run leaves the live folder untouched and removes the copy; other tenants
 * are carried over; a damaged live lake shows as differences.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../src/adapters/analytics/duckdb-engine.ts";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { createLakeWriter } from "../src/adapters/lake/lake-writer.ts";
import { createLocalObjectStore } from "../src/adapters/lake/local-object-store.ts";
import { createLakeRebuildTarget } from "../src/adapters/lake/rebuild-target.ts";
import { rebuild } from "../src/application/rebuild/rebuild.ts";
import type { ObjectStore } from "../src/ports/object-store.ts";
import { runEvents } from "./lake-support.ts";
import { type TestDynamo, withDynalite } from "./support/standins.ts";

const T0 = new Date("2026-11-23T10:00:00.000Z");
const JOB = "0193a1d2-0000-7000-8000-00000000000b";
const TENANTS = ["rla", "rlb"];

let dynamo: TestDynamo;
let eventStore: DynamoEventStore;
let dir: string;

beforeAll(async () => {
  dynamo = await withDynalite();
  eventStore = new DynamoEventStore({
    doc: dynamo.doc,
    tableName: await dynamo.newEventsTable("rebuildlake"),
  });
  dir = await mkdtemp(path.join(os.tmpdir(), "rebuild-lake-"));
  // the same workload for both tenants
  for (const tenant of TENANTS) {
    const scripts = [
      { outcomes: [200], at: T0 },
      { outcomes: [503, 503, 503], at: T0 },
      { outcomes: [200], at: new Date("2026-11-24T23:59:59.000Z") },
      { outcomes: ["network" as const, 200], at: T0 },
    ];
    for (const [i, script] of scripts.entries()) {
      await eventStore.append(`${tenant}/run/r${i}`, 0, runEvents({ tenant, jobId: JOB, ...script }));
    }
  }
}, 30_000);

afterAll(async () => {
  await dynamo?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** a live lake written the way the lake projector does: batch by batch, one duplicated */
async function liveLake(name: string): Promise<{ root: string; store: ObjectStore }> {
  const root = path.join(dir, name);
  const store = createLocalObjectStore(root);
  const writer = createLakeWriter({ store, eventStore });
  for (const tenant of TENANTS) {
    for (let i = 0; i < 4; i++) {
      const events = [];
      for await (const e of eventStore.readStreamAll(`${tenant}/run/r${i}`)) events.push(e);
      await writer.write(events.slice(0, 2));
      await writer.write(events.slice(1)); // the change feed delivered one record twice
    }
  }
  return { root, store };
}

function targetInto(live: ObjectStore, root: string) {
  return createLakeRebuildTarget({
    live,
    shadow: createLocalObjectStore(root),
    eventStore,
    clearShadow: () => rm(root, { recursive: true, force: true }),
  });
}

async function answers(root: string) {
  const engine = await createDuckDbEngine({ root });
  try {
    const range = { from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-12-01T00:00:00Z") };
    const out: Record<string, unknown> = {};
    for (const tenant of TENANTS) {
      out[tenant] = {
        successRate: await engine.successRate(tenant, range),
        failureReasons: await engine.failureReasons(tenant, range, 10),
        events: (
          await engine.query(
            `SELECT DISTINCT event_id, type, version FROM events WHERE tenant = '${tenant}' ORDER BY event_id`,
          )
        ).rows,
        runs: (
          await engine.query(
            `SELECT DISTINCT run_id, status, attempts, duration_ms FROM runs WHERE tenant = '${tenant}' ORDER BY run_id`,
          )
        ).rows,
      };
    }
    return out;
  } finally {
    await engine.close();
  }
}

async function files(store: ObjectStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await store.list("")) {
    out[key] = (await readFile(path.join(store.location, key))).toString("base64");
  }
  return out;
}

describe("lake rebuild target", () => {
  it("a dry run rebuilds a lake that compares equal, leaves the live folder untouched and removes the copy", async () => {
    const { store } = await liveLake("dry-live");
    const before = await files(store);
    const shadowRoot = path.join(dir, "dry-rebuild");

    const result = await rebuild(eventStore, targetInto(store, shadowRoot), {
      tenants: TENANTS,
      dryRun: true,
      pageSize: 3,
    });

    expect(result.status).toBe("dry-run");
    expect(result.events).toBeGreaterThan(20);
    expect(result.comparison?.parts).toEqual([
      { name: "lake events", onlyInLive: 0, onlyInRebuilt: 0, samples: [] },
      { name: "lake runs", onlyInLive: 0, onlyInRebuilt: 0, samples: [] },
    ]);
    expect(await files(store)).toEqual(before);
    expect(await createLocalObjectStore(shadowRoot).list("")).toEqual([]);
  });

  it("rebuilds one tenant over a damaged lake, carries the other over, and answers like an intact lake", async () => {
    const intact = await liveLake("intact");
    const damaged = await liveLake("damaged");
    // damage: the rla run objects are lost
    await rm(path.join(damaged.root, "runs", "tenant=rla"), { recursive: true, force: true });
    const shadowRoot = path.join(dir, "damaged-rebuild");

    const result = await rebuild(eventStore, targetInto(damaged.store, shadowRoot), {
      tenants: ["rla"],
      pageSize: 2,
    });

    expect(result.status).toBe("switched");
    const byName = Object.fromEntries((result.comparison?.parts ?? []).map((p) => [p.name, p]));
    expect(byName["lake events"]).toMatchObject({ onlyInLive: 0, onlyInRebuilt: 0 });
    expect(byName["lake runs"]).toMatchObject({ onlyInLive: 0, onlyInRebuilt: 4 });
    expect(byName["lake runs"]?.samples).toHaveLength(4);
    // rlb's objects were copied as they are
    const rlb = (await damaged.store.list("runs/tenant=rlb/")).concat(
      await damaged.store.list("events/tenant=rlb/"),
    );
    const shadow = createLocalObjectStore(shadowRoot);
    for (const key of rlb) expect(await shadow.get(key)).toEqual(await damaged.store.get(key));
    expect(await shadow.get("_rebuild/complete.json")).not.toBeNull();
    expect(await answers(shadowRoot)).toEqual(await answers(intact.root));
  });

  it("as of a time: a copy without what happened since (run r2), kept for DuckDB, then dropped", async () => {
    const { store } = await liveLake("asof-live");
    const before = await files(store);
    const shadowRoot = path.join(dir, "asof-rebuild");
    const to = new Date("2026-11-24T00:00:00.000Z");

    const result = await rebuild(eventStore, targetInto(store, shadowRoot), {
      tenants: TENANTS,
      dryRun: true,
      keep: true,
      pageSize: 3,
      range: { to },
    });
    expect(result.kept).toBe(shadowRoot);
    const byName = Object.fromEntries((result.comparison?.parts ?? []).map((p) => [p.name, p]));
    expect(byName["lake runs"]).toMatchObject({ onlyInLive: 2, onlyInRebuilt: 0 });
    expect(byName["lake events"]?.onlyInLive).toBeGreaterThan(0);
    expect(byName["lake events"]?.onlyInRebuilt).toBe(0);
    const engine = await createDuckDbEngine({ root: shadowRoot });
    try {
      const { rows } = await engine.query(
        "SELECT tenant, count(DISTINCT run_id)::INTEGER AS n, max(finished_at) < TIMESTAMP '2026-11-24' AS before FROM runs GROUP BY tenant ORDER BY tenant",
      );
      expect(rows).toEqual([
        { tenant: "rla", n: 3, before: true },
        { tenant: "rlb", n: 3, before: true },
      ]);
    } finally {
      await engine.close();
    }
    expect(await files(store)).toEqual(before);

    const again = await rebuild(eventStore, targetInto(store, shadowRoot), {
      tenants: TENANTS,
      dryRun: true,
      range: { to },
    });
    expect(again.resumedFrom).toBeGreaterThan(0);
    expect(await createLocalObjectStore(shadowRoot).list("")).toEqual([]);
  });
});
