/**
 * A poison record on the running local system: a commit whose event this code cannot decode
 * (as a newer writer's event type would be) is parked by every consumer, the rest of the
 * system goes on, the operator sees it in the API and retries it after the fix.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobCreated } from "../../core/test/support/events.ts";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";
import { publishUndecodableCommit } from "./support/poison.ts";

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, "../bin/jobledger.js");
let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

interface Parked {
  consumer: string;
  streamId: string;
  fromVersion: number;
  toVersion: number;
  error: { name: string; message: string };
}

const listJobIds = async () =>
  ((await (await sys.http("/v1/jobs?limit=100")).json()) as { items: { id: string }[] }).items.map(
    (j) => j.id,
  );

describe("a record no consumer can decode", () => {
  it("is parked by each consumer while every other stream goes on, and retried after the fix", async () => {
    const { streamId, jobId: poisonedId } = await publishUndecodableCommit(sys);

    // a job created after the poison is projected: nothing waits behind the parked stream
    const created = await sys.json("POST", "/v1/jobs", {
      name: "after the poison",
      request: { method: "GET", url: "https://example.com/ok" },
      schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => ((await listJobIds()).includes(id) ? true : undefined), 20_000);

    const parked = await eventually(async () => {
      const { items } = (await (await sys.http("/v1/system/parked")).json()) as { items: Parked[] };
      const names = items.filter((p) => p.streamId === streamId).map((p) => p.consumer);
      return ["postgres-projector", "runner", "notifier", "lake-projector"].every((c) => names.includes(c))
        ? items
        : undefined;
    }, 20_000);
    expect(parked.find((p) => p.consumer === "postgres-projector")).toMatchObject({
      fromVersion: 1,
      toVersion: 1,
      error: { name: "InvalidChangeRecord" },
    });
    const status = (await (await sys.http("/v1/system/status")).json()) as {
      parked: { streams: number; byConsumer: Record<string, number> };
    };
    expect(status.parked.byConsumer["postgres-projector"]).toBe(1);

    // only admins see and retry parked records
    const issuer = await localIssuer(sys.config.dataDir, { create: false });
    const viewer = await issuer.mint({ tenant: "default", role: "viewer", subject: "vera", ttlSeconds: 600 });
    const asViewer = await sys.http("/v1/system/parked", { headers: { authorization: `Bearer ${viewer}` } });
    expect(asViewer.status).toBe(403);

    // the CLI lists it through the API, with the dev token from the data folder
    const cli = (...args: string[]) =>
      run("node", [BIN, "parked", ...args, "--api-url", sys.url, "--data-dir", sys.config.dataDir]);
    const listed = await cli("list");
    expect(listed.stdout).toContain(`postgres-projector  ${streamId}  versions 1-1`);
    expect(listed.stdout).toContain("InvalidChangeRecord");

    // before the fix a retry fails, keeps the entry and says so (exit status 2)
    const early = await cli("retry", "--consumer", "postgres-projector").catch((e) => e);
    expect(early.code).toBe(2);
    expect(early.stdout).toContain(`postgres-projector  ${streamId}  still parked: UnknownSchemaError`);
    expect(early.stderr).toContain("1 parked stream(s) failed again and stay parked");

    // the fix: the commit now holds an event this code reads
    await sys.services.dynamo.doc.send(
      new DeleteCommand({ TableName: sys.config.dynamodb.eventsTable, Key: { pk: streamId, sk: 1 } }),
    );
    await sys.services.eventStore.append(streamId, 0, [jobCreated("default", { name: "once poisoned" })]);

    const retried = await sys.json("POST", "/v1/system/parked/retry", {});
    const { results } = (await retried.json()) as { results: { consumer: string; status: string }[] };
    expect(results.filter((r) => r.status !== "released")).toEqual([]);
    expect(results.map((r) => r.consumer)).toEqual(expect.arrayContaining(["postgres-projector", "runner"]));
    await eventually(async () => ((await listJobIds()).includes(poisonedId) ? true : undefined), 20_000);
    expect(((await (await sys.http("/v1/system/parked")).json()) as { items: Parked[] }).items).toEqual([]);
  });
});
