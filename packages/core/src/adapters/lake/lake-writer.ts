/**
 * Writes events into the lake: per call, one Parquet object per (table, tenant, day) holding
 * that call's `events` rows and the `runs` rows of the runs they finished. A run's row needs
 * its earlier facts, so on a terminal event the writer reads the run stream from the event
 * store up to that event.
 *
 * Object names hash the ids of the rows' events, so writing the same batch again (a Kinesis
 * retry) replaces the same objects and never duplicates rows. A writer that composes its
 * batches differently from the live projector (the backfill) passes `skipRowsInLake`: it reads
 * the row keys (`event_id`, `run_id@version`) of each partition it writes to once, and writes
 * only rows the lake does not hold yet, so the lake never holds an event twice.
 *
 * Rows are written as storable text (ADR 0010): NUL and lone surrogates become U+FFFD.
 */
import type { DecodedEvent } from "@jobledger/events";
import { toStorableValue } from "../../domain/text/storable-text.ts";
import type { EventStore } from "../../ports/event-store.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import {
  dayOf,
  type EventRow,
  eventRow,
  finishesRun,
  type LakeTable,
  objectNameOf,
  partitionOf,
  type RunRow,
  runRow,
  runRowKey,
} from "../../projections/lake-rows.ts";

/**
 * parquet-wasm reads its .wasm file next to its own module when loaded: it is imported on first
 * write (a literal specifier, so bundlers include our module), so processes that never write
 * the lake never load it; a function that does ships `parquet-wasm` unbundled (SST
 * `nodejs.install`).
 */
type ParquetModule = typeof import("./parquet.ts");
let parquet: Promise<ParquetModule> | null = null;
const loadParquet = (): Promise<ParquetModule> => {
  parquet ??= import("./parquet.ts");
  return parquet;
};

export interface LakeWriteResult {
  /** keys written, in order */
  objects: string[];
  eventRows: number;
  runRows: number;
  /** events left out because the lake held them already (with `skipRowsInLake`) */
  eventsInLake: number;
}

export interface LakeWriter {
  write(events: readonly DecodedEvent[]): Promise<LakeWriteResult>;
}

export interface LakeWriterDeps {
  store: ObjectStore;
  eventStore: Pick<EventStore, "readStreamAll">;
  /**
   * leave out rows whose key a partition already holds (read once per partition, then kept up
   * to date with what this writer writes); for the backfill, whose batches differ from the
   * projector's so their object names cannot coincide
   */
  skipRowsInLake?: boolean;
}

/** Row keys already in the lake, per partition, read once per (table, tenant) listing. */
function lakeRowKeys(store: ObjectStore) {
  const listings = new Map<string, Promise<Map<string, string[]>>>();
  const partitions = new Map<string, Promise<Set<string>>>();
  const listing = (table: LakeTable, tenant: string) => {
    const root = `${table}/tenant=${tenant}/`;
    let found = listings.get(root);
    if (!found) {
      found = store.list(root).then((keys) => {
        const byPartition = new Map<string, string[]>();
        for (const key of keys) {
          if (!key.endsWith(".parquet")) continue;
          const partition = key.slice(0, key.lastIndexOf("/") + 1);
          byPartition.set(partition, [...(byPartition.get(partition) ?? []), key]);
        }
        return byPartition;
      });
      listings.set(root, found);
    }
    return found;
  };
  return {
    async of(table: LakeTable, tenant: string, dt: string): Promise<Set<string>> {
      const partition = partitionOf(table, tenant, dt);
      let keys = partitions.get(partition);
      if (!keys) {
        keys = (async () => {
          const { rowKeysOf } = await loadParquet();
          const found = new Set<string>();
          for (const object of (await listing(table, tenant)).get(partition) ?? []) {
            const bytes = await store.get(object);
            if (bytes) for (const key of rowKeysOf(table, bytes)) found.add(key);
          }
          return found;
        })();
        partitions.set(partition, keys);
      }
      return keys;
    },
  };
}

