import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  jobBody as definition,
  eventually,
  startTestSystem,
  type TestSystem,
} from "./support/local-system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

async function problemOf(res: Response) {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as { type: string; status: number; detail: string; errors?: { path: string }[] };
}

async function createJob(overrides: Record<string, unknown> = {}) {
  const res = await sys.json("POST", "/v1/jobs", definition(overrides));
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; version: number; status: string; name: string };
}

describe("creating a job", () => {
  it("answers 201 with Location, ETag, defaults filled in, and the request id as correlation id", async () => {
    const res = await sys.json("POST", "/v1/jobs", definition(), { "X-Request-ID": "req-create-1" });
    expect(res.status).toBe(201);
    const job = (await res.json()) as Record<string, unknown> & { id: string };
    expect(res.headers.get("location")).toBe(`/v1/jobs/${job.id}`);
    expect(res.headers.get("etag")).toBe('"1"');
    expect(res.headers.get("x-request-id")).toBe("req-create-1");
    expect(job).toMatchObject({
      name: "nightly report",
      status: "active",
      version: 1,
      overlap: "skip",
      retry: { maxAttempts: 3 },
      request: { method: "POST", headers: {}, timeoutMs: 5000 },
      createdBy: "user:dev",
    });

    const events = await (await sys.http(`/v1/jobs/${job.id}/events`)).json();
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({ version: 1, type: "JobCreated", correlationId: "req-create-1" });
  });

  it.each([
    ["an unknown field", { colour: "red" }, "colour"],
    [
      "a bad cron expression",
      { schedule: { type: "cron", expression: "61 * * * *", timezone: "UTC" } },
      "schedule.expression",
    ],
    [
      "an unknown time zone",
      { schedule: { type: "cron", expression: "0 * * * *", timezone: "Mars/Olympus" } },
      "schedule.timezone",
    ],
    ["a URL that is not http(s)", { request: { method: "GET", url: "ftp://example.com/x" } }, "request.url"],
    [
      "a negative timeout",
      { request: { method: "GET", url: "https://example.com", timeoutMs: -1 } },
      "request.timeoutMs",
    ],
    ["a wrong type", { name: 42 }, "name"],
    ["a loopback target", { request: { method: "GET", url: "http://127.0.0.1:8080/x" } }, "request.url"],
  ])("refuses %s with a 422 naming the field", async (_, overrides, field) => {
    const res = await sys.json("POST", "/v1/jobs", definition(overrides));
    expect(res.status).toBe(422);
    const problem = await problemOf(res);
    expect(problem.type).toBe("/problems/validation-failed");
    expect(problem.errors?.map((e) => e.path)).toContain(field);
  });

  it("refuses malformed JSON with 400, a non-JSON body with 415 and an oversized body with 413", async () => {
    const malformed = await sys.http("/v1/jobs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name": ',
    });
    expect(malformed.status).toBe(400);
    expect((await problemOf(malformed)).type).toBe("/problems/malformed-json");

    const text = await sys.http("/v1/jobs", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hi",
    });
    expect(text.status).toBe(415);
    await problemOf(text);

    const huge = await sys.json("POST", "/v1/jobs", definition({ description: "x".repeat(600 * 1024) }));
    expect(huge.status).toBe(413);
    await problemOf(huge);
  });

  it("replays the first response for a repeated Idempotency-Key and refuses the key for another body", async () => {
    const headers = { "Idempotency-Key": `key-${Date.now()}` };
    const first = await sys.json("POST", "/v1/jobs", definition({ name: "idempotent" }), headers);
    const again = await sys.json("POST", "/v1/jobs", definition({ name: "idempotent" }), headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const [a, b] = [await first.json(), await again.json()];
    expect(b.id).toBe(a.id);

    const other = await sys.json("POST", "/v1/jobs", definition({ name: "something else" }), headers);
    expect(other.status).toBe(422);
    expect((await problemOf(other)).type).toBe("/problems/idempotency-key-reused");
  });
});

