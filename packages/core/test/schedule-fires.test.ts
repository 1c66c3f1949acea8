/** Fire times of every schedule type: rate anchors, once, start/end bounds, termination. */
import { describe, expect, it } from "vitest";
import { fireSource, firesBetween, nextFireAfter } from "../src/domain/schedule/fires.ts";
import type { JobSchedule, ScheduleBounds } from "../src/domain/schedule/types.ts";
import { iso } from "./schedule-support.ts";

const created = new Date("2026-01-01T10:00:07.000Z");
const rate = (everySeconds: number, extra: Partial<ScheduleBounds> = {}): JobSchedule => ({
  type: "rate",
  everySeconds,
  ...extra,
});
const once = (at: string, extra: Partial<ScheduleBounds> = {}): JobSchedule => ({
  type: "once",
  at,
  ...extra,
});
const cron = (expression: string, timezone = "UTC", extra: Partial<ScheduleBounds> = {}): JobSchedule => ({
  type: "cron",
  expression,
  timezone,
  ...extra,
});

describe("rate", () => {
  it("fires at anchor + k·everySeconds, the first one period after creation", () => {
    expect(nextFireAfter(rate(300), created, created)).toEqual(new Date("2026-01-01T10:05:07Z"));
    const { fires } = firesBetween(rate(300), created, new Date("2026-01-01T10:20:07Z"), 10, created);
    expect(iso(fires)).toEqual([
      "2026-01-01T10:05:07.000Z",
      "2026-01-01T10:10:07.000Z",
      "2026-01-01T10:15:07.000Z",
      "2026-01-01T10:20:07.000Z",
    ]);
  });

  it("stays on its grid when asked from any instant", () => {
    expect(nextFireAfter(rate(300), new Date("2026-03-01T00:00:00Z"), created)).toEqual(
      new Date("2026-03-01T00:00:07Z"),
    );
    // exactly on a fire: strictly after it
    expect(nextFireAfter(rate(300), new Date("2026-03-01T00:00:07Z"), created)).toEqual(
      new Date("2026-03-01T00:05:07Z"),
    );
  });

  it("with startAt anchors on startAt (inclusive) instead of the creation time", () => {
    const schedule = rate(3600, { startAt: "2026-02-01T00:00:00Z" });
    expect(nextFireAfter(schedule, created, created)).toEqual(new Date("2026-02-01T00:00:00Z"));
    expect(nextFireAfter(schedule, new Date("2026-02-01T00:00:00Z"), created)).toEqual(
      new Date("2026-02-01T01:00:00Z"),
    );
  });

  it("is unaffected by DST (rates are in real time)", () => {
    const schedule = rate(3600, { startAt: "2026-03-08T05:00:00Z" });
    const { fires } = firesBetween(
      schedule,
      new Date("2026-03-08T04:00:00Z"),
      new Date("2026-03-08T09:00:00Z"),
      10,
      created,
    );
    expect(fires.map((f) => f.getTime() - fires[0]!.getTime())).toEqual(
      [0, 1, 2, 3, 4].map((h) => h * 3_600_000),
    );
  });
});

describe("once", () => {
  const at = "2026-06-01T12:00:00.000Z";
  it("fires once at `at` when it is still ahead", () => {
    expect(nextFireAfter(once(at), created, created)).toEqual(new Date(at));
    expect(firesBetween(once(at), created, new Date("2027-01-01T00:00:00Z"), 10, created)).toEqual({
      fires: [new Date(at)],
      more: false,
    });
  });
  it("never fires again once `at` has passed", () => {
    expect(nextFireAfter(once(at), new Date(at), created)).toBeNull();
    expect(nextFireAfter(once(at), new Date("2026-07-01T00:00:00Z"), created)).toBeNull();
  });
  it("outside the bounds never fires", () => {
    expect(nextFireAfter(once(at, { endAt: at }), created, created)).toBeNull();
    expect(nextFireAfter(once(at, { startAt: "2026-06-01T12:00:01Z" }), created, created)).toBeNull();
    expect(nextFireAfter(once(at, { startAt: at }), created, created)).toEqual(new Date(at));
  });
});

