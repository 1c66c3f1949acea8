/** Time travel, diff and NDJSON export through the HTTP API of the local system. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const definition = {
  name: "audit me",
  request: { method: "POST", url: "https://example.com/hooks/audit", body: "{}", timeoutMs: 5000 },
  schedule: { type: "cron", expression: "0 2 * * *", timezone: "Europe/Berlin" },
  tags: ["audit"],
};

type JobBody = { id: string; version: number; name: string; status: string; updatedAt: string; at?: string };

/** A job with four versions: created, renamed (by another actor's request), timeout changed, paused. */
async function jobWithHistory() {
  const created = (await (
    await sys.json("POST", "/v1/jobs", definition, { "X-Request-ID": "req-a1" })
  ).json()) as JobBody;
  await new Promise((r) => setTimeout(r, 5)); // distinct instants for the time filters
  const renamed = await sys.json(
    "PATCH",
    `/v1/jobs/${created.id}`,
    { name: "audited" },
    { "X-Request-ID": "req-a2" },
  );
  expect(renamed.status).toBe(200);
  const v2 = (await renamed.json()) as JobBody;
  await new Promise((r) => setTimeout(r, 5));
  const slower = await sys.json("PATCH", `/v1/jobs/${created.id}`, {
    request: { ...definition.request, timeoutMs: 9000 },
  });
  expect(slower.status).toBe(200);
  const paused = await sys.json("POST", `/v1/jobs/${created.id}/pause`, { reason: "audit" });
  expect(paused.status).toBe(200);
  return { id: created.id, created, v2 };
}

async function problemOf(res: Response) {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as { status: number; detail: string };
}

