/**
 * page-rows on the machine's PostgreSQL: one-key and many-key reads (integer keys compared as
 * integers), upserts, and the named (prepared) statements surviving a rebuild's schema switch —
 * a pool that prepared them before `ALTER SCHEMA … RENAME` writes to the new live tables after it.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectRows, type TableSpec, upsertRows } from "../src/adapters/postgres/page-rows.ts";
import { TEST_DATABASE_URL, uniqueSchemaName } from "./support/postgres.ts";

interface Row {
  tenant: string;
  run_id: string;
  attempt: number;
  note: string | null;
}

const SPEC: TableSpec<Row> = {
  table: "items",
  key: ["tenant", "run_id", "attempt"],
  columns: { tenant: "text", run_id: "text", attempt: "integer", note: "text" },
};

const live = uniqueSchemaName("pr_live");
const shadow = `${live}_shadow`;
const old = `${live}_old`;
let admin: pg.Client;
let pool: pg.Pool;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  for (const schema of [live, shadow]) {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(
      `CREATE TABLE ${schema}.items (tenant text, run_id text, attempt integer, note text, PRIMARY KEY (tenant, run_id, attempt))`,
    );
  }
  pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1, options: `-c search_path=${live}` });
});
afterAll(async () => {
  await pool?.end();
  for (const schema of [live, shadow, old]) await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.end();
});

describe("page rows", () => {
  it("reads one key or many (a key prefix), integer key columns included, and upserts", async () => {
    const client = await pool.connect();
    try {
      await upsertRows(client, SPEC, [
        { tenant: "a", run_id: "r1", attempt: 1, note: "one" },
        { tenant: "a", run_id: "r1", attempt: 2, note: "two" },
        { tenant: "a", run_id: "r2", attempt: 1, note: null },
      ]);
      await upsertRows(client, SPEC, [{ tenant: "a", run_id: "r1", attempt: 2, note: "two again" }]);
      expect(await selectRows(client, SPEC, [["a", "r1", "2"]], { forUpdate: true })).toEqual([
        { tenant: "a", run_id: "r1", attempt: 2, note: "two again" },
      ]);
      const prefix = await selectRows(client, SPEC, [["a", "r1"]]);
      expect(prefix.map((r) => r.attempt).sort()).toEqual([1, 2]);
      const many = await selectRows(client, SPEC, [
        ["a", "r1", "1"],
        ["a", "r2", "1"],
        ["a", "r9", "1"],
      ]);
      expect(many.map((r) => `${r.run_id}:${r.note}`).sort()).toEqual(["r1:one", "r2:null"]);
    } finally {
      client.release();
    }
  });

  it("after the schema switch, the same connection's prepared statements read and write the new live tables", async () => {
    const client = await pool.connect();
    try {
      await upsertRows(client, SPEC, [{ tenant: "b", run_id: "r1", attempt: 1, note: "before" }]);
      expect(await selectRows(client, SPEC, [["b", "r1", "1"]])).toHaveLength(1);
      await admin.query(
        `BEGIN; ALTER SCHEMA ${live} RENAME TO ${old}; ALTER SCHEMA ${shadow} RENAME TO ${live}; COMMIT`,
      );
      expect(await selectRows(client, SPEC, [["b", "r1", "1"]])).toHaveLength(0);
      await upsertRows(client, SPEC, [{ tenant: "b", run_id: "r1", attempt: 1, note: "after" }]);
    } finally {
      client.release();
    }
    expect((await admin.query(`SELECT note FROM ${live}.items WHERE tenant = 'b'`)).rows).toEqual([
      { note: "after" },
    ]);
    expect((await admin.query(`SELECT note FROM ${old}.items WHERE tenant = 'b'`)).rows).toEqual([
      { note: "before" },
    ]);
  });
});
