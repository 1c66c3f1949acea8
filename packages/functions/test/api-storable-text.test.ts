/**
 * ADR 0010 at the edge, on the local system: text that cannot be stored (NUL, lone surrogates)
 * in a JSON body is a 422 naming the field, in a query or path value a 400, in a JWT claim a
 * 401; malformed cursors (base64 JSON that is not ours, another tenant's) are 400, never 500.
 */
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobBody as definition, startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

interface ProblemBody {
  type: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

async function problemOf(res: Response, status: number): Promise<ProblemBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as ProblemBody;
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

describe("a JSON body with text that cannot be stored", () => {
  it.each([
    ["NUL in the name", { name: "report\u0000" }, "name"],
    ["NUL in the URL", { request: { method: "GET", url: "https://example.com/\u0000" } }, "request.url"],
    [
      "a lone surrogate in a header value",
      { request: { method: "GET", url: "https://example.com/", headers: { "x-a": "\ud800" } } },
      "request.headers.x-a",
    ],
    [
      "a lone surrogate in a header name",
      { request: { method: "GET", url: "https://example.com/", headers: { "x-\udc00": "v" } } },
      "request.headers.x-\uFFFD",
    ],
    ["NUL in a tag", { tags: ["ok", "b\u0000"] }, "tags.1"],
    ["NUL in a field name", { "col\u0000our": "red" }, "col\uFFFDour"],
  ])("is a 422 naming the field: %s", async (_, overrides, field) => {
    const before = (await (await sys.http("/v1/jobs?limit=100")).json()) as { items: unknown[] };
    const problem = await problemOf(await sys.json("POST", "/v1/jobs", definition(overrides)), 422);
    expect(problem.type).toBe("/problems/validation-failed");
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
    expect(problem.errors?.[0]?.message).toMatch(/NUL|well-formed Unicode/);
    // nothing was written: no job was created
    await new Promise((r) => setTimeout(r, 200));
    const after = (await (await sys.http("/v1/jobs?limit=100")).json()) as { items: unknown[] };
    expect(after.items).toHaveLength(before.items.length);
  });

  it("is refused on every route that takes a body, PATCH included", async () => {
    const created = await sys.json("POST", "/v1/jobs", definition());
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const patch = await problemOf(
      await sys.json("PATCH", `/v1/jobs/${id}`, { description: "a\u0000b" }),
      422,
    );
    expect(patch.errors?.map((e) => e.path)).toEqual(["description"]);
    const preview = await sys.json("POST", "/v1/schedules/preview", {
      schedule: { type: "cron", expression: "0 2 * * *", timezone: "Europe/\u0000Berlin" },
    });
    expect((await problemOf(preview, 422)).errors?.map((e) => e.path)).toEqual(["schedule.timezone"]);
    const job = (await (await sys.http(`/v1/jobs/${id}`)).json()) as { description: string | null };
    expect(job.description ?? null).toBeNull();
  });
});

describe("query and path values with text that cannot be stored", () => {
  it.each([
    ["/v1/jobs?q=%00", "query.q"],
    ["/v1/jobs?tag=%00", "query.tag"],
    ["/v1/jobs?tag=a%00b&limit=5", "query.tag"],
    ["/v1/runs?jobId=%00", "query.jobId"],
    ["/v1/jobs/%00", "path"],
    ["/v1/runs/abc%00def", "path"],
  ])("%s is a 400 naming %s", async (url, field) => {
    const problem = await problemOf(await sys.http(url), 400);
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
  });
});

describe("malformed cursors", () => {
  it.each([
    ["jobs", "/v1/jobs?cursor="],
    ["runs", "/v1/runs?cursor="],
    ["dead letters", "/v1/dead-letters?cursor="],
  ])("of %s (base64 JSON that is not ours) are 400", async (_, url) => {
    for (const value of [
      { c: "2026-02-31T00:00:00Z", i: "x" },
      { c: "0000-01-01T00:00:00Z", i: "x" },
      { c: "2026-01-01T00:00:00Z", i: "a\u0000" },
      { c: "2026-01-01T00:00:00Z", i: "\ud800" },
      { c: 1, i: 2 },
      ["x"],
    ]) {
      const res = await sys.http(`${url}${cursorOf(value)}`);
      expect(res.status, JSON.stringify(value)).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  it("of notification preferences: the list's own cursors still page through the tenant's items", async () => {
    for (const n of [1, 2, 3]) {
      const res = await sys.json("POST", "/v1/notification-preferences", {
        scope: { type: "all" },
        recipient: `team:${n}`,
        kinds: ["run.dead_lettered"],
        channels: [{ type: "email", address: `ops${n}@example.com` }],
      });
      expect(res.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const res = await sys.http(`/v1/notification-preferences?limit=1${query}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: { recipient: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((p) => p.recipient));
      cursor = page.nextCursor;
    } while (cursor !== null && seen.length < 10);
    expect(seen.sort()).toEqual(["team:1", "team:2", "team:3"]);
  });

  it.each([
    ["deliveries", "/v1/notifications"],
    ["preferences", "/v1/notification-preferences"],
  ])("of notification %s (not ours, or another tenant's) are 400", async (_, url) => {
    for (const value of [
      { a: 1 },
      {},
      { pk: "$jobledger-notify#tenant_other", sk: "$delivery_1#at_2026" },
      { pk: "$jobledger-notify#tenant_other", sk: "$preference_1#jobid_x" },
      { pk: 1, sk: 2 },
      "just a string",
      null,
    ]) {
      const res = await sys.http(`${url}?cursor=${cursorOf(value)}`);
      expect(res.status, JSON.stringify(value)).toBe(400);
      const problem = (await res.json()) as ProblemBody;
      expect(problem.errors?.map((e) => e.path)).toEqual(["cursor"]);
    }
  });
});

describe("credentials whose claims cannot be stored", () => {
  it.each([
    ["NUL", "ada\u0000"],
    ["a lone surrogate", "ada\ud800"],
  ])("a JWT whose sub holds %s is refused with 401", async (_, subject) => {
    const issuer = await localIssuer(sys.config.dataDir, { create: false });
    const token = await issuer.mint({ tenant: "default", role: "admin", subject, ttlSeconds: 60 });
    const res = await sys.json("POST", "/v1/jobs", definition(), { authorization: `Bearer ${token}` });
    const problem = await problemOf(res, 401);
    expect(problem.type).toBe("/problems/unauthenticated");
    expect(problem.detail).toMatch(/sub claim cannot be stored/);
    // a well-formed subject from the same issuer is accepted
    const ok = await issuer.mint({ tenant: "default", role: "viewer", subject: "ada", ttlSeconds: 60 });
    expect((await sys.http("/v1/jobs", { headers: { authorization: `Bearer ${ok}` } })).status).toBe(200);
  });
});
