/**
 * Writes events into the lake: per call, one Parquet object per (table, tenant, day) holding
 * that call's `events` rows and the `runs` rows of the runs they finished. A run's row needs
 * its earlier facts, so on a terminal event the writer reads the run stream from the event
 * store up to that event.
 *
 * Object names hash the ids of the rows' events, so writing the same batch again (a Kinesis
 * retry, a replayed backfill page) replaces the same objects and never duplicates rows.
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
}

export interface LakeWriter {
  write(events: readonly DecodedEvent[]): Promise<LakeWriteResult>;
}

export interface LakeWriterDeps {
  store: ObjectStore;
  eventStore: Pick<EventStore, "readStreamAll">;
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
      const events = [...unique.values()].sort(
        (a, b) => a.streamId.localeCompare(b.streamId) || a.version - b.version,
      );

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
      for (const event of events) {
        if (!finishesRun(event)) continue;
        const row = toStorableValue(await runRowOf(event));
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
      return { objects, eventRows: events.length, runRows: runItems.length };
    },
  };
}
