/**
 * RebuildTarget for the Postgres read model: a shadow schema `<live>_rebuild`, migrated with
 * the same migrations and filled by the same projections (a page per transaction, folded per
 * stream: page-projector.ts), with
 * its checkpoints in `<shadow>.rebuild_checkpoints`. The switch renames the schemas in one
 * transaction (`<live>` → `<live>_old`, `<live>_rebuild` → `<live>`): connections name the
 * schema in their search_path, so the next query of the live pool reads the new tables.
 * Needs a PostgreSQL server (DATABASE_URL); PGlite is one process's embedded database.
 */
import { type DecodedEvent, parseStreamId } from "@jobledger/events";
import type pg from "pg";
import { RebuildNotSupported } from "../../application/rebuild/rebuild.ts";
import {
  type RebuildCheckpoint,
  type RebuildComparison,
  type RebuildTarget,
  WHOLE_HISTORY,
} from "../../application/rebuild/target.ts";
import type { Logger } from "../../logging.ts";
import type { EventStore } from "../../ports/event-store.ts";
import { jobsProjection } from "../../projections/jobs.ts";
import { runsProjection } from "../../projections/runs.ts";
import { schedulesProjection } from "../../projections/schedules.ts";
import { type Database, openDatabase } from "./database.ts";
import { migrate } from "./migrate.ts";
import { createPageProjector, type PageProjector } from "./page-projector.ts";
import type { Projection } from "./projector.ts";
import { withTransaction } from "./transaction.ts";

export interface PostgresRebuildOptions {
  /** a PostgreSQL server; without it the embedded PGlite in `pglitePath` (its owner stopped) */
  url?: string;
  pglitePath?: string;
  /** the live read model's schema, e.g. "public" */
  liveSchema: string;
  eventStore: Pick<EventStore, "readStreamAll">;
  projections?: readonly Projection[];
  logger?: Logger;
}

/** Tables compared old vs new, with their key columns. */
const COMPARED: readonly { table: string; key: string[]; ignore?: string[] }[] = [
  { table: "jobs", key: ["tenant", "job_id"] },
  { table: "runs", key: ["tenant", "run_id"] },
  { table: "run_attempts", key: ["tenant", "run_id", "attempt"] },
  { table: "schedules", key: ["tenant", "job_id"] },
  { table: "projection_positions", key: ["projection", "stream_id"], ignore: ["updated_at"] },
];

/** Rows a projection keeps per stream: those of `table` whose `key` is the id of a `<tenant>/<kind>/<id>` stream. */
interface StreamRows {
  kind: string;
  table: string;
  key: string;
}

/**
 * What a repair removes before folding a stream again, per projection: a job stream owns its
 * `jobs` and `schedules` rows, a run stream its `runs` and `run_attempts` rows. The runs
 * projection also raises `schedules.last_fire_at`; that is left in place, as a job folded again
 * takes it from the `runs` rows (and only ever raises it), so the row does not depend on which of
 * the streams are folded again (projections/schedules.ts).
 */
const STREAM_ROWS: Record<string, StreamRows[]> = {
  jobs: [{ kind: "job", table: "jobs", key: "job_id" }],
  schedules: [{ kind: "job", table: "schedules", key: "job_id" }],
  runs: [
    { kind: "run", table: "run_attempts", key: "run_id" },
    { kind: "run", table: "runs", key: "run_id" },
  ],
};

