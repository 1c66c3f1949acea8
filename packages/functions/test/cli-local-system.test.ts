/**
 * The CLI beside the local system and after it (issue 16, item 18), as a user runs it (child
 * processes on the system's data folder): commands that write say what to stop first, `export`
 * reads through the running system's API; with the system stopped `replay --projection
 * postgres` works on the embedded PGlite, also on a fresh (deleted) one; `export | head` ends
 * quietly; `--version` answers.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import { createLogger } from "@jobledger/core/logging";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEvents } from "../../core/test/lake-support.ts";
import { TEST_DATABASE_URL } from "../../core/test/support/postgres.ts";
import { type TestDynamo, withDynalite } from "../../core/test/support/standins.ts";
import { type LocalSystem, startLocalSystem } from "../src/local/system.ts";
import { eventually } from "./support/local-system.ts";

const BIN = path.resolve(import.meta.dirname, "../bin/jobledger.js");
const run = promisify(execFile);
let dir: string;
let system: LocalSystem | null = null;
let env: NodeJS.ProcessEnv;
let jobId: string;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}
const cli = (...args: string[]): Promise<Outcome> =>
  run("node", [BIN, ...args], { env, timeout: 90_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cli-local-"));
  env = { ...process.env, JOBLEDGER_DATA_DIR: dir, LOG_LEVEL: "warn" };
  for (const name of ["DATABASE_URL", "DYNAMODB_ENDPOINT", "JOBLEDGER_API_URL", "JOBLEDGER_TOKEN", "PORT"]) {
    delete env[name];
  }
  system = await startLocalSystem({
    logger: createLogger(undefined, "warn"),
    env: { PORT: "0", JOBLEDGER_DATA_DIR: dir, JOBLEDGER_SHARDS: "1" },
  });
  const started = system;
  const auth = { authorization: `Bearer ${started.devToken}`, "content-type": "application/json" };
  const created = await fetch(`${started.url}/v1/jobs`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      name: "cli",
      request: { method: "GET", url: "https://example.com/cli" },
      schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
    }),
  });
  jobId = ((await created.json()) as { id: string }).id;
  await eventually(async () =>
    (await fetch(`${started.url}/v1/jobs/${jobId}`, { headers: auth })).status === 200 ? true : undefined,
  );
}, 60_000);

afterAll(async () => {
  await system?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("beside the running local system", () => {
  it("commands that write say what to stop first", async () => {
    for (const args of [["verify"], ["replay", "--projection", "postgres"]]) {
      const outcome = await cli(...args);
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(/^jobledger: the local system is running on .* stop it first \(Ctrl-C/);
      expect(outcome.stderr).not.toMatch(/DATABASE_URL \(a PostgreSQL server\)/);
    }
  }, 120_000);

  it("export reads through the system's API", async () => {
    const outcome = await cli("export");
    expect(outcome.code).toBe(0);
    const lines = outcome.stdout.split("\n").filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(["JobCreated"]);
    expect(outcome.stderr).toMatch(/exported 1 events \(through the running system's API\)/);
  }, 60_000);
});

describe("with the local system stopped", () => {
  it("replays the embedded Postgres, and fills a fresh one instead of failing on a missing table", async () => {
    await system?.stop();
    system = null;
    const dry = await cli("replay", "--projection", "postgres", "--dry-run");
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^replay dry-run: \d+ events/);
    expect(dry.stdout).toMatch(/jobs: same/);

    await rm(path.join(dir, "pglite"), { recursive: true, force: true });
    const fresh = await cli("replay", "--projection", "postgres");
    expect(fresh.stderr).not.toMatch(/does not exist/);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^replay switched: \d+ events/);
    expect(fresh.stdout).toMatch(/jobs: 0 rows only\/different in the old copy, 1 in the new/);
    const verify = await cli("verify");
    expect(verify.stdout).toMatch(/tenant default: \d+ streams, \d+ events, 0 differences/);
    expect(verify.code).toBe(0);
  }, 240_000);

  it("prints its version", async () => {
    const outcome = await cli("--version");
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  }, 30_000);
});

describe("starting on a new PostgreSQL database", () => {
  it("fills it from the event store and says so, instead of showing no jobs", async () => {
    await system?.stop();
    system = null;
    const name = `jl_fresh_${Date.now()}`;
    const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    let started: LocalSystem | null = null;
    try {
      started = await startLocalSystem({
        logger: createLogger(undefined, "warn"),
        env: { PORT: "0", JOBLEDGER_DATA_DIR: dir, JOBLEDGER_SHARDS: "1", DATABASE_URL: url.toString() },
      });
      expect(started.services.readModelFilled?.events).toBeGreaterThanOrEqual(1);
      const list = await fetch(`${started.url}/v1/jobs`, {
        headers: { authorization: `Bearer ${started.devToken}` },
      });
      expect(((await list.json()) as { items: { id: string }[] }).items.map((j) => j.id)).toEqual([jobId]);
    } finally {
      await started?.stop();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }, 120_000);
});

describe("export | head", () => {
  let dynamo: TestDynamo;
  afterAll(async () => {
    await dynamo?.close();
  });

  it("ends quietly when the reader goes away", async () => {
    dynamo = await withDynalite();
    const table = await dynamo.newEventsTable("export-pipe");
    const store = new DynamoEventStore({ doc: dynamo.doc, tableName: table });
    const at = new Date("2026-11-20T08:00:00Z");
    // far more than a pipe buffers, so the export is still writing when head has gone
    for (let i = 0; i < 150; i++) {
      await store.append(
        `pipe/run/r${i}`,
        0,
        runEvents({ tenant: "pipe", jobId: "job", at, outcomes: [500, 500, 200] }),
      );
    }
    const { stdout, stderr } = await run(
      "bash",
      ["-c", `set -o pipefail; node ${JSON.stringify(BIN)} export --tenant pipe | head -n 1`],
      {
        env: { ...env, DYNAMODB_ENDPOINT: dynamo.endpoint, JOBLEDGER_EVENTS_TABLE: table },
        timeout: 90_000,
      },
    );
    expect(stdout.split("\n").filter(Boolean)).toHaveLength(1);
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
  }, 120_000);
});
