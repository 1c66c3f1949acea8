import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/adapters/postgres/database.ts";
import { FolderLocked } from "../src/adapters/postgres/folder-lock.ts";
import { dropSchema, TEST_DATABASE_URL, uniqueSchemaName } from "./support/postgres.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "jobledger-pg-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("openDatabase on PostgreSQL", () => {
  it("creates the schema and works in it", async () => {
    const schema = uniqueSchemaName("dbtest");
    const db = await openDatabase({ url: TEST_DATABASE_URL, schema });
    try {
      expect(db.kind).toBe("postgres");
      const [a, b] = await Promise.all([db.pool.connect(), db.pool.connect()]);
      try {
        // every pooled connection has the search path, not only the first
        expect((await a.query("SELECT current_schema() AS s")).rows[0].s).toBe(schema);
        expect((await b.query("SELECT current_schema() AS s")).rows[0].s).toBe(schema);
      } finally {
        a.release();
        b.release();
      }
      await db.pool.query("CREATE TABLE marker (id int)");
      const found = await db.pool.query(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'marker' AND table_schema = $1",
        [schema],
      );
      expect(found.rowCount).toBe(1);
    } finally {
      await db.close();
      await db.close(); // closing twice is harmless
      await dropSchema(schema);
    }
  });

  it("refuses a schema name that would need quoting", async () => {
    await expect(openDatabase({ url: TEST_DATABASE_URL, schema: "x; DROP TABLE y" })).rejects.toThrow(
      /invalid schema name "x; DROP TABLE y"/,
    );
  });
});

describe("openDatabase on PGlite", () => {
  it("runs in memory without a path", async () => {
    const db = await openDatabase();
    try {
      expect(db.kind).toBe("pglite");
      expect((await db.pool.query("SELECT 1 + 1 AS two")).rows[0].two).toBe(2);
    } finally {
      await db.close();
    }
  });

  it("works in the schema asked for", async () => {
    const db = await openDatabase({ schema: "app" });
    try {
      expect((await db.pool.query("SELECT current_schema() AS s")).rows[0].s).toBe("app");
    } finally {
      await db.close();
    }
  });

  it("keeps data in its folder across close and reopen", async () => {
    const folder = path.join(tmp, "persist");
    const first = await openDatabase({ pglitePath: folder });
    await first.pool.query("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('still here')");
    await first.close();
    expect(fs.existsSync(`${folder}.lock`)).toBe(false);

    const second = await openDatabase({ pglitePath: folder });
    try {
      expect((await second.pool.query("SELECT value FROM kept")).rows).toEqual([{ value: "still here" }]);
    } finally {
      await second.close();
    }
  });

  it("refuses a folder this process already holds, naming the folder and the pid", async () => {
    const folder = path.join(tmp, "held");
    const db = await openDatabase({ pglitePath: folder });
    try {
      const attempt = openDatabase({ pglitePath: folder });
      await expect(attempt).rejects.toBeInstanceOf(FolderLocked);
      await expect(attempt).rejects.toThrow(`the data folder ${folder} is in use by process ${process.pid}`);
      // the failed attempt did not remove the holder's lock
      expect(JSON.parse(fs.readFileSync(`${folder}.lock`, "utf8")).pid).toBe(process.pid);
    } finally {
      await db.close();
    }
    const again = await openDatabase({ pglitePath: folder });
    await again.close();
  });

  it("refuses a folder another process holds", async () => {
    const folder = path.join(tmp, "shared");
    const db = await openDatabase({ pglitePath: folder });
    try {
      const moduleUrl = pathToFileURL(
        path.resolve(import.meta.dirname, "../src/adapters/postgres/database.ts"),
      ).href;
      const script = `
        import { openDatabase } from ${JSON.stringify(moduleUrl)};
        try { await openDatabase({ pglitePath: ${JSON.stringify(folder)} }); console.log("opened"); }
        catch (error) { console.log(error.message); }`;
      const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: path.resolve(import.meta.dirname, ".."),
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(child.stderr).toBe("");
      expect(child.stdout).toContain(`the data folder ${folder} is in use by process ${process.pid}`);
      expect(child.stdout).toContain(`${folder}.lock`);
    } finally {
      await db.close();
    }
  });

  it("takes over a lock left by a process that died", async () => {
    const folder = path.join(tmp, "stale");
    const dead = spawnSync(process.execPath, ["-e", ""]);
    expect(dead.pid).toBeGreaterThan(0);
    const stale = { pid: dead.pid, host: os.hostname(), token: "old", since: "2020-01-01T00:00:00.000Z" };
    fs.writeFileSync(`${folder}.lock`, JSON.stringify(stale));

    const db = await openDatabase({ pglitePath: folder });
    try {
      expect(JSON.parse(fs.readFileSync(`${folder}.lock`, "utf8")).pid).toBe(process.pid);
      expect((await db.pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
    expect(fs.existsSync(`${folder}.lock`)).toBe(false);
  });

  it("takes over an empty lock file (its writer died while writing it)", async () => {
    const folder = path.join(tmp, "torn");
    fs.writeFileSync(`${folder}.lock`, "");
    const db = await openDatabase({ pglitePath: folder });
    await db.close();
    expect(fs.existsSync(`${folder}.lock`)).toBe(false);
  });
});
