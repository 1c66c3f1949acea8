/** Catch-up after downtime: which missed fires run, how the rest are summarised, what is next. */
import { describe, expect, it } from "vitest";
import { planMissedFires } from "../src/domain/schedule/catch-up.ts";
import type { JobSchedule } from "../src/domain/schedule/types.ts";
import { iso } from "./schedule-support.ts";

const hourlyCron: JobSchedule = { type: "cron", expression: "0 * * * *", timezone: "Europe/Paris" };
const anchor = new Date("2025-12-01T00:00:00Z");
const lastFireAt = new Date("2026-01-01T00:00:00Z");
const now = new Date("2026-01-04T00:30:00Z"); // three days and a half hour later

describe("an hourly job down for three days", () => {
  it("with window 1 h / maxRuns 1 runs the newest fire and counts the other 71", () => {
    const plan = planMissedFires({
      schedule: hourlyCron,
      anchor,
      lastFireAt,
      now,
      policy: { windowSeconds: 3600, maxRuns: 1 },
    });
    expect(iso(plan.run)).toEqual(["2026-01-04T00:00:00.000Z"]);
    expect(plan.skipped).toEqual({
      count: 71,
      first: new Date("2026-01-01T01:00:00Z"),
      last: new Date("2026-01-03T23:00:00Z"),
      countIsLowerBound: false,
    });
    expect(plan.nextFireAt).toEqual(new Date("2026-01-04T01:00:00Z"));
  });

  it("uses the given catch-up policy, else the default (1 h, 1 run)", () => {
    const byDefault = planMissedFires({ schedule: hourlyCron, anchor, lastFireAt, now });
    expect(iso(byDefault.run)).toEqual(["2026-01-04T00:00:00.000Z"]);
    expect(byDefault.skipped.count).toBe(71);
    const own = planMissedFires({
      schedule: hourlyCron,
      anchor,
      lastFireAt,
      now,
      policy: { windowSeconds: 3 * 3600, maxRuns: 5 },
    });
    expect(iso(own.run)).toEqual([
      "2026-01-03T22:00:00.000Z",
      "2026-01-03T23:00:00.000Z",
      "2026-01-04T00:00:00.000Z",
    ]);
    expect(own.skipped.count).toBe(69);
  });

  it("maxRuns bounds the runs even when more fires are inside the window", () => {
    const plan = planMissedFires({
      schedule: hourlyCron,
      anchor,
      lastFireAt,
      now,
      policy: { windowSeconds: 86_400, maxRuns: 2 },
    });
    expect(iso(plan.run)).toEqual(["2026-01-03T23:00:00.000Z", "2026-01-04T00:00:00.000Z"]);
    expect(plan.skipped.count).toBe(70);
    expect(plan.skipped.last).toEqual(new Date("2026-01-03T22:00:00Z"));
  });

  it("with maxRuns 0 nothing catches up and all 72 are skipped", () => {
    const plan = planMissedFires({
      schedule: hourlyCron,
      anchor,
      lastFireAt,
      now,
      policy: { windowSeconds: 3600, maxRuns: 0 },
    });
    expect(plan.run).toEqual([]);
    expect(plan.skipped).toEqual({
      count: 72,
      first: new Date("2026-01-01T01:00:00Z"),
      last: new Date("2026-01-04T00:00:00Z"),
      countIsLowerBound: false,
    });
    expect(plan.nextFireAt).toEqual(new Date("2026-01-04T01:00:00Z"));
  });

  it("with window 0 only a fire exactly at now runs", () => {
    const policy = { windowSeconds: 0, maxRuns: 1 };
    const at = planMissedFires({
      schedule: hourlyCron,
      anchor,
      lastFireAt,
      now: new Date("2026-01-04T00:00:00Z"),
      policy,
    });
    expect(iso(at.run)).toEqual(["2026-01-04T00:00:00.000Z"]);
    const later = planMissedFires({ schedule: hourlyCron, anchor, lastFireAt, now, policy });
    expect(later.run).toEqual([]);
    expect(later.skipped.count).toBe(72);
  });
});

