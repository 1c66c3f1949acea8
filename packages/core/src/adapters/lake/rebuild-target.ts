/**
 * RebuildTarget for the analytics lake: the rebuilt copy is written by the same lake writer
 * into a fresh prefix (a folder locally, a key prefix in the bucket), with the objects of the
 * tenants not being rebuilt copied over, and the checkpoints in `_rebuild/checkpoints.json`
 * there (DuckDB and Athena read only `events/**` and `runs/**`).
 *
 * The switch is a configuration change: Parquet objects cannot be renamed as a whole, and a
 * pointer every reader would have to follow is more than this needs. `switchOver` marks the
 * copy complete (`_rebuild/complete.json`); the operator then sets JOBLEDGER_LAKE_PREFIX to
 * the new prefix (and the Athena tables' LOCATION on AWS) and restarts; running the same
 * replay again afterwards resumes from the checkpoints and writes what the old lake projector
 * wrote meanwhile (object names hash the event ids, so rewriting is harmless).
 *
 * A copy as of a time (`range.to`) is written the same way from the events up to then. There is
 * no repair from a time (`resetStreams`): a dry run compares whole copies anyway.
 *
 * The comparison loads both copies into DuckDB (an S3 lake is downloaded to a temporary folder
 * first: httpfs is not available offline) and compares rows as JSON, as sets (the live lake
 * may hold a row twice when the change feed delivered a record in two batches).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { DecodedEvent } from "@jobledger/events";
import type {
  RebuildCheckpoint,
  RebuildComparison,
  RebuildTarget,
} from "../../application/rebuild/target.ts";
import type { EventStore } from "../../ports/event-store.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import { createLakeWriter, type LakeWriter } from "./lake-writer.ts";
import { createLocalObjectStore } from "./local-object-store.ts";

export interface LakeRebuildOptions {
  live: ObjectStore;
  /** the fresh prefix's store */
  shadow: ObjectStore;
  eventStore: Pick<EventStore, "readStreamAll">;
  /**
   * empties the fresh prefix (a dry run, or leftovers of a discarded copy); when absent
   * (an S3 prefix), a non-empty fresh prefix is refused and a dry run leaves its objects
   */
  clearShadow?: () => Promise<void>;
}

const CHECKPOINTS = "_rebuild/checkpoints.json";
const COMPLETE = "_rebuild/complete.json";
const TABLES = [
  { table: "events", key: "event_id" },
  { table: "runs", key: "run_id || '@' || version" },
] as const;

/** the tenant of a lake key `<table>/tenant=<t>/dt=…/…` */
const tenantOf = (key: string) => /^[a-z]+\/tenant=([^/]+)\//.exec(key)?.[1] ?? null;

/** a folder holding the store's `events/` and `runs/` (a download for an S3 store) */
async function localCopy(store: ObjectStore): Promise<{ root: string; done: () => Promise<void> }> {
  if (!store.location.startsWith("s3://")) return { root: store.location, done: async () => {} };
  const root = await mkdtemp(path.join(os.tmpdir(), "jobledger-lake-compare-"));
  const local = createLocalObjectStore(root);
  for (const table of TABLES) {
    for (const key of await store.list(`${table.table}/`)) {
      const body = await store.get(key);
      if (body) await local.put(key, body);
    }
  }
  return { root, done: () => rm(root, { recursive: true, force: true }) };
}

export function createLakeRebuildTarget(options: LakeRebuildOptions): RebuildTarget {
  const { live, shadow } = options;
  const writer: LakeWriter = createLakeWriter({ store: shadow, eventStore: options.eventStore });
  const checkpoints = new Map<string, RebuildCheckpoint>();

  const lakeObjects = async (store: ObjectStore) =>
    (await Promise.all(TABLES.map((t) => store.list(`${t.table}/`)))).flat();

  const save = () =>
    shadow.put(CHECKPOINTS, Buffer.from(JSON.stringify([...checkpoints.values()])), "application/json");

  return {
    name: "lake",
    location: shadow.location,
    async prepare(tenants, range) {
      const saved = await shadow.get(CHECKPOINTS);
      if (saved) {
        for (const cp of JSON.parse(Buffer.from(saved).toString("utf8")) as RebuildCheckpoint[]) {
          checkpoints.set(cp.tenant, cp);
        }
        // every tenant of the copy is finished (they were not carried over)
        return [...checkpoints.values()];
      }
      if ((await lakeObjects(shadow)).length > 0) {
        if (!options.clearShadow) {
          throw new Error(`${shadow.location} already holds lake objects: choose an empty prefix`);
        }
        await options.clearShadow();
      }
      // carry over the tenants not being rebuilt
      for (const key of await lakeObjects(live)) {
        const tenant = tenantOf(key);
        if (tenant === null || tenants.includes(tenant)) continue;
        const body = await live.get(key);
        if (body) await shadow.put(key, body, "application/vnd.apache.parquet");
      }
      for (const tenant of tenants)
        checkpoints.set(tenant, { tenant, cursor: null, events: 0, done: false, range });
      await save();
      return [...checkpoints.values()];
    },
    async apply(events: readonly DecodedEvent[]) {
      if (events.length > 0) await writer.write(events);
    },
    async saveCheckpoint(cp) {
      checkpoints.set(cp.tenant, { ...cp });
      await save();
    },
    async estimateEvents() {
      return null;
    },
    async compare(): Promise<RebuildComparison> {
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const { lakeViewsSql } = await import("../analytics/duckdb-engine.ts");
      const a = await localCopy(live);
      const b = await localCopy(shadow);
      const instance = await DuckDBInstance.create(":memory:");
      const db = await instance.connect();
      try {
        await db.run("SET TimeZone = 'UTC'");
        for (const [name, root] of [
          ["live", a.root],
          ["rebuilt", b.root],
        ] as const) {
          await db.run(lakeViewsSql(root));
          for (const { table, key } of TABLES) {
            await db.run(
              `CREATE TEMP TABLE ${name}_${table} AS SELECT DISTINCT (${key})::VARCHAR AS k, to_json(t)::VARCHAR AS j FROM ${table} t`,
            );
          }
        }
        const parts: RebuildComparison["parts"] = [];
        for (const { table } of TABLES) {
          const diff = async (x: string, y: string) => {
            const reader = await db.runAndReadAll(
              `SELECT k FROM (SELECT k, j FROM ${x}_${table} EXCEPT SELECT k, j FROM ${y}_${table}) ORDER BY k`,
            );
            return reader.getRowObjectsJson().map((r) => String(r.k));
          };
          const onlyLive = await diff("live", "rebuilt");
          const onlyRebuilt = await diff("rebuilt", "live");
          parts.push({
            name: `lake ${table}`,
            onlyInLive: onlyLive.length,
            onlyInRebuilt: onlyRebuilt.length,
            samples: [...new Set([...onlyLive, ...onlyRebuilt])].slice(0, 5),
          });
        }
        return { parts };
      } finally {
        db.closeSync();
        instance.closeSync();
        await a.done();
        await b.done();
      }
    },
    async switchOver() {
      await shadow.put(
        COMPLETE,
        Buffer.from(JSON.stringify({ completedAt: new Date().toISOString(), from: live.location })),
        "application/json",
      );
    },
    async discard() {
      await options.clearShadow?.();
    },
    async close() {},
  };
}