export function createPostgresRebuildTarget(options: PostgresRebuildOptions): RebuildTarget {
  const live = options.liveSchema;
  const shadow = `${live}_rebuild`;
  const old = `${live}_old`;
  let db: Database | null = null;
  let projector: PageProjector | null = null;
  let streamRows: StreamRows[] = [];
  const pool = (): pg.Pool => {
    if (!db) throw new Error("the rebuild target is not prepared");
    return db.pool;
  };

  /** the columns a table has in both the live and the shadow schema, quoted, in the shadow's order */
  async function sharedColumns(client: pg.PoolClient, table: string): Promise<string> {
    const { rows } = await client.query<{ column_name: string }>(
      `SELECT s.column_name FROM information_schema.columns s
         JOIN information_schema.columns l
           ON l.table_schema = $2 AND l.table_name = s.table_name AND l.column_name = s.column_name
        WHERE s.table_schema = $1 AND s.table_name = $3 ORDER BY s.ordinal_position`,
      [shadow, live, table],
    );
    return rows.map((r) => `"${r.column_name}"`).join(", ");
  }

  async function columnsOf(table: string, ignore: string[] = []): Promise<string[]> {
    const { rows } = await pool().query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [live, table],
    );
    return rows.map((r) => r.column_name).filter((c) => !ignore.includes(c));
  }

  return {
    name: "postgres",
    location: `schema "${shadow}"`,
    async prepare(tenants, range) {
      const projections = options.projections ?? [jobsProjection, runsProjection, schedulesProjection];
      const unknown = projections.filter((p) => !STREAM_ROWS[p.name]).map((p) => p.name);
      if (range.from !== null && unknown.length > 0) {
        throw new RebuildNotSupported(
          `the projections ${unknown.join(", ")} do not say which rows a stream owns: they cannot be repaired from a time (--from)`,
        );
      }
      await db?.close();
      db = await openDatabase({
        url: options.url,
        pglitePath: options.pglitePath,
        schema: shadow,
        logger: options.logger,
      });
      const pool = db.pool;
      const fresh =
        (
          await pool.query(
            `SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'rebuild_checkpoints'`,
            [shadow],
          )
        ).rowCount === 0;
      if (fresh) {
        // a shadow schema without checkpoints is what a prepare that did not finish left: start over
        await pool.query(`DROP SCHEMA IF EXISTS "${shadow}" CASCADE`);
        await pool.query(`CREATE SCHEMA "${shadow}"`);
        await migrate(pool);
        const tables = (
          await pool.query<{ table_name: string }>(
            `SELECT table_name FROM information_schema.columns
              WHERE table_schema = $1 AND column_name = 'tenant' AND table_name <> 'schema_migrations'`,
            [live],
          )
        ).rows.map((r) => r.table_name);
        // one transaction: a copy is either carried over and marked with its checkpoints, or absent
        await withTransaction(pool, async (client) => {
          // without a repair, the tenants being rebuilt start empty; with one, from the live copy
          const others = range.from === null ? tenants : [];
          for (const table of tables) {
            const cols = await sharedColumns(client, table);
            await client.query(
              `INSERT INTO "${shadow}"."${table}" (${cols}) SELECT ${cols} FROM "${live}"."${table}" WHERE tenant <> ALL($1)`,
              [others],
            );
          }
          const cols = await sharedColumns(client, "projection_positions");
          await client.query(
            `INSERT INTO "${shadow}".projection_positions (${cols}) SELECT ${cols} FROM "${live}".projection_positions
              WHERE split_part(stream_id, '/', 1) <> ALL($1)`,
            [others],
          );
          await client.query(`CREATE TABLE "${shadow}".rebuild_checkpoints (
            tenant text PRIMARY KEY, cursor text, events bigint NOT NULL, done boolean NOT NULL,
            range_from text, range_to text)`);
          await client.query(`CREATE TABLE "${shadow}".rebuild_repaired (stream_id text PRIMARY KEY)`);
          await client.query(
            `INSERT INTO "${shadow}".rebuild_checkpoints (tenant, cursor, events, done, range_from, range_to)
             SELECT t, NULL, 0, false, $2, $3 FROM unnest($1::text[]) AS t`,
            [tenants, range.from, range.to],
          );
        });
      } else {
        // a copy made before ranges existed
        await pool.query(`ALTER TABLE rebuild_checkpoints ADD COLUMN IF NOT EXISTS range_from text,
          ADD COLUMN IF NOT EXISTS range_to text`);
        await pool.query("CREATE TABLE IF NOT EXISTS rebuild_repaired (stream_id text PRIMARY KEY)");
      }
      projector = createPageProjector({ pool, eventStore: options.eventStore, projections });
      streamRows = projections.flatMap((p) => STREAM_ROWS[p.name] ?? []);
      const { rows } = await pool.query<{
        tenant: string;
        cursor: string | null;
        events: string;
        done: boolean;
        range_from: string | null;
        range_to: string | null;
      }>(
        "SELECT tenant, cursor, events, done, range_from, range_to FROM rebuild_checkpoints ORDER BY tenant",
      );
      return rows.map((r) => ({
        tenant: r.tenant,
        cursor: r.cursor,
        events: Number(r.events),
        done: r.done,
        range: { from: r.range_from, to: r.range_to },
      }));
    },
    async resetStreams(streamIds) {
      return withTransaction(pool(), async (client) => {
        const { rows } = await client.query<{ stream_id: string }>(
          `INSERT INTO rebuild_repaired (stream_id) SELECT unnest($1::text[])
           ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id`,
          [streamIds],
        );
        const now = rows.map((r) => r.stream_id);
        if (now.length === 0) return [];
        const parsed = now.map((id) => parseStreamId(id));
        for (const { kind, table, key } of streamRows) {
          const mine = parsed.filter((p) => p.kind === kind);
          if (mine.length === 0) continue;
          await client.query(
            `DELETE FROM "${table}" WHERE (tenant, "${key}") IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
            [mine.map((p) => p.tenant), mine.map((p) => p.id)],
          );
        }
        await client.query("DELETE FROM projection_positions WHERE stream_id = ANY($1::text[])", [now]);
        return now;
      });
    },
    async apply(events: readonly DecodedEvent[]) {
      if (!projector) throw new Error("the rebuild target is not prepared");
      if (events.length > 0) await projector.handle(events);
    },
    async saveCheckpoint(cp: RebuildCheckpoint) {
      const range = cp.range ?? WHOLE_HISTORY;
      await pool().query(
        `INSERT INTO rebuild_checkpoints (tenant, cursor, events, done, range_from, range_to)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant) DO UPDATE SET cursor = $2, events = $3, done = $4, range_from = $5, range_to = $6`,
        [cp.tenant, cp.cursor, cp.events, cp.done, range.from, range.to],
      );
    },
    async estimateEvents(tenants, range) {
      // the live projector's positions: one per (projection, stream); the largest per stream ≈ its
      // events; a repair folds again the streams the live projector touched since `from`
      const { rows } = await pool().query<{ n: string | null }>(
        `SELECT sum(v) AS n FROM (SELECT max(version) AS v FROM "${live}".projection_positions
           WHERE split_part(stream_id, '/', 1) = ANY($1) GROUP BY stream_id
           HAVING $2::timestamptz IS NULL OR max(updated_at) >= $2::timestamptz) s`,
        [tenants, range.from],
      );
      return rows[0]?.n ? Number(rows[0].n) : null;
    },
    async compare(): Promise<RebuildComparison> {
      const parts: RebuildComparison["parts"] = [];
      for (const { table, key, ignore } of COMPARED) {
        const cols = (await columnsOf(table, ignore)).map((c) => `"${c}"`).join(", ");
        if (!cols) continue;
        const keyText = key.map((k) => `"${k}"::text`).join(" || '/' || ");
        const diff = async (a: string, b: string) => {
          const { rows } = await pool().query<{ k: string; n: string }>(
            `SELECT ${keyText} AS k, count(*) OVER () AS n FROM
               (SELECT ${cols} FROM "${a}"."${table}" EXCEPT SELECT ${cols} FROM "${b}"."${table}") d LIMIT 5`,
          );
          return { n: rows[0] ? Number(rows[0].n) : 0, keys: rows.map((r) => r.k) };
        };
        const inLive = await diff(live, shadow);
        const inRebuilt = await diff(shadow, live);
        parts.push({
          name: table,
          onlyInLive: inLive.n,
          onlyInRebuilt: inRebuilt.n,
          samples: [...new Set([...inLive.keys, ...inRebuilt.keys])].slice(0, 5),
        });
      }
      return { parts };
    },
    async switchOver() {
      const client = await pool().connect();
      try {
        await client.query("BEGIN");
        await client.query(`DROP SCHEMA IF EXISTS "${old}" CASCADE`);
        await client.query(`DROP TABLE "${shadow}".rebuild_checkpoints`);
        await client.query(`ALTER SCHEMA "${live}" RENAME TO "${old}"`);
        await client.query(`ALTER SCHEMA "${shadow}" RENAME TO "${live}"`);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      } finally {
        client.release();
      }
    },
    async discard() {
      await pool().query(`DROP SCHEMA IF EXISTS "${shadow}" CASCADE`);
    },
    async close() {
      await db?.close();
      db = null;
    },
  };
}
