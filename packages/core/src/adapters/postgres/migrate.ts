/**
 * Schema migrations of the Postgres read model. Migrations are the files
 * `migrations/NNNN_<name>.sql` beside this module, applied in version order, each in its
 * own transaction, and recorded in `schema_migrations` with a SHA-256 checksum. A
 * published migration is never edited: if a recorded checksum no longer matches its file,
 * `migrate` refuses to go on. Processes starting at once take turns on an advisory lock
 * (one per schema), so each migration is applied exactly once.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import type { Logger } from "../../logging.ts";
import { inTransaction } from "./transaction.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** hex SHA-256 of the SQL (line endings normalised to \n) */
  checksum: string;
}

export interface MigrateOptions {
  /** the migrations to apply; default: the files in `migrations/` */
  migrations?: readonly Migration[];
  logger?: Logger;
}

export interface MigrateResult {
  /** migrations this call applied, in order */
  applied: Migration[];
  /** versions recorded in the database that this code does not know (a newer release ran) */
  unknownVersions: number[];
}

/** Thrown when a migration recorded as applied differs from the one in the code. */
export class MigrationChanged extends Error {
  override readonly name = "MigrationChanged";
  constructor(
    readonly version: number,
    recorded: { name: string; checksum: string },
    current: Migration,
  ) {
    super(
      `migration ${label(version, current.name)} was changed after it was applied ` +
        `(recorded ${label(version, recorded.name)} with checksum ${recorded.checksum}, ` +
        `the code has checksum ${current.checksum}); published migrations must never be edited: ` +
        "restore the file and add a new migration instead",
    );
  }
}

export const MIGRATIONS_DIRECTORY = new URL("./migrations/", import.meta.url);

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Builds a migration from its SQL (used for the files, and by tests). */
export function defineMigration(version: number, name: string, sql: string): Migration {
  const normalised = sql.replace(/\r\n/g, "\n");
  return { version, name, sql: normalised, checksum: createHash("sha256").update(normalised).digest("hex") };
}

/** Reads `NNNN_<name>.sql` files from a folder, ordered by version. */
export async function loadMigrations(directory: string | URL = MIGRATIONS_DIRECTORY): Promise<Migration[]> {
  const folder = typeof directory === "string" ? directory : fileURLToPath(directory);
  const files = (await readdir(folder)).filter((file) => file.endsWith(".sql"));
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migration file ${file} is not named NNNN_<lower_case_name>.sql`);
    const sql = await readFile(path.join(folder, file), "utf8");
    migrations.push(defineMigration(Number(match[1]), match[2]!, sql));
  }
  return ordered(migrations);
}

/** Applies the migrations the database lacks; see the module comment. */
export async function migrate(pool: pg.Pool, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = ordered(options.migrations ?? (await loadMigrations()));
  const client = await pool.connect();
  try {
    const recorded = await inTransaction(client, async () => {
      await lockSchema(client);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        checksum text NOT NULL
      )`);
      return recordedMigrations(client);
    });
    const known = new Set(migrations.map((m) => m.version));
    const unknownVersions = [...recorded.keys()].filter((version) => !known.has(version));
    if (unknownVersions.length > 0) {
      options.logger?.warn({ unknownVersions }, "the database has migrations this code does not know");
    }
    for (const migration of migrations) checkUnchanged(recorded, migration);

    const applied: Migration[] = [];
    for (const migration of migrations.filter((m) => !recorded.has(m.version))) {
      const didApply = await inTransaction(client, async () => {
        await lockSchema(client);
        // another process may have applied it while this one waited for the lock
        const now = await recordedMigrations(client, migration.version);
        if (now.has(migration.version)) {
          checkUnchanged(now, migration);
          return false;
        }
        try {
          await client.query(migration.sql);
        } catch (error) {
          throw new Error(`migration ${label(migration.version, migration.name)} failed: ${String(error)}`, {
            cause: error,
          });
        }
        await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        return true;
      });
      if (didApply) {
        applied.push(migration);
        options.logger?.info({ version: migration.version, name: migration.name }, "migration applied");
      }
    }
    return { applied, unknownVersions };
  } finally {
    client.release();
  }
}

/** One lock per schema, so parallel test schemas (and tenants of a shared server) do not wait on each other. */
async function lockSchema(client: pg.ClientBase): Promise<void> {
  await client.query(
    "SELECT pg_advisory_xact_lock(hashtextextended('jobledger:migrate:' || coalesce(current_schema(), ''), 0))",
  );
}

async function recordedMigrations(
  client: pg.ClientBase,
  version?: number,
): Promise<Map<number, { name: string; checksum: string }>> {
  const result = await client.query<{ version: number; name: string; checksum: string }>(
    version === undefined
      ? "SELECT version, name, checksum FROM schema_migrations"
      : "SELECT version, name, checksum FROM schema_migrations WHERE version = $1",
    version === undefined ? [] : [version],
  );
  return new Map(result.rows.map((row) => [row.version, { name: row.name, checksum: row.checksum }]));
}

function checkUnchanged(
  recorded: Map<number, { name: string; checksum: string }>,
  migration: Migration,
): void {
  const row = recorded.get(migration.version);
  if (row && (row.checksum !== migration.checksum || row.name !== migration.name)) {
    throw new MigrationChanged(migration.version, row, migration);
  }
}

function ordered(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.version === sorted[i - 1]!.version) {
      throw new Error(
        `two migrations have version ${sorted[i]!.version}: ${sorted[i - 1]!.name} and ${sorted[i]!.name}`,
      );
    }
  }
  return sorted;
}

function label(version: number, name: string): string {
  return `${String(version).padStart(4, "0")}_${name}`;
}