interface Group<R> {
  table: LakeTable;
  tenant: string;
  dt: string;
  ids: string[];
  rows: R[];
}

function groupBy<R>(table: LakeTable, items: { tenant: string; at: Date; id: string; row: R }[]): Group<R>[] {
  const groups = new Map<string, Group<R>>();
  for (const item of items) {
    const dt = dayOf(item.at);
    const key = `${item.tenant}\u0000${dt}`;
    let group = groups.get(key);
    if (!group) {
      group = { table, tenant: item.tenant, dt, ids: [], rows: [] };
      groups.set(key, group);
    }
    group.ids.push(item.id);
    group.rows.push(item.row);
  }
  return [...groups.values()];
}

export function createLakeWriter(deps: LakeWriterDeps): LakeWriter {
  const inLake = deps.skipRowsInLake ? lakeRowKeys(deps.store) : null;
  const runRowOf = async (terminal: DecodedEvent): Promise<RunRow> => {
    const history: DecodedEvent[] = [];
    for await (const event of deps.eventStore.readStreamAll(terminal.streamId, {
      toVersion: terminal.version,
    })) {
      history.push(event);
    }
    return runRow(history);
  };

  return {
    async write(batch) {
      // a batch may carry a record twice (the change feed duplicates): one row per event id
      const unique = new Map<string, DecodedEvent>();
      for (const event of batch) unique.set(event.eventId, event);
      const all = [...unique.values()].sort(
        (a, b) => a.streamId.localeCompare(b.streamId) || a.version - b.version,
      );
      const events: DecodedEvent[] = [];
      for (const event of all) {
        const held = await inLake?.of("events", event.tenant, dayOf(event.occurredAt));
        if (!held?.has(event.eventId)) events.push(event);
      }

      const eventGroups = groupBy<EventRow>(
        "events",
        events.map((e) => ({
          tenant: e.tenant,
          at: e.occurredAt,
          id: e.eventId,
          row: toStorableValue(eventRow(e)),
        })),
      );
      const runItems: { tenant: string; at: Date; id: string; row: RunRow }[] = [];
      for (const event of all) {
        if (!finishesRun(event)) continue;
        const row = toStorableValue(await runRowOf(event));
        const held = await inLake?.of("runs", event.tenant, dayOf(row.finished_at));
        if (held?.has(runRowKey(row.run_id, row.version))) continue;
        runItems.push({ tenant: event.tenant, at: row.finished_at, id: event.eventId, row });
      }
      const runGroups = groupBy<RunRow>("runs", runItems);

      // every object is encoded before the first is put: a batch that cannot be encoded writes
      // nothing, so the consumer can look for the record at fault without leaving duplicates
      const { eventsParquet, PARQUET_CONTENT_TYPE, runsParquet } = await loadParquet();
      const encoded = [
        ...eventGroups.map((g) => ({ group: g, bytes: eventsParquet(g.rows) })),
        ...runGroups.map((g) => ({ group: g, bytes: runsParquet(g.rows) })),
      ];
      const objects: string[] = [];
      for (const { group, bytes } of encoded) {
        const key = partitionOf(group.table, group.tenant, group.dt) + objectNameOf(group.ids);
        await deps.store.put(key, bytes, PARQUET_CONTENT_TYPE);
        objects.push(key);
      }
      if (inLake) {
        for (const group of eventGroups) {
          const held = await inLake.of("events", group.tenant, group.dt);
          for (const id of group.ids) held.add(id);
        }
        for (const group of runGroups) {
          const held = await inLake.of("runs", group.tenant, group.dt);
          for (const row of group.rows) held.add(runRowKey(row.run_id, row.version));
        }
      }
      return {
        objects,
        eventRows: events.length,
        runRows: runItems.length,
        eventsInLake: all.length - events.length,
      };
    },
  };
}
