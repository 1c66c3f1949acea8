/**
 * The Postgres projector: applies batches of events (as delivered by the change feed,
 * possibly duplicated and out of order) to read-model projections, exactly once and in
 * stream order.
 *
 * Each projection keeps, per stream, the last version it applied in
 * `projection_positions`, updated in the same transaction as its writes. Per stream of a
 * batch, one transaction locks those positions, skips what was applied already, reads any
 * missing versions (a gap) from the event store, applies the rest in version order and
 * stores the new positions.
 */
import type { DecodedEvent, EventType } from "@jobledger/events";
import type pg from "pg";
import { groupByStream } from "../../changefeed/group-by-stream.ts";
import type { Logger } from "../../logging.ts";
import type { EventStore } from "../../ports/event-store.ts";
import { withTransaction } from "./transaction.ts";

/** A read model built from events inside the projector's transaction. */
export interface Projection {
  /** stable name; the key of its positions (renaming it replays every stream) */
  name: string;
  handles(type: EventType): boolean;
  /** applies one event; called at most once per (stream, version), in version order */
  apply(client: pg.PoolClient, event: DecodedEvent): Promise<void>;
  /**
   * true when applying `later` (the next event of the same stream this projection handles)
   * overwrites every effect of `earlier`, so a rebuild folding a page may skip `earlier`
   */
  supersedes?(earlier: DecodedEvent, later: DecodedEvent): boolean;
}

export interface PostgresProjectorOptions {
  pool: pg.Pool;
  /** where missing versions are read from when a batch has a gap */
  eventStore: Pick<EventStore, "readStreamAll">;
  projections: readonly Projection[];
  logger?: Logger;
}

export interface ProjectorResult {
  /** streams whose transaction committed */
  streams: number;
  /** events applied (each counted once however many projections took it) */
  applied: number;
  /** events already applied before (duplicates, replays) */
  skipped: number;
  /** events read from the event store to fill gaps */
  filled: number;
}

export interface PostgresProjector {
  handle(events: readonly DecodedEvent[]): Promise<ProjectorResult>;
}

/** Thrown when the event store does not hold versions a batch skipped over. */
export class StreamGap extends Error {
  override readonly name = "StreamGap";
  constructor(
    readonly streamId: string,
    readonly missing: number[],
  ) {
    super(
      `stream ${streamId} has a gap the event store cannot fill: versions ${missing.join(", ")} are missing`,
    );
  }
}

/**
 * Thrown by `handle` when a stream could not be projected. Streams are handled one after
 * another in the order they first appear in the batch: those in `completedStreams` were
 * committed, the failed one and those after it were not (a caller can report partial batch
 * failures with this). `cause` is the original error.
 */
export class ProjectionFailed extends Error {
  override readonly name = "ProjectionFailed";
  constructor(
    readonly streamId: string,
    readonly completedStreams: string[],
    cause: unknown,
  ) {
    super(`projecting stream ${streamId} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

export function createPostgresProjector(options: PostgresProjectorOptions): PostgresProjector {
  const { pool, eventStore, projections, logger } = options;
  const names = projections.map((p) => p.name);
  if (new Set(names).size !== names.length) {
    throw new Error(`projection names must be unique: ${names.join(", ")}`);
  }
  if (names.length === 0) throw new Error("a projector needs at least one projection");
  // positions are locked in one order everywhere, so two projectors on the same stream cannot deadlock
  const sortedNames = [...names].sort();

  async function handleStream(streamId: string, delivered: DecodedEvent[]): Promise<ProjectorResult> {
    return withTransaction(pool, async (client) => {
      const positions = await lockPositions(client, streamId);
      const from = Math.min(...positions.values()) + 1;
      const to = Math.max(...delivered.map((e) => e.version));
      const result: ProjectorResult = { streams: 1, applied: 0, skipped: 0, filled: 0 };
      result.skipped = delivered.filter((e) => e.version < from).length;
      if (to < from) return result;

      const byVersion = new Map<number, DecodedEvent>();
      for (const event of delivered) {
        if (event.version >= from && !byVersion.has(event.version)) byVersion.set(event.version, event);
      }
      result.skipped += delivered.filter((e) => e.version >= from).length - byVersion.size;
      result.filled = await fillGaps(streamId, byVersion, from, to);

      for (let version = from; version <= to; version++) {
        const event = byVersion.get(version)!;
        for (const projection of projections) {
          if (positions.get(projection.name)! < version && projection.handles(event.type)) {
            await projection.apply(client, event);
          }
        }
        result.applied++;
      }
      await client.query(
        `UPDATE projection_positions SET version = $3, updated_at = now()
         WHERE stream_id = $1 AND projection = ANY($2::text[]) AND version < $3`,
        [streamId, sortedNames, to],
      );
      return result;
    });
  }

  /** Creates missing position rows (version 0) and locks them all for this transaction. */
  async function lockPositions(client: pg.PoolClient, streamId: string): Promise<Map<string, number>> {
    await client.query(
      `INSERT INTO projection_positions (projection, stream_id, version)
       SELECT name, $1, 0 FROM unnest($2::text[]) AS name
       ON CONFLICT (projection, stream_id) DO NOTHING`,
      [streamId, sortedNames],
    );
    const rows = await client.query<{ projection: string; version: number }>(
      `SELECT projection, version FROM projection_positions
       WHERE stream_id = $1 AND projection = ANY($2::text[])
       ORDER BY projection FOR UPDATE`,
      [streamId, sortedNames],
    );
    return new Map(rows.rows.map((row) => [row.projection, row.version]));
  }

  /** Reads every version in [from, to] the batch lacks from the event store; returns how many. */
  async function fillGaps(streamId: string, byVersion: Map<number, DecodedEvent>, from: number, to: number) {
    const missing = missingRanges(byVersion, from, to);
    let filled = 0;
    for (const [fromVersion, toVersion] of missing) {
      logger?.info({ streamId, fromVersion, toVersion }, "gap in delivered events: reading the event store");
      for await (const event of eventStore.readStreamAll(streamId, { fromVersion, toVersion })) {
        if (event.version >= fromVersion && event.version <= toVersion && !byVersion.has(event.version)) {
          byVersion.set(event.version, event);
          filled++;
        }
      }
    }
    const stillMissing: number[] = [];
    for (let version = from; version <= to; version++)
      if (!byVersion.has(version)) stillMissing.push(version);
    if (stillMissing.length > 0) throw new StreamGap(streamId, stillMissing);
    return filled;
  }

  return {
    async handle(events) {
      const total: ProjectorResult = { streams: 0, applied: 0, skipped: 0, filled: 0 };
      const completed: string[] = [];
      for (const [streamId, delivered] of groupByStream(events)) {
        let result: ProjectorResult;
        try {
          result = await handleStream(streamId, delivered);
        } catch (error) {
          logger?.error({ err: error, streamId }, "projecting a stream failed");
          throw new ProjectionFailed(streamId, completed, error);
        }
        completed.push(streamId);
        total.streams += result.streams;
        total.applied += result.applied;
        total.skipped += result.skipped;
        total.filled += result.filled;
      }
      logger?.debug({ ...total }, "projected a batch");
      return total;
    },
  };
}

/** Contiguous ranges of versions in [from, to] that `present` lacks. */
function missingRanges(present: Map<number, unknown>, from: number, to: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start: number | null = null;
  for (let version = from; version <= to + 1; version++) {
    const absent = version <= to && !present.has(version);
    if (absent && start === null) start = version;
    if (!absent && start !== null) {
      ranges.push([start, version - 1]);
      start = null;
    }
  }
  return ranges;
}
