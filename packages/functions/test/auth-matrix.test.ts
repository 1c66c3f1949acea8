/**
 * Roles and tenants over every route the API documents (read from /openapi.json, so a new
 * route is covered the day it is added): viewers read but never change, editors change but
 * never manage keys or parked records, admins may do everything; another tenant's ids answer 404 everywhere
 * and change nothing; the actor of every change is the authenticated principal.
 */
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import type { Role } from "@jobledger/core/auth/principal";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
let routes: { method: string; path: string }[];
const tokens: Record<string, string> = {};

const ROLE_ORDER: Role[] = ["viewer", "editor", "admin"];
const atLeast = (role: Role, needed: Role) => ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(needed);
const neededFor = (method: string, path: string): Role =>
  path.startsWith("/v1/api-keys") || path.startsWith("/v1/system/parked")
    ? "admin"
    : method === "GET" || method === "HEAD"
      ? "viewer"
      : "editor";

beforeAll(async () => {
  sys = await startTestSystem();
  const issuer = await localIssuer(sys.config.dataDir, { create: false });
  for (const role of ROLE_ORDER) {
    tokens[role] = await issuer.mint({ tenant: "default", role, subject: `${role}-1`, ttlSeconds: 600 });
  }
  tokens.foreign = await issuer.mint({
    tenant: "tenant-b",
    role: "admin",
    subject: "mallory",
    ttlSeconds: 600,
  });
  const doc = (await (await sys.http("/openapi.json")).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  routes = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith("/v1/"))
    .flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path })),
    );
});
afterAll(async () => {
  await sys?.stop();
});

const jobDefinition = (name: string) => ({
  name,
  request: { method: "GET", url: "https://example.com/ping" },
  schedule: { type: "cron", expression: "0 3 * * *", timezone: "UTC" },
});

async function createJob(token: string, name: string) {
  const res = await sys.json("POST", "/v1/jobs", jobDefinition(name), { authorization: `Bearer ${token}` });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; version: number; createdBy: string };
}

/** query strings for routes that validate required query parameters before looking anything up */
const SAMPLE_QUERY: Record<string, string> = {
  "/v1/jobs/{id}/state": "?version=1",
  "/v1/jobs/{id}/diff": "?from=1&to=2",
};

/** the concrete URL of a route: `{id}` after /runs is a run, after /api-keys a key, else a job */
function concrete(path: string, ids: { job: string; run: string; key: string }): string {
  return (
    path.replace(/\/(\w[\w-]*)\/\{[^}]+\}/g, (_m, segment: string) => {
      const id = segment === "runs" ? ids.run : segment === "api-keys" ? ids.key : ids.job;
      return `/${segment}/${id}`;
    }) + (SAMPLE_QUERY[path] ?? "")
  );
}

/** calls a route and reads only what is needed (streams are cancelled, not drained) */
async function call(method: string, url: string, token: string): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, "if-match": '"1"' };
  const init: RequestInit = { method, headers };
  if (method !== "GET" && method !== "DELETE") {
    headers["content-type"] = "application/json";
    init.body = method === "PATCH" ? JSON.stringify({ description: "changed" }) : "{}";
  }
  const res = await sys.http(url, init);
  const streaming = (res.headers.get("content-type") ?? "").includes("event-stream");
  const text = streaming ? "" : await res.text();
  if (streaming) await res.body?.cancel();
  return { status: res.status, text };
}

describe("the role matrix over every documented /v1 route", () => {
  it("covers the routes it should", () => {
    const listed = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      "GET /v1/jobs",
      "POST /v1/jobs",
      "DELETE /v1/jobs/{id}",
      "POST /v1/api-keys",
      "GET /v1/runs/{id}",
    ]) {
      expect(listed).toContain(expected);
    }
  });

  for (const role of ROLE_ORDER) {
    it(`${role}: allowed routes pass the gate, the others answer 403`, async () => {
      const job = await createJob(tokens.admin as string, `matrix ${role}`);
      const ids = { job: job.id, run: "00000000-0000-7000-8000-000000000000", key: "0000000000000000" };
      const wrong: string[] = [];
      for (const { method, path } of routes) {
        const { status, text } = await call(method, concrete(path, ids), tokens[role] as string);
        const allowed = atLeast(role, neededFor(method, path));
        const ok = allowed
          ? status !== 401 && status !== 403
          : status === 403 && text.includes("/problems/forbidden");
        if (!ok) wrong.push(`${method} ${path} → ${status} (${allowed ? "allowed" : "forbidden"})`);
      }
      expect(wrong).toEqual([]);
      // a refused change changed nothing
      if (role === "viewer") {
        const after = (await (await sys.http(`/v1/jobs/${job.id}`)).json()) as { version: number };
        expect(after.version).toBe(1);
      }
    }, 60_000);
  }
});