describe("reading jobs", () => {
  it("serves a created job from the read model, and 404/400 for unknown or malformed ids", async () => {
    const job = await createJob({ name: "readable" });
    const read = await eventually(async () => {
      const res = await sys.http(`/v1/jobs/${job.id}`);
      return res.status === 200 ? res : undefined;
    });
    expect(read.headers.get("etag")).toBe('"1"');
    expect(await read.json()).toMatchObject({ id: job.id, name: "readable", version: 1 });

    const missing = await sys.http("/v1/jobs/01936f3e-8c1a-7cc2-9d4b-2f2b1c7e9a10");
    expect(missing.status).toBe(404);
    await problemOf(missing);
    const malformed = await sys.http("/v1/jobs/not-an-id");
    expect(malformed.status).toBe(400);
    await problemOf(malformed);
  });

  it("lists with filters and pages through every job exactly once", async () => {
    const tag = `page-${Date.now()}`;
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createJob({ name: `paged ${i}`, tags: [tag] }));
    const seen: string[] = [];
    await eventually(async () => {
      seen.length = 0;
      let cursor: string | null = null;
      do {
        const qs: string = `?tag=${tag}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const page = (await (await sys.http(`/v1/jobs${qs}`)).json()) as {
          items: { id: string }[];
          nextCursor: string | null;
        };
        seen.push(...page.items.map((j) => j.id));
        cursor = page.nextCursor;
      } while (cursor);
      return seen.length === 5 ? true : undefined;
    });
    expect(new Set(seen)).toEqual(new Set(created.map((j) => j.id)));

    const bySearch = await (await sys.http(`/v1/jobs?tag=${tag}&q=PAGED%203`)).json();
    expect(bySearch.items.map((j: { name: string }) => j.name)).toEqual(["paged 3"]);

    const badCursor = await sys.http("/v1/jobs?cursor=garbage");
    expect(badCursor.status).toBe(400);
    await problemOf(badCursor);
    const badLimit = await sys.http("/v1/jobs?limit=0");
    expect(badLimit.status).toBe(400);
    await problemOf(badLimit);
  });
});

describe("changing jobs", () => {
  it("honours If-Match: 412 on a stale version, 200 and a new ETag on the current one", async () => {
    const job = await createJob();
    const stale = await sys.json("PATCH", `/v1/jobs/${job.id}`, { name: "renamed" }, { "If-Match": '"7"' });
    expect(stale.status).toBe(412);
    expect((await problemOf(stale)).type).toBe("/problems/precondition-failed");

    const ok = await sys.json("PATCH", `/v1/jobs/${job.id}`, { name: "renamed" }, { "If-Match": '"1"' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("etag")).toBe('"2"');
    expect(await ok.json()).toMatchObject({ name: "renamed", version: 2 });

    const malformed = await sys.json("PATCH", `/v1/jobs/${job.id}`, { name: "x" }, { "If-Match": "two" });
    expect(malformed.status).toBe(400);
    await problemOf(malformed);
  });

  it("answers 409 to writers that lose a race and never loses an accepted change", async () => {
    const job = await createJob();
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        sys.json("PATCH", `/v1/jobs/${job.id}`, { description: `writer ${i}` }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const accepted = statuses.filter((s) => s === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(1);
    const events = await (await sys.http(`/v1/jobs/${job.id}/events`)).json();
    expect(events.items).toHaveLength(1 + accepted);
  });

  it("pauses, resumes and deletes; a deleted job is 404 to reads and 410 to changes", async () => {
    const job = await createJob();
    const paused = await sys.json("POST", `/v1/jobs/${job.id}/pause`, { reason: "maintenance" });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ status: "paused", version: 2 });
    const pausedAgain = await sys.http(`/v1/jobs/${job.id}/pause`, { method: "POST" });
    expect(await pausedAgain.json()).toMatchObject({ status: "paused", version: 2 });
    const resumed = await sys.http(`/v1/jobs/${job.id}/resume`, { method: "POST" });
    expect(await resumed.json()).toMatchObject({ status: "active", version: 3 });

    const deleted = await sys.http(`/v1/jobs/${job.id}`, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    const change = await sys.json("PATCH", `/v1/jobs/${job.id}`, { name: "zombie" });
    expect(change.status).toBe(410);
    await problemOf(change);
    await eventually(async () => ((await sys.http(`/v1/jobs/${job.id}`)).status === 404 ? true : undefined));

    const trail = await (await sys.http(`/v1/jobs/${job.id}/events`)).json();
    expect(trail.items.map((e: { type: string }) => e.type)).toEqual([
      "JobCreated",
      "JobPaused",
      "JobResumed",
      "JobDeleted",
    ]);
    expect(trail.items[1].data).toEqual({ reason: "maintenance" });
  });
});

describe("system routes", () => {
  it("serves health, readiness of every dependency, the OpenAPI document and a reference page with local assets", async () => {
    expect(await (await sys.http("/health")).json()).toEqual({ status: "ok" });
    const ready = await (await sys.http("/ready")).json();
    expect(ready.status).toBe("ready");
    expect(ready.dependencies.map((d: { name: string }) => d.name).sort()).toEqual([
      "dynamodb",
      "kinesis",
      "postgres",
    ]);

    const doc = await (await sys.http("/openapi.json")).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/pause", "/v1/jobs/{id}/events"]),
    );
    const page = await sys.http("/reference");
    expect(await page.text()).toContain("/reference/assets/swagger-ui-bundle.js");
    const asset = await sys.http("/reference/assets/swagger-ui-bundle.js");
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");

    const unknown = await sys.http("/v1/nothing-here");
    expect(unknown.status).toBe(404);
    await problemOf(unknown);
  });
});

describe("schedule preview", () => {
  it("lists the next fire times in UTC and in the schedule's zone, with DST notes", async () => {
    const job = await createJob({
      schedule: {
        type: "cron",
        expression: "30 2 * * *",
        timezone: "America/New_York",
        startAt: "2027-03-13T00:00:00Z",
      },
    });
    const res = await sys.http(`/v1/jobs/${job.id}/schedule/preview?count=3`);
    expect(res.status).toBe(200);
    const preview = (await res.json()) as { fires: { at: string; local: string; note?: string }[] };
    expect(preview.fires.map((f) => f.at)).toEqual([
      "2027-03-13T07:30:00.000Z",
      "2027-03-14T07:30:00.000Z", // 02:30 does not exist that day: run after the gap, at 03:30 EDT
      "2027-03-15T06:30:00.000Z",
    ]);
    expect(preview.fires[1]?.local).toBe("2027-03-14T03:30:00-04:00");
    expect(preview.fires[1]?.note).toMatch(/DST gap/);

    const bad = await sys.http(`/v1/jobs/${job.id}/schedule/preview?count=500`);
    expect(bad.status).toBe(400);
    await problemOf(bad);
  });
});