async function ndjson(res: Response): Promise<Record<string, unknown>[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/x-ndjson");
  const text = await res.text();
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("GET /v1/jobs/{id}/state", () => {
  it("folds the job up to a version, with the job's shape plus version and at", async () => {
    const { id, created } = await jobWithHistory();
    const v1 = (await (await sys.http(`/v1/jobs/${id}/state?version=1`)).json()) as JobBody;
    expect(v1).toMatchObject({ id, version: 1, name: "audit me", status: "active", at: created.updatedAt });
    const v2 = (await (await sys.http(`/v1/jobs/${id}/state?version=2`)).json()) as JobBody & {
      request: { timeoutMs: number };
    };
    expect(v2).toMatchObject({ version: 2, name: "audited", status: "active", request: { timeoutMs: 5000 } });
    const v4 = (await (await sys.http(`/v1/jobs/${id}/state?version=4`)).json()) as JobBody;
    expect(v4).toMatchObject({ version: 4, name: "audited", status: "paused" });
  });

  it("folds the job up to an instant", async () => {
    const { id, v2 } = await jobWithHistory();
    const res = await sys.http(`/v1/jobs/${id}/state?at=${encodeURIComponent(v2.updatedAt)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ version: 2, name: "audited", at: v2.updatedAt });
  });

  it("answers 404 for an unknown job, a version beyond the stream, or a time before creation", async () => {
    const { id } = await jobWithHistory();
    expect((await problemOf(await sys.http(`/v1/jobs/${id}/state?version=5`))).status).toBe(404);
    const unknown = "01936f3e-8c1a-7cc2-9d4b-2f2b1c7e9a10";
    expect((await sys.http(`/v1/jobs/${unknown}/state?version=1`)).status).toBe(404);
    expect((await sys.http(`/v1/jobs/${id}/state?at=2000-01-01T00:00:00Z`)).status).toBe(404);
  });

  it("answers 422 for both or neither of version and at, 400 for a malformed one", async () => {
    const { id } = await jobWithHistory();
    expect((await problemOf(await sys.http(`/v1/jobs/${id}/state`))).status).toBe(422);
    const both = await sys.http(`/v1/jobs/${id}/state?version=1&at=2026-01-01T00:00:00Z`);
    expect((await problemOf(both)).status).toBe(422);
    expect((await sys.http(`/v1/jobs/${id}/state?version=zero`)).status).toBe(400);
    expect((await sys.http(`/v1/jobs/${id}/state?at=yesterday`)).status).toBe(400);
  });
});

describe("GET /v1/jobs/{id}/diff", () => {
  it("lists the changed fields and the events between, with actor, time and correlation id", async () => {
    const { id } = await jobWithHistory();
    const res = await sys.http(`/v1/jobs/${id}/diff?from=1&to=4`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      changes: { path: string; before: unknown; after: unknown }[];
      events: { version: number; type: string; actor: string; correlationId: string; occurredAt: string }[];
    };
    expect(body.changes).toEqual([
      { path: "name", before: "audit me", after: "audited" },
      { path: "request.timeoutMs", before: 5000, after: 9000 },
      { path: "status", before: "active", after: "paused" },
    ]);
    expect(body.events.map((e) => [e.version, e.type])).toEqual([
      [2, "JobUpdated"],
      [3, "JobUpdated"],
      [4, "JobPaused"],
    ]);
    expect(body.events[0]?.correlationId).toBe("req-a2");
    expect(body.events[0]?.actor).toEqual(expect.any(String));
  });

  it("answers 422 when to is not after from and 404 beyond the stream", async () => {
    const { id } = await jobWithHistory();
    expect((await problemOf(await sys.http(`/v1/jobs/${id}/diff?from=3&to=2`))).status).toBe(422);
    expect((await sys.http(`/v1/jobs/${id}/diff?from=1&to=9`)).status).toBe(404);
  });
});

describe("NDJSON export", () => {
  it("streams a job's events, decoded, with schema version, actor, ids and hash", async () => {
    const { id } = await jobWithHistory();
    const lines = await ndjson(await sys.http(`/v1/jobs/${id}/events/export`));
    expect(lines.map((l) => [l.version, l.type])).toEqual([
      [1, "JobCreated"],
      [2, "JobUpdated"],
      [3, "JobUpdated"],
      [4, "JobPaused"],
    ]);
    const first = lines[0] as Record<string, unknown> & { payload: { definition: { name: string } } };
    expect(first).toMatchObject({
      stream: `default/job/${id}`,
      schemaVersion: expect.any(Number),
      correlationId: "req-a1",
      causationId: null,
      actor: expect.any(String),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(first.payload.definition.name).toBe("audit me");
    expect(lines[1]?.prevHash).toBe(first.hash);
  });

  it("filters by type and time", async () => {
    const { id, v2 } = await jobWithHistory();
    const updates = await ndjson(await sys.http(`/v1/jobs/${id}/events/export?type=JobUpdated,JobPaused`));
    expect(updates.map((l) => l.type)).toEqual(["JobUpdated", "JobUpdated", "JobPaused"]);
    const since = await ndjson(
      await sys.http(`/v1/jobs/${id}/events/export?from=${encodeURIComponent(v2.updatedAt)}`),
    );
    expect(since[0]?.version).toBe(2);
    const until = await ndjson(
      await sys.http(`/v1/jobs/${id}/events/export?to=${encodeURIComponent(v2.updatedAt)}`),
    );
    expect(until.map((l) => l.version)).toEqual([1]);
  });

  it("exports the tenant's events across streams and answers 404 for an unknown job", async () => {
    const a = await jobWithHistory();
    const b = await jobWithHistory();
    const lines = await ndjson(await sys.http("/v1/audit/export?type=JobCreated"));
    const streams = lines.map((l) => l.stream);
    expect(streams).toContain(`default/job/${a.id}`);
    expect(streams).toContain(`default/job/${b.id}`);
    expect(lines.every((l) => l.type === "JobCreated")).toBe(true);
    expect((await sys.http("/v1/jobs/01936f3e-8c1a-7cc2-9d4b-2f2b1c7e9a10/events/export")).status).toBe(404);
  });
});

describe("OpenAPI", () => {
  it("documents the audit routes", async () => {
    const doc = (await (await sys.http("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/jobs/{id}/state",
        "/v1/jobs/{id}/diff",
        "/v1/jobs/{id}/events/export",
        "/v1/audit/export",
      ]),
    );
  });
});
