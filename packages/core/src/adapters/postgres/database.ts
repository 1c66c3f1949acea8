/**
 * Opens the relational read model's database: a real PostgreSQL server (`url`) or an
 * embedded PGlite (Postgres in WASM) when no URL is given. Both are reached through the
 * same `pg.Pool`, so every query runs through one code path in production and locally.
 */
import { PGlite } from "@electric-sql/pglite";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import pg from "pg";
import { createLogger, type Logger } from "../../logging.ts";
import { acquireFolderLock } from "./folder-lock.ts";

export interface OpenDatabaseOptions {
  /** a postgres:// URL; when absent an embedded PGlite is used */
  url?: string;
  /** PGlite's data folder (guarded by a lock file); in memory when absent. Ignored with `url`. */
  pglitePath?: string;
  /** schema to work in (created when missing): it becomes the connections' `search_path` */
  schema?: string;
  /** where errors of idle pooled connections are reported (default: a "postgres" logger) */
  logger?: Logger;
}

export interface Database {
  pool: pg.Pool;
  kind: "postgres" | "pglite";
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens a pool on PostgreSQL (`url`) or on an embedded PGlite; see {@link OpenDatabaseOptions}. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(
      `invalid schema name "${schema}": use lower-case letters, digits and underscores, starting with a letter or underscore`,
    );
  }
  const database = options.url ? await openPostgres(options.url, schema) : await openPglite(options);
  // an idle client whose connection fails emits "error" on the pool: unhandled, it would end the process
  database.pool.on("error", (error) => {
    (options.logger ?? createLogger("postgres")).error({ err: error }, "idle database connection failed");
  });
  return database;
}

async function openPostgres(url: string, schema: string | undefined): Promise<Database> {
  if (schema !== undefined) {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (error) {
      // two processes creating the same schema at once: the loser sees a unique violation
      if (!isUniqueViolation(error)) throw error;
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  return { pool, kind: "postgres", close: once(() => pool.end()) };
}

async function openPglite(options: OpenDatabaseOptions): Promise<Database> {
  const lock = options.pglitePath === undefined ? null : acquireFolderLock(options.pglitePath);
  try {
    const pglite = new PGlite(options.pglitePath);
    await pglite.waitReady;
    const { schema } = options;
    if (schema !== undefined) await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    // PGlite is one session behind a pool of one connection; pg's startup `options` are not
    // read, so the search path is set on the session itself.
    if (schema !== undefined) await pglite.exec(`SET search_path TO ${schema}`);
    const pool = new pg.Pool(createPgConfig(pglite));
    const close = once(async () => {
      await pool.end();
      await pglite.close();
      lock?.release();
    });
    return { pool, kind: "pglite", close };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** `close()` may be called more than once (e.g. by a test and by a shutdown hook). */
function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  return () => {
    done ??= action();
    return done;
  };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "23505";
}
