import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/adapters/postgres/database.ts";
import {
  defineMigration,
  loadMigrations,
  MigrationChanged,
  migrate,
} from "../src/adapters/postgres/migrate.ts";
import { databaseKinds, dropSchema, TEST_DATABASE_URL, uniqueSchemaName } from "./support/postgres.ts";

async function tablesOf(pool: import("pg").Pool): Promise<string[]> {
  const result = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
  );
  return result.rows.map((row) => row.table_name);
}

describe("loadMigrations", () => {
  it("reads the migration files in version order with their checksums", async () => {
    const migrations = await loadMigrations();
    expect(migrations.map((m) => `${m.version}_${m.name}`).slice(0, 2)).toEqual([
      "1_projection_positions",
      "2_jobs",
    ]);
    for (const migration of migrations) expect(migration.checksum).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe.each(databaseKinds)("migrate on %s", (_kind, use) => {
  const t = use({ migrate: false });

  it("applies every migration once; a second run is a no-op", async () => {
    const all = await loadMigrations();
    const first = await migrate(t.pool);
    expect(first.applied.map((m) => m.version)).toEqual(all.map((m) => m.version));
    expect(await tablesOf(t.pool)).toEqual(
      expect.arrayContaining(["jobs", "projection_positions", "schema_migrations"]),
    );

    const second = await migrate(t.pool);
    expect(second.applied).toEqual([]);
    const recorded = await t.pool.query(
      "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
    );
    expect(recorded.rows).toEqual(
      all.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })),
    );
  });

  it("refuses to start when an applied migration was edited", async () => {
    const original = [defineMigration(9001, "edited_later", "CREATE TABLE edited_later (id int);")];
    // the schema already holds the real migrations: these come on top
    const withReal = [...(await loadMigrations()), ...original];
    await migrate(t.pool, { migrations: withReal });

    const edited = [
      ...(await loadMigrations()),
      defineMigration(9001, "edited_later", "CREATE TABLE edited_later (id bigint);"),
    ];
    const attempt = migrate(t.pool, { migrations: edited });
    await expect(attempt).rejects.toBeInstanceOf(MigrationChanged);
    await expect(attempt).rejects.toThrow(/migration 9001_edited_later was changed after it was applied/);
  });

  it("applies a new migration added after others were applied, and rolls back a failing one", async () => {
    const base = await loadMigrations();
    const good = defineMigration(9101, "add_table", "CREATE TABLE added_later (id int);");
    const bad = defineMigration(
      9102,
      "broken",
      "CREATE TABLE half_done (id int); SELECT no_such_function();",
    );
    await expect(migrate(t.pool, { migrations: [...base, good, bad] })).rejects.toThrow(
      /migration 9102_broken failed: .*no_such_function/,
    );
    const tables = await tablesOf(t.pool);
    expect(tables).toContain("added_later");
    expect(tables).not.toContain("half_done");
    const recorded = await t.pool.query("SELECT version FROM schema_migrations WHERE version > 9100");
    expect(recorded.rows).toEqual([{ version: 9101 }]);
  });
});

describe("migrate from two processes at once (PostgreSQL)", () => {
  const schema = uniqueSchemaName("migrate_race");
  afterAll(() => dropSchema(schema));

  it("applies each migration exactly once", async () => {
    const [a, b] = await Promise.all([
      openDatabase({ url: TEST_DATABASE_URL, schema }),
      openDatabase({ url: TEST_DATABASE_URL, schema }),
    ]);
    try {
      const all = await loadMigrations();
      const [ra, rb] = await Promise.all([migrate(a.pool), migrate(b.pool)]);
      const appliedVersions = [...ra.applied, ...rb.applied].map((m) => m.version).sort((x, y) => x - y);
      expect(appliedVersions).toEqual(all.map((m) => m.version));
      const recorded = await a.pool.query("SELECT version FROM schema_migrations ORDER BY version");
      expect(recorded.rows.map((row) => row.version)).toEqual(all.map((m) => m.version));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
