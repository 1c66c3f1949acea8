/**
 * `jobledger replay --projection postgres` with a time range, as a user runs it (child
 * processes, dynalite, the machine's PostgreSQL under a unique schema): `--to` without
 * `--dry-run` is refused (exit status 2) and writes nothing; `--to --dry-run --keep` reports what
 * changed since and leaves the copy where it says; `--from` repairs the streams committed to
 * since and leaves the others as they were.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import { type Database, openDatabase } from "@jobledger/core/adapters/postgres/database";
import { migrate } from "@jobledger/core/adapters/postgres/migrate";
import { createPostgresProjector } from "@jobledger/core/adapters/postgres/projector";
import { createJobCommands } from "@jobledger/core/application/job-commands";
import { ManualClock } from "@jobledger/core/ports/clock";
import { jobsProjection } from "@jobledger/core/projections/jobs";
import { runsProjection } from "@jobledger/core/projections/runs";
import { schedulesProjection } from "@jobledger/core/projections/schedules";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropSchema, TEST_DATABASE_URL, uniqueSchemaName } from "../../core/test/support/postgres.ts";
import { type TestDynamo, withDynalite } from "../../core/test/support/standins.ts";

const BIN = path.resolve(import.meta.dirname, "../bin/jobledger.js");
const TENANT = "rrcli";
const run = promisify(execFile);
const clock = new ManualClock(new Date("2026-11-20T08:00:00.000Z"));
let dynamo: TestDynamo;
let live: Database;
let schema: string;
let dir: string;
let env: NodeJS.ProcessEnv;
let asOf: string;
let from: string;
let kept: string;
const ids = { x: "", y: "" };

beforeAll(async () => {
  dynamo = await withDynalite();
  const table = await dynamo.newEventsTable("range-cli");
  const store = new DynamoEventStore({ doc: dynamo.doc, tableName: table, clock });
  const jc = createJobCommands({ eventStore: store, clock });
  const ctx = () => ({ tenant: TENANT, actor: "user:cli", correlationId: randomUUID() });
  for (const name of ["x", "y"] as const) {
    clock.advance(1000);
    const { job } = await jc.create(ctx(), {
      name: `job ${name}`,
      request: { method: "POST", url: "https://example.com/hook", body: "{}", timeoutMs: 5000 },
      schedule: { type: "rate", everySeconds: 60 },
    } as never); // the input type is the API's (zod) input; this literal is a valid one
    ids[name] = job.id;
  }
  asOf = clock.now().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 25));
  from = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 25));
  clock.advance(60_000);
  await jc.pause(ctx(), ids.y, { reason: "later" });

  schema = uniqueSchemaName("rrcli");
  kept = `${schema}_rebuild`;
  live = await openDatabase({ url: TEST_DATABASE_URL, schema });
  await migrate(live.pool);
  const projector = createPostgresProjector({
    pool: live.pool,
    eventStore: store,
    projections: [jobsProjection, runsProjection, schedulesProjection],
  });
  await projector.handle((await store.readTenant(TENANT, { limit: 100 })).events);

  dir = await mkdtemp(path.join(os.tmpdir(), "rebuild-range-cli-"));
  env = {
    ...process.env,
    DATABASE_URL: TEST_DATABASE_URL,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    JOBLEDGER_EVENTS_TABLE: table,
    JOBLEDGER_DATA_DIR: dir,
    JOBLEDGER_DEFAULT_TENANT: TENANT,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    LOG_LEVEL: "warn",
  };
}, 60_000);

afterAll(async () => {
  await live?.close();
  for (const s of [schema, `${schema}_rebuild`, `${schema}_old`]) if (s) await dropSchema(s);
  await dynamo?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  run("node", [BIN, "replay", "--projection", "postgres", "--schema", schema, "--tenant", TENANT, ...args], {
    env,
    timeout: 60_000,
  });

async function schemaExists(name: string): Promise<boolean> {
  const { rowCount } = await live.pool.query(
    "SELECT 1 FROM information_schema.schemata WHERE schema_name = $1",
    [name],
  );
  return rowCount === 1;
}

describe("replay CLI: time ranges", () => {
  it("refuses --to without --dry-run with exit status 2 and writes nothing", async () => {
    const attempt = cli("--to", asOf);
    await expect(attempt).rejects.toMatchObject({
      code: 2,
      stderr: `jobledger: a read model as of ${asOf} cannot be switched live; add --dry-run to see what differs\n`,
    });
    await expect(cli("--to", asOf.replace("Z", ""), "--dry-run")).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/is not an ISO 8601 instant with a time zone/),
    });
    expect(await schemaExists(kept)).toBe(false);
  }, 60_000);

  it("--to --dry-run --keep lists what changed since and leaves the copy where it says", async () => {
    const { stdout } = await cli("--to", asOf, "--dry-run", "--keep");
    expect(stdout).toMatch(new RegExp(`^replay dry-run \\(as of ${asOf}\\): \\d+ events`));
    expect(stdout).toContain(`what changed since ${asOf} (live copy vs the copy as of then):`);
    expect(stdout).toContain(
      `jobs: 1 rows only/different now (live), 1 as of ${asOf} (e.g. ${TENANT}/${ids.y})`,
    );
    expect(stdout).toContain(`the copy is kept in schema "${kept}" (--to ${asOf})`);
    const { rows } = await live.pool.query(`SELECT job_id, status FROM "${kept}".jobs ORDER BY name`);
    expect(rows).toEqual([
      { job_id: ids.x, status: "active" },
      { job_id: ids.y, status: "active" },
    ]);

    // without --keep the same command resumes the kept copy and drops it
    const again = await cli("--to", asOf, "--dry-run");
    expect(again.stdout).toMatch(/\(resumed after \d+\)/);
    expect(await schemaExists(kept)).toBe(false);
  }, 90_000);

  it("--from repairs the streams committed to since, and only those", async () => {
    await live.pool.query("UPDATE jobs SET name = 'damaged'");
    const { stdout } = await cli("--from", from);
    expect(stdout).toMatch(
      new RegExp(
        `^replay switched \\(repairing the streams committed to since ${from}\\): \\d+ events, 1 streams folded again`,
      ),
    );
    expect(stdout).toContain(
      `jobs: 1 rows only/different in the old copy, 1 in the new (e.g. ${TENANT}/${ids.y})`,
    );
    const { rows } = await live.pool.query("SELECT job_id, name, status FROM jobs ORDER BY status");
    expect(rows).toEqual([
      { job_id: ids.x, name: "damaged", status: "active" },
      { job_id: ids.y, name: "job y", status: "paused" },
    ]);
  }, 60_000);
});
