/**
 * Reading one's own write: lists and GET of one resource read the Postgres read model, which
 * follows the event store asynchronously. `?minVersion=N` on GET /v1/jobs/{id} and
 * GET /v1/runs/{id} waits (up to 5 s) until the read model holds version N; else it answers
 * what it holds with `Jobledger-Stale: true`, or 404 when it holds nothing. The lag is made
 * real by stopping the Postgres projector's poller.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const postgresPoller = () => {
  const at = sys.services.consumers.findIndex((c) => c.name === "postgres-projector");
  const poller = sys.pollers[at];
  if (!poller) throw new Error("no postgres-projector poller");
  return poller;
};

/** runs `during` while the Postgres projector is stopped, then starts it again */
async function withProjectorStopped<T>(during: () => Promise<T>): Promise<T> {
  await postgresPoller().stop();
  try {
    return await during();
  } finally {
    await postgresPoller().start();
  }
}

const definition = {
  name: "read own write",
  request: { method: "GET", url: "https://example.com/ping" },
  schedule: { type: "cron", expression: "0 3 * * *", timezone: "UTC" },
};

describe("GET /v1/jobs/{id}?minVersion=N", () => {
  it("waits until the read model holds the version the command answered", async () => {
    const { id, etag, laggingStatus, read } = await withProjectorStopped(async () => {
      const created = await sys.json("POST", "/v1/jobs", definition);
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const lagging = await sys.http(`/v1/jobs/${id}`);
      // the read starts while the projector is stopped and ends after it caught up
      const read = sys.http(`/v1/jobs/${id}?minVersion=1`);
      await new Promise((r) => setTimeout(r, 300));
      return { id, etag: created.headers.get("etag"), laggingStatus: lagging.status, read };
    });
    expect(etag).toBe('"1"');
    expect(laggingStatus).toBe(404); // without minVersion: the lag a client sees
    const res = await read;
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('"1"');
    expect(res.headers.get("jobledger-stale")).toBeNull();
    expect(((await res.json()) as { id: string }).id).toBe(id);
  });

  it("answers what it holds, marked stale, when the version does not arrive in time", async () => {
    const created = await sys.json("POST", "/v1/jobs", definition);
    const { id } = (await created.json()) as { id: string };
    const first = await sys.http(`/v1/jobs/${id}?minVersion=1`);
    expect(first.status).toBe(200);
    const stale = await withProjectorStopped(async () => {
      const patched = await sys.json("PATCH", `/v1/jobs/${id}`, { name: "renamed" });
      expect(patched.headers.get("etag")).toBe('"2"');
      return sys.http(`/v1/jobs/${id}?minVersion=2`);
    });
    expect(stale.status).toBe(200);
    expect(stale.headers.get("jobledger-stale")).toBe("true");
    expect(stale.headers.get("etag")).toBe('"1"');
    expect(((await stale.json()) as { name: string }).name).toBe("read own write");
    // once the projector runs again the same read is fresh
    const fresh = await sys.http(`/v1/jobs/${id}?minVersion=2`);
    expect(fresh.headers.get("jobledger-stale")).toBeNull();
    expect(((await fresh.json()) as { name: string }).name).toBe("renamed");
  }, 20_000);

  it("answers 404 when the read model holds nothing, and 400 for a bad minVersion", async () => {
    const missing = await sys.http("/v1/jobs/00000000-0000-7000-8000-000000000000?minVersion=1");
    expect(missing.status).toBe(404);
    for (const bad of ["0", "-1", "1.5", "x", "99999999999"]) {
      const res = await sys.http(`/v1/jobs/00000000-0000-7000-8000-000000000000?minVersion=${bad}`);
      expect(res.status, bad).toBe(400);
    }
  }, 20_000);
});

describe("GET /v1/runs/{id}?minVersion=N", () => {
  it("right after a trigger, answers the queued run instead of 404", async () => {
    const created = await sys.json("POST", "/v1/jobs", definition);
    const { id } = (await created.json()) as { id: string };
    await sys.http(`/v1/jobs/${id}?minVersion=1`);
    const trigger = await sys.json("POST", `/v1/jobs/${id}/runs`, {});
    expect(trigger.status).toBe(202);
    const { runId } = (await trigger.json()) as { runId: string };
    const read = await sys.http(`/v1/runs/${runId}?minVersion=1`);
    expect(read.status).toBe(200);
    expect(read.headers.get("jobledger-stale")).toBeNull();
    expect(((await read.json()) as { runId: string }).runId).toBe(runId);
  });
});

describe("the OpenAPI document", () => {
  it("describes minVersion and the stale header on both reads", async () => {
    const doc = (await (await sys.http("/openapi.json")).json()) as {
      paths: Record<
        string,
        { get: { parameters: { name: string }[]; responses: Record<string, { headers?: object }> } }
      >;
    };
    for (const path of ["/v1/jobs/{id}", "/v1/runs/{id}"]) {
      const op = doc.paths[path]?.get;
      expect(op?.parameters.map((p) => p.name)).toContain("minVersion");
      expect(Object.keys(op?.responses["200"]?.headers ?? {})).toContain("Jobledger-Stale");
    }
  });
});
