/**
 * The rebuild's projector: applies one page of a tenant's events (commit order, as read by a
 * rebuild) to the projections in ONE transaction, where the live projector opens one per
 * stream. Per page it reads (and locks) the `projection_positions` of all the page's streams
 * with one statement, and creates or advances them with another (`unnest`).
 *
 * When every projection has a page fold (`PAGE_FOLDS`: jobs, schedules, runs), the page's rows
 * are read with one SELECT per table, each event is folded into them in memory by the
 * projections' pure folds — in the order the live projector applies them — and each table's
 * changed rows are written with one upsert (page-fold.ts). Otherwise each event goes through
 * the projections' own `apply`, skipping an event a later one of the same stream fully
 * overwrites for a projection (`Projection.supersedes`). Either way the rows are the ones the
 * live projector writes.
 *
 * Like the live projector it skips what the positions say was applied (a resumed rebuild
 * re-reads its last page) and reads versions a page lacks from the event store.
 */
import type { DecodedEvent } from "@jobledger/events";
import type pg from "pg";
import { groupByStream } from "../../changefeed/group-by-stream.ts";
import type { EventStore } from "../../ports/event-store.ts";
import { PAGE_FOLDS, type PageFold, type PageNeeds, PageRows } from "./page-fold.ts";
import { type Projection, StreamGap } from "./projector.ts";
import { withTransaction } from "./transaction.ts";

export interface PageProjectorOptions {
  pool: pg.Pool;
  eventStore: Pick<EventStore, "readStreamAll">;
  projections: readonly Projection[];
}

export interface PageProjector {
  /**
   * applies a page; returns the events applied (after what the positions skip) and how many
   * (event, projection) pairs were folded or written
   */
  handle(events: readonly DecodedEvent[]): Promise<{ applied: number; written: number }>;
}

export function createPageProjector(options: PageProjectorOptions): PageProjector {
  const { pool, eventStore, projections } = options;
  const names = [...projections.map((p) => p.name)].sort();
  const folds = projections.map((p) => PAGE_FOLDS.get(p));
  const folding = folds.every((f) => f !== undefined) ? (folds as PageFold[]) : null;

  return {
    async handle(events) {
      if (events.length === 0) return { applied: 0, written: 0 };
      const streams = groupByStream(events);
      const ids = [...streams.keys()];
      return withTransaction(pool, async (client) => {
        // a rebuild writes a copy that is switched to only when complete: a lost last page is re-read
        await client.query("SET LOCAL synchronous_commit = off");
        // the positions there are, locked; a missing one is 0 (the rows are created at the end:
        // a rebuild fills its shadow copy alone, so no other writer races for a new stream)
        const { rows } = await client.query<{ projection: string; stream_id: string; version: number }>(
          `SELECT projection, stream_id, version FROM projection_positions
            WHERE stream_id = ANY($1::text[]) AND projection = ANY($2::text[])
            ORDER BY stream_id, projection FOR UPDATE`,
          [ids, names],
        );
        const positions = new Map<string, Map<string, number>>();
        for (const id of ids) positions.set(id, new Map(names.map((name) => [name, 0])));
        for (const row of rows) positions.get(row.stream_id)?.set(row.projection, row.version);

        let applied = 0;
        let written = 0;
        const advanced: { stream: string; version: number }[] = [];
        /** per stream to apply: the events in order, and per projection the ones it takes */
        const work: { ordered: DecodedEvent[]; mine: DecodedEvent[][] }[] = [];
        for (const [streamId, delivered] of streams) {
          const at = positions.get(streamId)!;
          const from = Math.min(...at.values()) + 1;
          const to = Math.max(...delivered.map((e) => e.version));
          if (to < from) continue;
          const ordered = await contiguous(eventStore, streamId, delivered, from, to);
          const mine = projections.map((projection) => {
            const done = at.get(projection.name)!;
            return ordered.filter((e) => e.version > done && projection.handles(e.type));
          });
          work.push({ ordered, mine });
          applied += ordered.length;
          advanced.push({ stream: streamId, version: to });
        }

        if (folding) {
          const needs: PageNeeds = {
            jobs: new Set(),
            schedules: new Set(),
            runs: new Set(),
            fires: new Set(),
          };
          for (const { mine } of work) {
            for (let i = 0; i < mine.length; i++) folding[i]!.need(mine[i]!, needs);
          }
          const rows = await PageRows.load(client, needs);
          // the live projector's order: stream by stream, version by version, projection by projection
          for (const { ordered, mine } of work) {
            const takes = mine.map((events) => new Set(events));
            for (const event of ordered) {
              for (let i = 0; i < projections.length; i++) {
                if (!takes[i]!.has(event)) continue;
                folding[i]!.apply(rows, event);
                written++;
              }
            }
          }
          await rows.write(client);
        } else {
          for (const { mine } of work) {
            for (let p = 0; p < projections.length; p++) {
              const list = mine[p]!;
              for (let i = 0; i < list.length; i++) {
                const later = list[i + 1];
                if (later && projections[p]!.supersedes?.(list[i]!, later)) continue;
                await projections[p]!.apply(client, list[i]!);
                written++;
              }
            }
          }
        }
        if (advanced.length > 0) {
          await client.query(
            `INSERT INTO projection_positions (projection, stream_id, version)
             SELECT n, a.stream_id, a.version FROM unnest($1::text[], $2::int[]) AS a(stream_id, version),
                    unnest($3::text[]) AS n
             ON CONFLICT (projection, stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()
              WHERE projection_positions.version < EXCLUDED.version`,
            [advanced.map((a) => a.stream), advanced.map((a) => a.version), names],
          );
        }
        return { applied, written };
      });
    },
  };
}

/** The versions from..to of a stream in order, from the page or (what it lacks) the event store. */
async function contiguous(
  eventStore: Pick<EventStore, "readStreamAll">,
  streamId: string,
  delivered: DecodedEvent[],
  from: number,
  to: number,
): Promise<DecodedEvent[]> {
  const byVersion = new Map<number, DecodedEvent>();
  for (const e of delivered) if (e.version >= from && !byVersion.has(e.version)) byVersion.set(e.version, e);
  if (byVersion.size < to - from + 1) {
    for await (const e of eventStore.readStreamAll(streamId, { fromVersion: from, toVersion: to })) {
      if (e.version >= from && e.version <= to && !byVersion.has(e.version)) byVersion.set(e.version, e);
    }
  }
  const out: DecodedEvent[] = [];
  const missing: number[] = [];
  for (let v = from; v <= to; v++) {
    const e = byVersion.get(v);
    if (e) out.push(e);
    else missing.push(v);
  }
  if (missing.length > 0) throw new StreamGap(streamId, missing);
  return out;
}