describe("an ordinary tick", () => {
  it("a fire exactly at now is due, not missed", () => {
    const plan = planMissedFires({
      schedule: hourlyCron,
      anchor,
      lastFireAt: new Date("2026-01-03T23:00:00Z"),
      now: new Date("2026-01-04T00:00:00Z"),
    });
    expect(iso(plan.run)).toEqual(["2026-01-04T00:00:00.000Z"]);
    expect(plan.skipped).toEqual({ count: 0, first: null, last: null, countIsLowerBound: false });
    expect(plan.nextFireAt).toEqual(new Date("2026-01-04T01:00:00Z"));
  });

  it("nothing is due between two fires", () => {
    const plan = planMissedFires({
      schedule: hourlyCron,
      anchor,
      lastFireAt: new Date("2026-01-04T00:00:00Z"),
      now,
    });
    expect(plan.run).toEqual([]);
    expect(plan.skipped.count).toBe(0);
    expect(plan.nextFireAt).toEqual(new Date("2026-01-04T01:00:00Z"));
  });

  it("a job that never fired counts from its creation (the anchor)", () => {
    const created = new Date("2026-01-03T21:10:00Z");
    const plan = planMissedFires({ schedule: hourlyCron, anchor: created, lastFireAt: null, now });
    expect(iso(plan.run)).toEqual(["2026-01-04T00:00:00.000Z"]);
    expect(plan.skipped.count).toBe(2); // 22:00, 23:00
    expect(plan.skipped.first).toEqual(new Date("2026-01-03T22:00:00Z"));
  });
});

describe("long outages stay cheap", () => {
  it("an every-second rate down for ten years is counted exactly by arithmetic", () => {
    const created = new Date("2016-01-01T00:00:00.500Z");
    const last = new Date("2016-01-01T00:00:10.500Z");
    const nowMs = Date.parse("2026-01-01T00:00:00.000Z");
    const plan = planMissedFires({
      schedule: { type: "rate", everySeconds: 1 },
      anchor: created,
      lastFireAt: last,
      now: new Date(nowMs),
      policy: { windowSeconds: 60, maxRuns: 3 },
    });
    expect(iso(plan.run)).toEqual([
      "2025-12-31T23:59:57.500Z",
      "2025-12-31T23:59:58.500Z",
      "2025-12-31T23:59:59.500Z",
    ]);
    const total = (nowMs - 500 - last.getTime()) / 1000; // fires in (last, now]
    expect(plan.skipped).toEqual({
      count: total - 3,
      first: new Date("2016-01-01T00:00:11.500Z"),
      last: new Date("2025-12-31T23:59:56.500Z"),
      countIsLowerBound: false,
    });
    expect(plan.nextFireAt).toEqual(new Date("2026-01-01T00:00:00.500Z"));
  });

  it("a per-minute cron down for a year is counted up to the cap and says so", () => {
    const plan = planMissedFires({
      schedule: { type: "cron", expression: "* * * * *", timezone: "America/New_York" },
      anchor,
      lastFireAt,
      now: new Date("2027-01-01T00:00:30Z"),
      countCap: 1000,
    });
    expect(iso(plan.run)).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(plan.skipped).toEqual({
      count: 1000,
      first: new Date("2026-01-01T00:01:00Z"),
      last: new Date("2026-12-31T23:59:00Z"),
      countIsLowerBound: true,
    });
  });
});

describe("bounds and once", () => {
  it("fires at or after endAt are neither run nor skipped", () => {
    const plan = planMissedFires({
      schedule: { ...hourlyCron, endAt: "2026-01-02T00:00:00Z" },
      anchor,
      lastFireAt,
      now,
    });
    expect(plan.run).toEqual([]);
    expect(plan.skipped.count).toBe(23); // 01:00 .. 23:00 on Jan 1
    expect(plan.skipped.last).toEqual(new Date("2026-01-01T23:00:00Z"));
    expect(plan.nextFireAt).toBeNull();
  });

  it("a once fire missed long ago is skipped; within the window it runs", () => {
    const schedule: JobSchedule = { type: "once", at: "2026-01-03T12:00:00.000Z" };
    const old = planMissedFires({ schedule, anchor, lastFireAt: null, now });
    expect(old.run).toEqual([]);
    expect(old.skipped).toMatchObject({ count: 1, first: new Date("2026-01-03T12:00:00Z") });
    expect(old.nextFireAt).toBeNull();
    const recent = planMissedFires({
      schedule,
      anchor,
      lastFireAt: null,
      now,
      policy: { windowSeconds: 86_400, maxRuns: 1 },
    });
    expect(iso(recent.run)).toEqual(["2026-01-03T12:00:00.000Z"]);
    expect(recent.skipped.count).toBe(0);
  });

  it("refuses a policy out of range", () => {
    expect(() =>
      planMissedFires({
        schedule: hourlyCron,
        anchor,
        lastFireAt,
        now,
        policy: { windowSeconds: 60, maxRuns: -1 },
      }),
    ).toThrow(/catchUp.maxRuns must be an integer from 0 to 100/);
  });
});
