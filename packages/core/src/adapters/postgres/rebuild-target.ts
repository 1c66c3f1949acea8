/**
 * RebuildTarget for the Postgres read model: a shadow schema `<live>_rebuild`, migrated with
 * the same migrations and filled by the same projections (a page per transaction, folded per
 * stream: page-projector.ts), with
 * its checkpoints in `<shadow>.rebuild_checkpoints`. The switch renames the schemas in one
 * transaction (`<live>` → `<live>_old`, `<live>_rebuild` → `<live>`): connections name the
 * schema in their search_path, so the next query of the live pool reads the new tables.
 * Needs a PostgreSQL server (DATABASE_URL); PGlite is one process's embedded database.
 */
import type { DecodedEvent } from "@jobledger/events";
import type pg from "pg";
import type {
  RebuildCheckpoint,
  RebuildComparison,
  RebuildTarget,
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

export interface PostgresRebuildOptions {
  url: string;
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

export function createPostgresRebuildTarget(options: PostgresRebuildOptions): RebuildTarget {
  const live = options.liveSchema;
  const shadow = `${live}_rebuild`;
  const old = `${live}_old`;
  let db: Database | null = null;
  let projector: PageProjector | null = null;
  const pool = (): pg.Pool => {
    if (!db) throw new Error("the rebuild target is not prepared");
    return db.pool;
  };

  async function columnsOf(table: string, ignore: string[] = []): Promise<string[]> {
    const { rows } = await pool().query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [live, table],
    );
    return rows.map((r) => r.column_name).filter((c) => !ignore.includes(c));
  }

  return {
    name: "postgres",
    async prepare(tenants) {
      db = await openDatabase({ url: options.url, schema: shadow, logger: options.logger });
      const fresh =
        (
          await db.pool.query(
            `SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'rebuild_checkpoints'`,
            [shadow],
          )
        ).rowCount === 0;
      if (fresh) {
        await migrate(db.pool);
        // carry over the tenants not being rebuilt
        const { rows: tables } = await db.pool.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.columns
            WHERE table_schema = $1 AND column_name = 'tenant' AND table_name <> 'schema_migrations'`,
          [live],
        );
        for (const { table_name } of tables) {
          await db.pool.query(
            `INSERT INTO "${shadow}"."${table_name}" SELECT * FROM "${live}"."${table_name}" WHERE tenant <> ALL($1)`,
            [tenants],
          );
        }
        await db.pool.query(
          `INSERT INTO "${shadow}".projection_positions SELECT * FROM "${live}".projection_positions
            WHERE split_part(stream_id, '/', 1) <> ALL($1)`,
          [tenants],
        );
        await db.pool.query(`CREATE TABLE rebuild_checkpoints (
          tenant text PRIMARY KEY, cursor text, events bigint NOT NULL, done boolean NOT NULL)`);
      }
      projector = createPageProjector({
        pool: db.pool,
        eventStore: options.eventStore,
        projections: options.projections ?? [jobsProjection, runsProjection, schedulesProjection],
      });
      const { rows } = await db.pool.query<{
        tenant: string;
        cursor: string | null;
        events: string;
        done: boolean;
      }>("SELECT tenant, cursor, events, done FROM rebuild_checkpoints");
      return rows.map((r) => ({
        tenant: r.tenant,
        cursor: r.cursor,
        events: Number(r.events),
        done: r.done,
      }));
    },
    async apply(events: readonly DecodedEvent[]) {
      if (!projector) throw new Error("the rebuild target is not prepared");
      if (events.length > 0) await projector.handle(events);
    },
    async saveCheckpoint(cp: RebuildCheckpoint) {
      await pool().query(
        `INSERT INTO rebuild_checkpoints (tenant, cursor, events, done) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant) DO UPDATE SET cursor = $2, events = $3, done = $4`,
        [cp.tenant, cp.cursor, cp.events, cp.done],
      );
    },
    async estimateEvents(tenants) {
      // the live projector's positions: one per (projection, stream); the largest per stream ≈ its events
      const { rows } = await pool().query<{ n: string | null }>(
        `SELECT sum(v) AS n FROM (SELECT max(version) AS v FROM "${live}".projection_positions
           WHERE split_part(stream_id, '/', 1) = ANY($1) GROUP BY stream_id) s`,
        [tenants],
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
