/**
 * Stored response bodies through the API of a running local system: the runner stores a
 * 50 KB body in the lake folder, the run's attempt shows its reference, and
 * `GET /v1/runs/{id}/attempts/{n}/body` streams back the identical bytes with their content
 * type to any role of the tenant; another tenant, an unknown attempt and an attempt without
 * a stored body get 404 problems, a malformed attempt number 400.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
let target: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  sys = await startTestSystem({ JOBLEDGER_TICK_MS: "200" });
  target = sys.testTarget?.url ?? "";
  const issuer = await localIssuer(sys.config.dataDir, { create: false });
  tokens.viewer = await issuer.mint({ tenant: "default", role: "viewer", subject: "vera", ttlSeconds: 600 });
  tokens.foreign = await issuer.mint({
    tenant: "tenant-b",
    role: "admin",
    subject: "mallory",
    ttlSeconds: 600,
  });
});
afterAll(async () => {
  await sys?.stop();
});

interface AttemptBody {
  bytes: number;
  sha256: string;
  contentType: string | null;
  truncated: boolean;
  href: string;
}
interface RunBody {
  status: string;
  attempts: { attempt: number; outcome: string | null; bodyBytes: number | null; body: AttemptBody | null }[];
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function runToTheEnd(request: Record<string, unknown>): Promise<{ runId: string; run: RunBody }> {
  const created = await sys.json("POST", "/v1/jobs", {
    name: "bodies test",
    request: { timeoutMs: 5000, ...request },
    schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const triggered = await sys.http(`/v1/jobs/${id}/runs`, { method: "POST" });
  expect(triggered.status).toBe(202);
  const { runId } = (await triggered.json()) as { runId: string };
  const run = await eventually(async () => {
    const res = await sys.http(`/v1/runs/${runId}`);
    const body = res.status === 200 ? ((await res.json()) as RunBody) : undefined;
    return body?.status === "succeeded" ? body : undefined;
  }, 15_000);
  return { runId, run };
}

async function expectProblem(res: Response, status: number, type: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(((await res.json()) as { type: string }).type).toBe(type);
}

describe("stored response bodies", () => {
  let runId: string;
  let body: AttemptBody;
  let sent: string;

  beforeAll(async () => {
    // /echo answers JSON holding the request body: a 50 KB request body gives a ~50 KB response
    sent = "ä".repeat(100) + "x".repeat(50 * 1024 - 200);
    const done = await runToTheEnd({ method: "POST", url: `${target}/echo`, body: sent });
    runId = done.runId;
    const attempt = done.run.attempts[0];
    expect(attempt?.body).not.toBeNull();
    body = attempt?.body as AttemptBody;
    expect(body.bytes).toBe(attempt?.bodyBytes);
  }, 30_000);

  it("are referenced from the attempt and streamed back identical, with their content type", async () => {
    expect(body).toMatchObject({
      contentType: expect.stringContaining("application/json"),
      truncated: false,
      href: `/v1/runs/${runId}/attempts/1/body`,
    });
    expect(body.bytes).toBeGreaterThan(50 * 1024);

    const res = await sys.http(body.href);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(body.contentType);
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.byteLength).toBe(body.bytes);
    expect(sha256(bytes)).toBe(body.sha256);
    expect((JSON.parse(new TextDecoder().decode(bytes)) as { body: string }).body).toBe(sent);

    // the object is in the lake folder, under bodies/; its day is when the response arrived,
    // which is not today's date when the test runs across midnight (UTC): find it by run id
    const tenantDir = path.join(sys.config.lake.dir, "bodies", "tenant=default");
    const days = (await readdir(tenantDir)).filter((d) => existsSync(path.join(tenantDir, d, runId)));
    expect(days).toHaveLength(1);
    expect(days[0]).toMatch(/^dt=\d{4}-\d{2}-\d{2}$/);
    const file = path.join(tenantDir, days[0] as string, runId, "1");
    expect(sha256(await readFile(file))).toBe(body.sha256);
  });

  it("are documented in /openapi.json", async () => {
    const doc = (await (await sys.http("/openapi.json")).json()) as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths["/v1/runs/{id}/attempts/{attempt}/body"]?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "404"]),
    );
    expect(Object.keys(doc.components.schemas.Attempt?.properties ?? {})).toContain("body");
  });

  it("may be read by a viewer", async () => {
    const res = await sys.http(body.href, { headers: { authorization: `Bearer ${tokens.viewer}` } });
    expect(res.status).toBe(200);
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(body.sha256);
  });

  it("answer another tenant 404, as for a run that does not exist", async () => {
    await expectProblem(
      await sys.http(body.href, { headers: { authorization: `Bearer ${tokens.foreign}` } }),
      404,
      "/problems/not-found",
    );
    await expectProblem(
      await sys.http(`/v1/runs/${crypto.randomUUID()}/attempts/1/body`),
      404,
      "/problems/not-found",
    );
  });

  it("answer 404 for an unknown attempt and 400 for a malformed one", async () => {
    await expectProblem(await sys.http(`/v1/runs/${runId}/attempts/2/body`), 404, "/problems/not-found");
    await expectProblem(
      await sys.http(`/v1/runs/${runId}/attempts/first/body`),
      400,
      "/problems/validation-failed",
    );
  });

  it("answer 404 for an attempt without a stored body (an empty one)", async () => {
    // a HEAD answer has no body
    const done = await runToTheEnd({ method: "HEAD", url: `${target}/ok` });
    expect(done.run.attempts[0]?.body).toBeNull();
    await expectProblem(await sys.http(`/v1/runs/${done.runId}/attempts/1/body`), 404, "/problems/not-found");
  }, 30_000);
});
