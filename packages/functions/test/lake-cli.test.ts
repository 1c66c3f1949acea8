/**
 * `jobledger lake:backfill` and `jobledger sql` as a user runs them (child processes): the
 * backfill writes the lake from an existing event store, twice without duplicating, and `sql`
 * prints what it wrote as a table, also in interactive mode.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import { createLakeWriter } from "@jobledger/core/adapters/lake/lake-writer";
import { createLocalObjectStore } from "@jobledger/core/adapters/lake/local-object-store";
import type { DecodedEvent } from "@jobledger/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEvents } from "../../core/test/lake-support.ts";
import { type TestDynamo, withDynalite } from "../../core/test/support/standins.ts";

const BIN = path.resolve(import.meta.dirname, "../bin/jobledger.js");
const run = promisify(execFile);
let dynamo: TestDynamo;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dynamo = await withDynalite();
  const table = await dynamo.newEventsTable("lake-cli");
  const store = new DynamoEventStore({ doc: dynamo.doc, tableName: table });
  const at = new Date("2026-11-20T08:00:00Z");
  await store.append("acme/run/a1", 0, runEvents({ tenant: "acme", jobId: "job-1", at, outcomes: [200] }));
  await store.append(
    "acme/run/a2",
    0,
    runEvents({ tenant: "acme", jobId: "job-1", at, outcomes: [500, 500] }),
  );
  await store.append("beta/run/b1", 0, runEvents({ tenant: "beta", jobId: "job-2", at, outcomes: [200] }));
  dir = await mkdtemp(path.join(os.tmpdir(), "lake-cli-"));
  env = {
    ...process.env,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    JOBLEDGER_EVENTS_TABLE: table,
    JOBLEDGER_DATA_DIR: dir,
    JOBLEDGER_LAKE_DIR: path.join(dir, "lake"),
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    LOG_LEVEL: "warn",
  };
}, 30_000);

afterAll(async () => {
  await dynamo?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => run("node", [BIN, ...args], { env, timeout: 60_000 });

describe("lake:backfill on a lake the live projector wrote", () => {
  it("writes only what the lake lacks: each event and each finished run once", async () => {
    const lakeDir = path.join(dir, "live-lake");
    const lakeEnv = { ...env, JOBLEDGER_LAKE_DIR: lakeDir };
    const store = new DynamoEventStore({ doc: dynamo.doc, tableName: env.JOBLEDGER_EVENTS_TABLE as string });
    const all: DecodedEvent[] = [];
    for (let cursor: string | null = null; ; ) {
      const page = await store.readTenant("acme", { cursor, limit: 500 });
      all.push(...page.events);
      cursor = page.cursor;
      if (!cursor) break;
    }
    // the live projector wrote all of a1 and the start of a2, in batches of its own composition
    const projector = createLakeWriter({ store: createLocalObjectStore(lakeDir), eventStore: store });
    const a1 = all.filter((e) => e.streamId === "acme/run/a1");
    const a2 = all.filter((e) => e.streamId === "acme/run/a2");
    await projector.write(a1.slice(0, 2));
    await projector.write([...a1.slice(2), ...a2.slice(0, 3)]);

    const backfill = await run("node", [BIN, "lake:backfill", "--tenant", "acme", "--no-progress"], {
      env: lakeEnv,
      timeout: 60_000,
    });
    const sql = (query: string) => run("node", [BIN, "sql", query], { env: lakeEnv, timeout: 60_000 });
    const events = await sql("SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events");
    expect(events.stdout.split("\n").slice(0, 3)).toEqual(["n  | ids", "---+----", "12 | 12"]);
    const runs = await sql("SELECT run_id, count(*) AS n FROM runs GROUP BY run_id ORDER BY run_id");
    expect(runs.stdout).toMatch(/a1 +\| 1\n/);
    expect(runs.stdout).toMatch(/a2 +\| 1\n/);
    expect(backfill.stdout).toMatch(new RegExp(`acme: 12 events read, ${a1.length + 3} already in the lake`));
  }, 90_000);
});

describe("lake CLI", () => {
  it("backfills the lake from the event store, repeatably, and sql prints it", async () => {
    const first = await cli("lake:backfill", "--tenant", "acme", "beta", "--no-progress");
    expect(first.stdout).toMatch(/acme: 12 events read, 0 already in the lake, 14 rows in 2 objects/);
    expect(first.stdout).toMatch(/beta: 4 events read, 0 already in the lake, 5 rows in 2 objects/);
    const again = await cli("lake:backfill", "--tenant", "acme", "beta", "--no-progress");
    expect(again.stdout).toMatch(/acme: 12 events read, 12 already in the lake, 0 rows in 0 objects/);

    const { stdout } = await cli("sql", "SELECT tenant, run_id, status, attempts FROM runs ORDER BY run_id");
    expect(stdout.split("\n")).toEqual([
      "tenant | run_id | status        | attempts",
      "-------+--------+---------------+---------",
      "acme   | a1     | succeeded     | 1",
      "acme   | a2     | dead_lettered | 2",
      "beta   | b1     | succeeded     | 1",
      "(3 rows)",
      "",
    ]);
  }, 90_000);

  it("refuses a bad query or option with one line and status 2", async () => {
    const bad = await cli("sql", "SELECT nope FROM runs").catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toMatch(/^jobledger: .*nope/);
    const until = await cli("lake:backfill", "--until", "soon").catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(until).toMatchObject({ code: 2 });
  }, 60_000);

  it("answers statements in interactive mode", async () => {
    const child = spawn("node", [BIN, "sql"], { env });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stdin.write("SELECT count(*) AS n\nFROM events;\n");
    child.stdin.write("SELECT 1 AS one;\n.exit\n");
    child.stdin.end();
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(out).toContain("n\n--\n16\n(1 row)");
    expect(out).toContain("one\n---\n1\n(1 row)");
  }, 60_000);
});