describe("tenant isolation", () => {
  it("answers 404 for every route called with another tenant's ids, and changes nothing", async () => {
    const job = await createJob(tokens.admin as string, "tenant A job");
    const trigger = await sys.json("POST", `/v1/jobs/${job.id}/runs`, {});
    expect(trigger.status).toBeLessThan(300);
    const run = (await trigger.json()) as { id?: string; runId?: string };
    const runId = (run.id ?? run.runId) as string;
    await eventually(async () => ((await sys.http(`/v1/runs/${runId}`)).status === 200 ? true : undefined));
    const key = (await (
      await sys.json("POST", "/v1/api-keys", { name: "A's key", role: "viewer" })
    ).json()) as {
      id: string;
    };
    const ids = { job: job.id, run: runId, key: key.id };
    const unknownIds = { job: crypto.randomUUID(), run: crypto.randomUUID(), key: "ffffffffffffffff" };

    const leaks: string[] = [];
    for (const { method, path } of routes) {
      const url = concrete(path, ids);
      if (url === path) {
        // no ids in the path: reads must not show tenant A's data; commands are not tried
        if (method !== "GET") continue;
        const { status, text } = await call(method, url, tokens.foreign as string);
        if (text.includes(job.id) || text.includes(runId) || text.includes(key.id)) {
          leaks.push(`${method} ${path} → ${status} shows tenant A's data`);
        }
        continue;
      }
      const { status } = await call(method, url, tokens.foreign as string);
      if (method === "GET") {
        if (status !== 404) leaks.push(`${method} ${path} → ${status}`);
        continue;
      }
      // a command may refuse its body before looking anything up: then the answer must be the
      // same as for ids that exist nowhere, so it says nothing about tenant A's ids
      const { status: nowhere } = await call(method, concrete(path, unknownIds), tokens.foreign as string);
      if (status !== 404 && !(status === nowhere && [400, 422].includes(status))) {
        leaks.push(`${method} ${path} → ${status} (ids that exist nowhere: ${nowhere})`);
      }
    }
    expect(leaks).toEqual([]);

    const mine = (await (await sys.http(`/v1/jobs/${job.id}`)).json()) as { version: number; status: string };
    expect(mine).toMatchObject({ version: 1, status: "active" });
    const keys = (await (await sys.http("/v1/api-keys")).json()) as {
      items: { id: string; revokedAt: string | null }[];
    };
    expect(keys.items.find((k) => k.id === key.id)?.revokedAt).toBeNull();
  }, 60_000);
});

describe("the actor of a change", () => {
  it("is the authenticated principal, in the event and in the read model", async () => {
    const issuer = await localIssuer(sys.config.dataDir, { create: false });
    const alice = await issuer.mint({ tenant: "default", role: "editor", subject: "alice", ttlSeconds: 600 });
    const job = await createJob(alice, "alice's job");
    expect(job.createdBy).toBe("user:alice");
    const trail = (await (await sys.http(`/v1/jobs/${job.id}/events`)).json()) as {
      items: { actor: string; type: string }[];
    };
    expect(trail.items[0]).toMatchObject({ type: "JobCreated", actor: "user:alice" });
    const row = await eventually(async () => {
      const res = await sys.http(`/v1/jobs/${job.id}`);
      return res.status === 200 ? ((await res.json()) as { createdBy: string }) : undefined;
    });
    expect(row.createdBy).toBe("user:alice");
  });
});
