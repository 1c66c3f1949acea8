/**
 * verify (hash chains + read model against a fresh fold) and the export CLI, against the
 * local system: a clean system has no differences; an edited and a deleted event are found.
 */
import { Writable } from "node:stream";
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { postgresReadModelRows } from "@jobledger/core/adapters/postgres/rebuild-read-model-rows";
import { verifyTenant } from "@jobledger/core/application/audit/verify";
import { decodeEvent, type EventEnvelope, encodeEvent } from "@jobledger/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runExport } from "../src/cli/commands/export.ts";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const definition = (name: string) => ({
  name,
  request: { method: "POST", url: "https://example.com/hooks/verify", body: "{}", timeoutMs: 5000 },
  schedule: { type: "cron", expression: "0 2 1 1 *", timezone: "UTC" },
  tags: ["verify"],
});

/** A job with three single-event commits (created, renamed, paused), projected. */
async function jobWithThreeCommits(name: string): Promise<string> {
  const { id } = (await (await sys.json("POST", "/v1/jobs", definition(name))).json()) as { id: string };
  expect((await sys.json("PATCH", `/v1/jobs/${id}`, { name: `${name} v2` })).status).toBe(200);
  expect((await sys.json("POST", `/v1/jobs/${id}/pause`, {})).status).toBe(200);
  await eventually(async () => {
    const res = await sys.http(`/v1/jobs/${id}`);
    return res.status === 200 && ((await res.json()) as { version: number }).version === 3 ? true : undefined;
  });
  return id;
}

const verify = () =>
  verifyTenant(sys.services.eventStore, postgresReadModelRows(sys.services.database.pool), "default");

function collector() {
  let text = "";
  const out = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return {
    out,
    lines: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("export CLI", () => {
  it("writes a job's events as JSON Lines, reading the event store at the configured endpoint", async () => {
    const id = await jobWithThreeCommits("exported");
    const { out, lines } = collector();
    const env = {
      DYNAMODB_ENDPOINT: sys.config.dynamodb.endpoint,
      JOBLEDGER_EVENTS_TABLE: sys.config.dynamodb.eventsTable,
    };
    const result = await runExport({ job: id, type: ["JobCreated,JobPaused"] }, out, env);
    expect(result).toEqual({ lines: 2, closed: false, throughApi: false });
    expect(lines().map((l) => [l.stream, l.version, l.type])).toEqual([
      [`default/job/${id}`, 1, "JobCreated"],
      [`default/job/${id}`, 3, "JobPaused"],
    ]);
  });

  it("reads through the running local system's API when it holds the data folder", async () => {
    const id = await jobWithThreeCommits("through the api");
    const { out, lines } = collector();
    const result = await runExport({ job: id }, out, { JOBLEDGER_DATA_DIR: sys.config.dataDir });
    expect(result).toEqual({ lines: 3, closed: false, throughApi: true });
    expect(lines().map((l) => l.type)).toEqual(["JobCreated", "JobUpdated", "JobPaused"]);
  });

  it("rejects a malformed --from", async () => {
    await expect(runExport({ from: "yesterday" }, collector().out, {})).rejects.toThrow(/--from/);
  });
});

describe("verify", () => {
  it("finds no difference on a clean system", async () => {
    await jobWithThreeCommits("clean");
    const report = await verify();
    expect(report.events).toBeGreaterThanOrEqual(3);
    expect(report.differences).toEqual([]);
  });

  it("detects an edited event and a deleted event", async () => {
    const edited = await jobWithThreeCommits("to edit");
    const deleted = await jobWithThreeCommits("to delete");
    const { doc } = sys.services.dynamo;
    const TableName = sys.config.dynamodb.eventsTable;

    // edit the rename's payload in place, keeping its stored hash
    const key = { pk: `default/job/${edited}`, sk: 2 };
    const item = (await doc.send(new GetCommand({ TableName, Key: key }))).Item as { events: Uint8Array[] };
    const original = decodeEvent(item.events[0] as Uint8Array) as unknown as EventEnvelope & {
      data: { changes: { name: string } };
    };
    const forged = {
      ...original,
      data: { ...original.data, changes: { ...original.data.changes, name: "forged" } },
    };
    await doc.send(
      new PutCommand({ TableName, Item: { ...item, events: [encodeEvent(forged as EventEnvelope)] } }),
    );
    // drop the other job's rename
    await doc.send(new DeleteCommand({ TableName, Key: { pk: `default/job/${deleted}`, sk: 2 } }));

    const report = await verify();
    const chain = report.differences.filter((d) => d.kind === "chain");
    expect(chain).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          stream: `default/job/${edited}`,
          what: expect.stringMatching(/version 2: hash .*edited/),
        }),
        expect.objectContaining({
          stream: `default/job/${deleted}`,
          what: expect.stringMatching(/version 3: .*missing/),
        }),
      ]),
    );
    expect(chain).toHaveLength(2);
    // the fold now disagrees with what was projected from the real events
    expect(report.differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "job", stream: `default/job/${edited}`, what: "definition" }),
        expect.objectContaining({ kind: "job", stream: `default/job/${deleted}`, what: "definition" }),
      ]),
    );
  });
});
