/**
 * `jobledger export` on a data folder a crash left with a torn commit (an index entry without
 * its base item): the export holds only the commits the base table holds, and the event store's
 * warning about the torn entry goes to stderr, never into the NDJSON on stdout.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import { ensureEventStoreTable } from "@jobledger/core/adapters/dynamodb/event-store-table";
import { createDynamoClients, startDynalite } from "@jobledger/core/adapters/local/standins";
import { loadConfig } from "@jobledger/core/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobCreated, jobPaused } from "../../core/test/support/events.ts";
import { nextCommit, tearCommit } from "../../core/test/support/torn-commit.ts";

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "jobledger-export-torn-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("jobledger export after a torn write", () => {
  it("prints only the base table's commits on stdout and reports the torn entry on stderr", async () => {
    const env = { ...process.env, JOBLEDGER_DATA_DIR: dir, JOBLEDGER_STAGE: "local", DYNAMODB_ENDPOINT: "" };
    const tableName = loadConfig(env).dynamodb.eventsTable;
    const folder = path.join(dir, "dynamodb");
    const dynalite = await startDynalite({ path: folder });
    const clients = createDynamoClients({ endpoint: dynalite.endpoint, region: "us-east-1" });
    let ghost: Awaited<ReturnType<typeof nextCommit>>;
    try {
      await ensureEventStoreTable(clients.client, tableName);
      const store = new DynamoEventStore({ doc: clients.doc, tableName, changeFeed: "relay" });
      await store.append("default/job/a", 0, [jobCreated("default")]);
      await store.append("default/job/a", 1, [jobPaused("default")]);
      ghost = await nextCommit(clients.doc, tableName, "default/job/ghost", [jobCreated("default")]);
    } finally {
      clients.destroy();
      await dynalite.close();
    }
    await tearCommit(folder, tableName, ghost);

    const { stdout, stderr } = await run(
      process.execPath,
      ["packages/functions/bin/jobledger.js", "export", "--tenant", "default"],
      { cwd: ROOT, env },
    );
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { stream: string; version: number; type: string });
    expect(lines.map((l) => [l.stream, l.version, l.type])).toEqual([
      ["default/job/a", 1, "JobCreated"],
      ["default/job/a", 2, "JobPaused"],
    ]);
    expect(stderr).toContain("a write torn by a crash");
  }, 120_000);
});