describe("startAt / endAt bounds", () => {
  it("cron fires from startAt (inclusive) to endAt (exclusive)", () => {
    const schedule = cron("0 * * * *", "UTC", {
      startAt: "2026-01-01T12:00:00Z",
      endAt: "2026-01-01T15:00:00Z",
    });
    const { fires, more } = firesBetween(schedule, created, new Date("2026-01-02T00:00:00Z"), 10, created);
    expect(iso(fires)).toEqual([
      "2026-01-01T12:00:00.000Z",
      "2026-01-01T13:00:00.000Z",
      "2026-01-01T14:00:00.000Z",
    ]);
    expect(more).toBe(false);
    expect(nextFireAfter(schedule, new Date("2026-01-01T14:00:00Z"), created)).toBeNull();
  });

  it("rate stops before endAt", () => {
    const schedule = rate(600, { startAt: "2026-01-01T12:00:00Z", endAt: "2026-01-01T12:30:00Z" });
    const { fires } = firesBetween(schedule, created, new Date("2026-01-02T00:00:00Z"), 10, created);
    expect(iso(fires)).toEqual([
      "2026-01-01T12:00:00.000Z",
      "2026-01-01T12:10:00.000Z",
      "2026-01-01T12:20:00.000Z",
    ]);
    expect(nextFireAfter(schedule, new Date("2026-01-01T12:20:00Z"), created)).toBeNull();
  });

  it("an ended schedule answers null without walking time", () => {
    const schedule = cron("* * * * * *", "Europe/Berlin", { endAt: "2026-01-01T00:00:00Z" });
    expect(nextFireAfter(schedule, new Date("2026-06-01T00:00:00Z"), created)).toBeNull();
    expect(nextFireAfter(cron("0 0 31 2 *"), created, created)).toBeNull();
  });

  it("a bad bound is refused with the field named", () => {
    expect(() => nextFireAfter(cron("0 * * * *", "UTC", { startAt: "yesterday" }), created, created)).toThrow(
      /startAt "yesterday" is not an ISO-8601 instant/,
    );
  });
});

describe("firesBetween", () => {
  it("is bounded by the limit, with more = true when fires were left out", () => {
    const to = new Date("2026-01-02T00:00:00Z");
    expect(firesBetween(rate(1), created, to, 5, created)).toMatchObject({ more: true });
    expect(firesBetween(rate(1), created, to, 5, created).fires).toHaveLength(5);
    expect(firesBetween(rate(1), created, to, 0, created)).toEqual({ fires: [], more: true });
    expect(() => firesBetween(rate(1), created, to, -1, created)).toThrow(
      /limit must be a non-negative integer/,
    );
  });
});

describe("fireSource", () => {
  it("walks rate fires backwards from an instant, inclusive", () => {
    const source = fireSource(rate(60), created);
    const back: number[] = [];
    for (const fire of source.backward(Date.parse("2026-01-01T10:03:07Z"))) back.push(fire.at);
    expect(back.map((t) => new Date(t).toISOString())).toEqual([
      "2026-01-01T10:03:07.000Z",
      "2026-01-01T10:02:07.000Z",
      "2026-01-01T10:01:07.000Z",
      "2026-01-01T10:00:07.000Z", // k = 0: the anchor itself
    ]);
  });

  it("counts rate fires exactly without a cap", () => {
    const source = fireSource(rate(1), created);
    const tenYears = Date.parse("2036-01-01T10:00:07Z");
    expect(source.count(created.getTime(), tenYears, 10)).toEqual({
      count: (tenYears - created.getTime()) / 1000,
      lowerBound: false,
    });
  });

  it("counts cron fires up to the cap, then says it is a lower bound", () => {
    const source = fireSource(cron("* * * * *"), created);
    const from = Date.parse("2026-01-01T00:00:00Z");
    expect(source.count(from, from + 3_600_000, 1000)).toEqual({ count: 60, lowerBound: false });
    expect(source.count(from, from + 86_400_000, 100)).toEqual({ count: 100, lowerBound: true });
  });
});
