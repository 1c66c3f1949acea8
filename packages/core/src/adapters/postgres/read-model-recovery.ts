/**
 * Read models are disposable: the event store is the truth. When the embedded Postgres
 * (PGlite) cannot be reopened — a `kill -9` can leave its folder in a state it does not start
 * from ("PGlite failed to initialize properly", a WASM abort) — the local system says so,
 * moves the folder aside (kept for inspection, never deleted), opens a fresh one and rebuilds
 * the relational read models from the event store before any consumer runs. A folder that
 * does not exist yet (first start, or deleted on purpose) is filled the same way, so deleting
 * `.data/pglite` with the system stopped is how a local read model is rebuilt by hand.
 *
 * Only PGlite is moved aside: a PostgreSQL server (`url`) that cannot be reached is an error to
 * report, not a folder to replace. A server database that is new (this start created its
 * tables) is filled like a new folder when the caller asks (`fillFreshServer`, locally).
 */
import { existsSync } from "node:fs";
import { rename } from "node:fs/promises";
import type { DecodedEvent } from "@jobledger/events";
import type pg from "pg";
import type { Logger } from "../../logging.ts";
import type { EventStore } from "../../ports/event-store.ts";
import { type Database, type OpenDatabaseOptions, openDatabase } from "./database.ts";
import { FolderLocked } from "./folder-lock.ts";
import { migrate } from "./migrate.ts";
import { createPageProjector } from "./page-projector.ts";
import type { Projection } from "./projector.ts";

export interface ReadModelRecreated {
  /** why the old folder could not be used */
  reason: string;
  /** where the old folder was moved */
  movedTo: string;
}

export interface OpenedReadModel {
  database: Database;
  /** set when the embedded database could not be reopened and a fresh one was made */
  recreated: ReadModelRecreated | null;
  /**
   * the embedded database's folder did not exist (first start, or deleted to rebuild): like a
   * recreated one it is empty and is filled from the event store (`rebuildReadModels`)
   */
  created: boolean;
}

/**
 * Opens and migrates the read model's database. An embedded PGlite folder that exists but
 * cannot be opened (or migrated) is moved to `<folder>.broken-<time>` and replaced by a fresh,
 * empty one; the caller then rebuilds it (`rebuildReadModels`). A folder held by another
 * process ({@link FolderLocked}) is not touched.
 */
export async function openReadModel(
  options: OpenDatabaseOptions & {
    logger: Logger;
    now?: () => Date;
    /**
     * a PostgreSQL server (`url`) whose schema this start creates is filled from the event store
     * too (`created`); the local runtime sets it, Lambdas leave a new database to `replay`
     */
    fillFreshServer?: boolean;
  },
): Promise<OpenedReadModel> {
  const folder = options.url ? undefined : options.pglitePath;
  if (folder === undefined || !existsSync(folder)) {
    const { database, fresh } = await openMigrated(options);
    // a server database whose schema this call created is as empty as a new folder
    const created = folder !== undefined || (fresh && options.fillFreshServer === true);
    return { database, recreated: null, created };
  }
  try {
    return { database: (await openMigrated(options)).database, recreated: null, created: false };
  } catch (error) {
    if (error instanceof FolderLocked) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const stamp = (options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, "-");
    const movedTo = `${folder}.broken-${stamp}`;
    options.logger.error(
      { err: error, folder, movedTo },
      `the embedded Postgres in ${folder} cannot be reopened (${reason}); the read models are disposable: ` +
        `moving the folder to ${movedTo} and rebuilding them from the event store`,
    );
    await rename(folder, movedTo);
    return {
      database: (await openMigrated(options)).database,
      recreated: { reason, movedTo },
      created: false,
    };
  }
}

/** Opens and migrates; `fresh` when this call created the schema (it applied the first migration). */
async function openMigrated(options: OpenDatabaseOptions): Promise<{ database: Database; fresh: boolean }> {
  const database = await openDatabase(options);
  try {
    const { applied } = await migrate(database.pool);
    return { database, fresh: applied.some((m) => m.version === 1) };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export interface RebuildReadModelsOptions {
  pool: pg.Pool;
  eventStore: Pick<EventStore, "readTenant" | "readStreamAll">;
  tenants: readonly string[];
  projections: readonly Projection[];
  /** commits per page (default 200) */
  pageSize?: number;
  logger?: Logger;
}

/**
 * Folds every tenant's events (in commit order, as `readTenant` gives them: only commits the
 * base table holds) into the given database with the rebuild's page projector. Meant for an
 * empty database nobody else writes yet; positions make a repeated page harmless.
 */
export async function rebuildReadModels(options: RebuildReadModelsOptions): Promise<{ events: number }> {
  const projector = createPageProjector({
    pool: options.pool,
    eventStore: options.eventStore,
    projections: options.projections,
  });
  let events = 0;
  for (const tenant of options.tenants) {
    let cursor: string | null = null;
    do {
      const page: { events: DecodedEvent[]; cursor: string | null } = await options.eventStore.readTenant(
        tenant,
        { cursor, limit: options.pageSize ?? 200 },
      );
      await projector.handle(page.events);
      events += page.events.length;
      cursor = page.cursor;
    } while (cursor !== null);
  }
  options.logger?.info(
    { tenants: options.tenants.length, events },
    "read models rebuilt from the event store",
  );
  return { events };
}
