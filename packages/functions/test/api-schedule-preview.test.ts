import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

type Preview = {
  schedule: Record<string, unknown>;
  from: string;
  fires: { at: string; local: string; note?: string }[];
};
type Problem = { type: string; status: number; errors?: { path: string; message: string }[] };

async function preview(body: unknown) {
  return sys.json("POST", "/v1/schedules/preview", body);
}

async function problemOf(res: Response): Promise<Problem> {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as Problem;
}

describe("POST /v1/schedules/preview", () => {
  it("previews a Europe/Berlin cron across the spring-forward gap, with local times and a DST note", async () => {
    const res = await preview({
      schedule: { type: "cron", expression: "30 2 * * *", timezone: "Europe/Berlin" },
      from: "2027-03-26T12:00:00Z",
      count: 4,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Preview;
    expect(body.from).toBe("2027-03-26T12:00:00.000Z");
    expect(body.schedule).toMatchObject({
      dst: { nonexistent: "run-after", repeated: "first" },
      jitterSeconds: 0,
    });
    expect(body.fires.map((f) => f.at)).toEqual([
      "2027-03-27T01:30:00.000Z", // 02:30 CET
      "2027-03-28T01:30:00.000Z", // 02:30 does not exist on 28 March: runs after the gap, 03:30 CEST
      "2027-03-29T00:30:00.000Z", // 02:30 CEST
      "2027-03-30T00:30:00.000Z",
    ]);
    expect(body.fires.map((f) => f.local)).toEqual([
      "2027-03-27T02:30:00+01:00",
      "2027-03-28T03:30:00+02:00",
      "2027-03-29T02:30:00+02:00",
      "2027-03-30T02:30:00+02:00",
    ]);
    expect(body.fires[1]?.note).toMatch(/DST gap/);
    expect(body.fires[0]?.note).toBeUndefined();
  });

  it("notes the repeated hour in autumn and honours dst.repeated = both", async () => {
    const res = await preview({
      schedule: {
        type: "cron",
        expression: "30 2 * * *",
        timezone: "Europe/Berlin",
        dst: { nonexistent: "skip", repeated: "both" },
      },
      from: "2027-10-30T12:00:00Z",
      count: 3,
    });
    expect(res.status).toBe(200);
    const { fires } = (await res.json()) as Preview;
    expect(fires.map((f) => f.local)).toEqual([
      "2027-10-31T02:30:00+02:00",
      "2027-10-31T02:30:00+01:00",
      "2027-11-01T02:30:00+01:00",
    ]);
    expect(fires[0]?.note).toMatch(/first occurrence/);
    expect(fires[1]?.note).toMatch(/second occurrence/);
  });

  it("previews a rate schedule from its startAt, defaulting to 5 fires, local times in UTC or a given zone", async () => {
    const res = await preview({
      schedule: { type: "rate", everySeconds: 900, startAt: "2027-01-01T00:00:00Z" },
      from: "2027-01-01T00:20:00Z",
      timezone: "Asia/Tokyo",
    });
    expect(res.status).toBe(200);
    const { fires } = (await res.json()) as Preview;
    expect(fires.map((f) => f.at)).toEqual([
      "2027-01-01T00:30:00.000Z",
      "2027-01-01T00:45:00.000Z",
      "2027-01-01T01:00:00.000Z",
      "2027-01-01T01:15:00.000Z",
      "2027-01-01T01:30:00.000Z",
    ]);
    expect(fires[0]?.local).toBe("2027-01-01T09:30:00+09:00");
  });

  it("anchors a rate schedule without startAt where the preview starts", async () => {
    const res = await preview({
      schedule: { type: "rate", everySeconds: 60 },
      from: "2027-05-05T10:00:00Z",
      count: 2,
    });
    expect(res.status).toBe(200);
    const { fires } = (await res.json()) as Preview;
    expect(fires.map((f) => f.at)).toEqual(["2027-05-05T10:01:00.000Z", "2027-05-05T10:02:00.000Z"]);
  });

  it("answers 422 with the same field paths as a job definition", async () => {
    const badCron = await preview({
      schedule: { type: "cron", expression: "61 * * * *", timezone: "Mars/Base" },
    });
    expect(badCron.status).toBe(422);
    const cronProblem = await problemOf(badCron);
    expect(cronProblem.type).toContain("validation-failed");
    expect(cronProblem.errors?.map((e) => e.path).sort()).toEqual([
      "schedule.expression",
      "schedule.timezone",
    ]);

    const badRate = await preview({
      schedule: { type: "rate", everySeconds: 2.5 },
      count: 51,
      from: "yesterday",
    });
    expect(badRate.status).toBe(422);
    expect((await problemOf(badRate)).errors?.map((e) => e.path).sort()).toEqual([
      "count",
      "from",
      "schedule.everySeconds",
    ]);

    const unknownType = await preview({ schedule: { type: "weekly" } });
    expect(unknownType.status).toBe(422);
    expect((await problemOf(unknownType)).errors?.[0]?.path).toBe("schedule.type");

    const missing = await preview({ count: 3 });
    expect(missing.status).toBe(422);
    expect((await problemOf(missing)).errors?.map((e) => e.path)).toContain("schedule");

    const malformed = await sys.http("/v1/schedules/preview", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    await problemOf(malformed);
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await (await sys.http("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.paths["/v1/schedules/preview"]?.post).toBeDefined();
  });
});
