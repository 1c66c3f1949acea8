/**
 * PATCH /v1/jobs/{id} is a JSON Merge Patch (RFC 7396): a part of `schedule` keeps the rest
 * (jitter, bounds, DST rules), null resets a field to its default, arrays replace, a merged
 * definition that is wrong is a 422 naming the field; `application/merge-patch+json` and
 * `application/json` mean the same; the console's job form (what it sends) still works.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definitionFromForm, formFromJob } from "../../web/src/lib/job-form.ts";
import type { Job as ConsoleJob } from "../../web/src/lib/types.ts";
import { startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const tunedSchedule = {
  type: "cron",
  expression: "0 2 * * *",
  timezone: "Europe/Berlin",
  jitterSeconds: 60,
  dst: { nonexistent: "skip", repeated: "both" },
  startAt: "2026-01-01T00:00:00.000Z",
  endAt: "2030-01-01T00:00:00.000Z",
};

type JobBody = Record<string, unknown> & {
  id: string;
  version: number;
  schedule: Record<string, unknown>;
  request: { headers: Record<string, string> };
  tags: string[];
};

async function createJob(extra: Record<string, unknown> = {}): Promise<JobBody> {
  const res = await sys.json("POST", "/v1/jobs", {
    name: "merge patch",
    request: {
      method: "POST",
      url: "https://example.com/hook",
      headers: { "X-Team": "finance", "X-Env": "prod" },
    },
    schedule: tunedSchedule,
    tags: ["a", "b"],
    ...extra,
  });
  expect(res.status).toBe(201);
  return (await res.json()) as JobBody;
}

const patch = (id: string, body: unknown, contentType = "application/merge-patch+json") =>
  sys.http(`/v1/jobs/${id}`, {
    method: "PATCH",
    headers: { "content-type": contentType },
    body: JSON.stringify(body),
  });

describe("PATCH /v1/jobs/{id} as a JSON Merge Patch", () => {
  it("a part of the schedule keeps its zone, jitter, start/end and DST rules", async () => {
    const job = await createJob();
    const res = await patch(job.id, { schedule: { expression: "0 3 * * *" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('"2"');
    const changed = (await res.json()) as JobBody;
    expect(changed.schedule).toEqual({ ...tunedSchedule, expression: "0 3 * * *" });
    // application/json means the same
    const again = await patch(job.id, { schedule: { dst: { repeated: "first" } } }, "application/json");
    expect(again.status).toBe(200);
    expect(((await again.json()) as JobBody).schedule).toEqual({
      ...tunedSchedule,
      expression: "0 3 * * *",
      dst: { nonexistent: "skip", repeated: "first" },
    });
  });

  it("null resets a field to its default; headers merge by name; arrays replace", async () => {
    const job = await createJob({ description: "to be cleared" });
    const res = await patch(job.id, {
      description: null,
      schedule: { jitterSeconds: null, endAt: null, dst: null },
      request: { headers: { "x-team": null, "X-New": "1" } },
      tags: ["c"],
    });
    expect(res.status).toBe(200);
    const changed = (await res.json()) as JobBody;
    expect(changed.description).toBeNull();
    expect(changed.schedule).toEqual({
      ...tunedSchedule,
      jitterSeconds: 0,
      endAt: null,
      dst: { nonexistent: "run-after", repeated: "first" },
    });
    expect(changed.request.headers).toEqual({ "X-Env": "prod", "X-New": "1" });
    expect(changed.tags).toEqual(["c"]);
  });

  it("a merged definition that is wrong is a 422 naming the field, and nothing is written", async () => {
    const job = await createJob();
    for (const [body, field] of [
      [{ schedule: { type: "rate" } }, "schedule.everySeconds"],
      [{ schedule: { timezone: null } }, "schedule.timezone"],
      [{ name: null }, "name"],
      [{ schedule: { type: "rate", everySeconds: 30 } }, "schedule.jitterSeconds"],
    ] as const) {
      const res = await patch(job.id, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      const problem = (await res.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((e) => e.path)).toContain(field);
    }
    const events = (await (await sys.http(`/v1/jobs/${job.id}/events`)).json()) as { items: unknown[] };
    expect(events.items).toHaveLength(1);
    // with what the new kind needs it is accepted, and the shared options are kept
    const rate = await patch(job.id, { schedule: { type: "rate", everySeconds: 300 } });
    expect(rate.status).toBe(200);
    expect(((await rate.json()) as JobBody).schedule).toEqual({
      type: "rate",
      everySeconds: 300,
      jitterSeconds: 60,
      startAt: tunedSchedule.startAt,
      endAt: tunedSchedule.endAt,
    });
  });

  it("the console's job form saves an edit without losing what the form does not show", async () => {
    const job = await createJob();
    const form = formFromJob(job as unknown as ConsoleJob);
    const edited = await patch(
      job.id,
      definitionFromForm({ ...form, expression: "15 4 * * *" }),
      "application/json",
    );
    expect(edited.status).toBe(200);
    const after = (await edited.json()) as JobBody;
    expect(after.schedule).toEqual({ ...tunedSchedule, expression: "15 4 * * *" });
    expect(after.request.headers).toEqual({ "X-Team": "finance", "X-Env": "prod" });
    // switching the form to another kind of schedule works too
    const switched = await patch(
      job.id,
      definitionFromForm({
        ...formFromJob(after as unknown as ConsoleJob),
        scheduleType: "rate",
        everySeconds: "600",
      }),
      "application/json",
    );
    expect(switched.status).toBe(200);
    expect(((await switched.json()) as JobBody).schedule).toMatchObject({ type: "rate", everySeconds: 600 });
  });

  it("the OpenAPI document says so", async () => {
    const doc = (await (await sys.http("/openapi.json")).json()) as {
      paths: Record<
        string,
        { patch: { description: string; requestBody: { content: Record<string, unknown> } } }
      >;
    };
    const op = doc.paths["/v1/jobs/{id}"]?.patch;
    expect(Object.keys(op?.requestBody.content ?? {})).toEqual([
      "application/merge-patch+json",
      "application/json",
    ]);
    expect(op?.description).toContain("RFC 7396");
  });
});
