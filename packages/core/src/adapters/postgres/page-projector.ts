/**
 * The rebuild's projector: applies one page of a tenant's events (commit order, as read by a
 * rebuild) to the projections in ONE transaction, where the live projector opens one per
 * stream. Per page it creates, locks, reads and advances the `projection_positions` of all the
 * page's streams with one statement each (`unnest`), and per stream it folds the events in
 * memory before writing: an event a later event of the same stream fully overwrites for a
 * projection (`Projection.supersedes`) is not applied to that projection. The projections'
 * own `apply` writes the rest, so the rows are the ones the live projector writes.
 *
 * Like the live projector it skips what the positions say was applied (a resumed rebuild
 * re-reads its last page) and reads versions a page lacks from the event store.
 */
import type { DecodedEvent } from "@jobledger/events";
import type pg from "pg";
import type { EventStore } from "../../ports/event-store.ts";
import { type Projection, StreamGap } from "./projector.ts";
import { withTransaction } from "./transaction.ts";

export interface PageProjectorOptions {
  pool: pg.Pool;
  eventStore: Pick<EventStore, "readStreamAll">;
  projections: readonly Projection[];
}

export interface PageProjector {
  /** applies a page; returns the events applied to at least one projection (after skipping) */
  handle(events: readonly DecodedEvent[]): Promise<{ applied: number; written: number }>;
}

export function createPageProjector(options: PageProjectorOptions): PageProjector {
  const { pool, eventStore, projections } = options;
  const names = [...projections.map((p) => p.name)].sort();

  return {
    async handle(events) {
      if (events.length === 0) return { applied: 0, written: 0 };
      const streams = groupByStream(events);
      const ids = [...streams.keys()];
      return withTransaction(pool, async (client) => {
        // a rebuild writes a copy that is switched to only when complete: a lost last page is re-read
        await client.query("SET LOCAL synchronous_commit = off");
        await client.query(
          `INSERT INTO projection_positions (projection, stream_id, version)
           SELECT p, s, 0 FROM unnest($1::text[]) AS s, unnest($2::text[]) AS p
           ON CONFLICT (projection, stream_id) DO NOTHING`,
          [ids, names],
        );
        const { rows } = await client.query<{ projection: string; stream_id: string; version: number }>(
          `SELECT projection, stream_id, version FROM projection_positions
            WHERE stream_id = ANY($1::text[]) AND projection = ANY($2::text[])
            ORDER BY stream_id, projection FOR UPDATE`,
          [ids, names],
        );
        const positions = new Map<string, Map<string, number>>();
        for (const row of rows) {
          const byName = positions.get(row.stream_id) ?? new Map<string, number>();
          positions.set(row.stream_id, byName);
          byName.set(row.projection, row.version);
        }

        let applied = 0;
        let written = 0;
        const advanced: { stream: string; version: number }[] = [];
        for (const [streamId, delivered] of streams) {
          const at = positions.get(streamId)!;
          const from = Math.min(...at.values()) + 1;
          const to = Math.max(...delivered.map((e) => e.version));
          if (to < from) continue;
          const ordered = await contiguous(eventStore, streamId, delivered, from, to);
          for (const projection of projections) {
            const done = at.get(projection.name)!;
            const mine = ordered.filter((e) => e.version > done && projection.handles(e.type));
            for (let i = 0; i < mine.length; i++) {
              const later = mine[i + 1];
              if (later && projection.supersedes?.(mine[i]!, later)) continue;
              await projection.apply(client, mine[i]!);
              written++;
            }
          }
          applied += ordered.length;
          advanced.push({ stream: streamId, version: to });
        }
        if (advanced.length > 0) {
          await client.query(
            `UPDATE projection_positions pp SET version = a.version, updated_at = now()
               FROM unnest($1::text[], $2::int[]) AS a(stream_id, version)
              WHERE pp.stream_id = a.stream_id AND pp.projection = ANY($3::text[]) AND pp.version < a.version`,
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

function groupByStream(events: readonly DecodedEvent[]): Map<string, DecodedEvent[]> {
  const streams = new Map<string, DecodedEvent[]>();
  for (const event of events) {
    const list = streams.get(event.streamId);
    if (list) list.push(event);
    else streams.set(event.streamId, [event]);
  }
  return streams;
}
