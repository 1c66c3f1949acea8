/**
 * Databases for tests: `withPostgres()` gives the test file its own schema in the
 * machine's PostgreSQL (dropped afterwards), `withPglite()` an in-memory PGlite. Both are
 * migrated unless asked not to. Call them inside a `describe` (or at file level): they
 * register `beforeAll`/`afterAll` hooks and return an object whose fields are set once
 * `beforeAll` ran. Also builders of job events for read-model tests.
 */
import { randomUUID } from "node:crypto";
import {
  type DecodedEvent,
  type EventDataMap,
  type EventType,
  type NewEvent,
  streamIdOf,
} from "@jobledger/events";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { type Database, openDatabase } from "../../src/adapters/postgres/database.ts";
import { migrate } from "../../src/adapters/postgres/migrate.ts";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  readonly db: Database;
  readonly pool: pg.Pool;
  readonly kind: Database["kind"];
  /** the schema (real PostgreSQL only) */
  readonly schema: string | undefined;
}

export interface TestDatabaseOptions {
  /** apply the migrations (default true) */
  migrate?: boolean;
}

/** A unique, valid schema name. */
export function uniqueSchemaName(prefix = "t"): string {
  return `${prefix}_${randomUUID().replaceAll("-", "")}`;
}

/** Drops a schema made with `uniqueSchemaName` and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const admin = await openDatabase({ url: TEST_DATABASE_URL });
  try {
    await admin.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.close();
  }
}

export function withPostgres(options: TestDatabaseOptions = {}): TestDatabase {
  const schema = uniqueSchemaName("test");
  return withDatabase(
    async () => openDatabase({ url: TEST_DATABASE_URL, schema }),
    options,
    schema,
    () => dropSchema(schema),
  );
}

export function withPglite(options: TestDatabaseOptions = {}): TestDatabase {
  return withDatabase(
    async () => openDatabase({}),
    options,
    undefined,
    async () => {},
  );
}

/** The two kinds, for `describe.each(databaseKinds)("... on %s", (_, use) => { const t = use(); ... })`. */
export const databaseKinds: Array<[string, (options?: TestDatabaseOptions) => TestDatabase]> = [
  ["postgres", withPostgres],
  ["pglite", withPglite],
];

function withDatabase(
  open: () => Promise<Database>,
  options: TestDatabaseOptions,
  schema: string | undefined,
  cleanUp: () => Promise<void>,
): TestDatabase {
  let db: Database | undefined;
  beforeAll(async () => {
    db = await open();
    if (options.migrate ?? true) await migrate(db.pool);
  });
  afterAll(async () => {
    await db?.close();
    await cleanUp();
  });
  const opened = (): Database => {
    if (!db) throw new Error("the test database is opened in beforeAll: use it inside tests or hooks");
    return db;
  };
  return {
    get db() {
      return opened();
    },
    get pool() {
      return opened().pool;
    },
    get kind() {
      return opened().kind;
    },
    schema,
  };
}

// --- events for read-model tests -------------------------------------------------------
// Plain objects following @jobledger/events' types, so read-model tests do not need the
// codec; the projector tests append them to the real event store. Job definitions come
// from `./events.ts`.

export function jobStreamId(tenant: string, jobId: string): string {
  return streamIdOf(tenant, "job", jobId);
}

export function newEvent<T extends EventType>(
  tenant: string,
  type: T,
  data: EventDataMap[T],
  options: { at?: Date; actor?: string } = {},
): NewEvent<T> {
  return {
    eventId: randomUUID(),
    type,
    data,
    occurredAt: options.at ?? new Date("2026-01-01T00:00:00.000Z"),
    correlationId: randomUUID(),
    causationId: null,
    actor: options.actor ?? "user:test",
    tenant,
  };
}

/** The events of one stream as a decoder would give them, versions from `firstVersion` on. */
export function asDecoded(streamId: string, events: readonly NewEvent[], firstVersion = 1): DecodedEvent[] {
  return events.map((event, index) => ({
    ...event,
    streamId,
    version: firstVersion + index,
    prevHash: "",
    hash: "",
    schemaVersion: 1,
    schemaFingerprint: "0000000000000000",
    payloadDigest: "",
  }));
}
