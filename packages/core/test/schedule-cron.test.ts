/** Cron fire times in time zones with explicit DST rules: New York, Lord Howe, London, seconds. */
import { describe, expect, it } from "vitest";
import { cronFiresBetween, nextCronFires } from "../src/domain/schedule/cron.ts";
import type { CronSchedule, DstPolicy } from "../src/domain/schedule/types.ts";
import { intlOffsetMinutes, intlTransitions, iso, localWall } from "./schedule-support.ts";

const NY = "America/New_York";
const LH = "Australia/Lord_Howe";
const cron = (expression: string, timezone: string): CronSchedule => ({ type: "cron", expression, timezone });
const policy = (nonexistent: DstPolicy["nonexistent"], repeated: DstPolicy["repeated"]): DstPolicy => ({
  nonexistent,
  repeated,
});

describe("the test calendar itself (checked against Intl, not assumed)", () => {
  it("New York springs forward on 2026-03-08 at 07:00Z and falls back on 2026-11-01 at 06:00Z", () => {
    expect(intlTransitions(NY, 2026)).toEqual([
      { at: new Date("2026-03-08T07:00:00Z"), before: -300, after: -240 },
      { at: new Date("2026-11-01T06:00:00Z"), before: -240, after: -300 },
    ]);
  });
});

describe("America/New_York spring forward (2026-03-08, 02:00 EST → 03:00 EDT)", () => {
  const daily0230 = cron("30 2 * * *", NY);
  const after = new Date("2026-03-07T12:00:00Z");

  it("run-after fires the missing 02:30 at 03:30 EDT (07:30Z)", () => {
    const fires = nextCronFires(daily0230, after, 3, policy("run-after", "first"));
    expect(iso(fires)).toEqual([
      "2026-03-08T07:30:00.000Z", // 03:30 EDT, shifted by the 1 h gap
      "2026-03-09T06:30:00.000Z", // 02:30 EDT
      "2026-03-10T06:30:00.000Z",
    ]);
    expect(localWall(NY, fires[0]!)).toBe("2026-03-08T03:30:00");
  });

  it("skip does not fire that day", () => {
    const fires = nextCronFires(daily0230, after, 2, policy("skip", "first"));
    expect(iso(fires)).toEqual(["2026-03-09T06:30:00.000Z", "2026-03-10T06:30:00.000Z"]);
  });

  it("the default policy is run-after", () => {
    expect(iso(nextCronFires(daily0230, after, 1))).toEqual(["2026-03-08T07:30:00.000Z"]);
  });

  it("the schedule's own dst policy applies when none is passed", () => {
    const skipping: CronSchedule = { ...daily0230, dst: { nonexistent: "skip", repeated: "first" } };
    expect(iso(nextCronFires(skipping, after, 1))).toEqual(["2026-03-09T06:30:00.000Z"]);
    expect(iso(nextCronFires(skipping, after, 1, policy("run-after", "first")))).toEqual([
      "2026-03-08T07:30:00.000Z",
    ]);
  });

  it("a shifted 02:30 and a real 03:30 match fire once", () => {
    const fires = nextCronFires(cron("30 2,3 * * *", NY), after, 3, policy("run-after", "first"));
    expect(iso(fires)).toEqual([
      "2026-03-08T07:30:00.000Z", // 02:30 shifted and 03:30 real: one fire
      "2026-03-09T06:30:00.000Z", // 02:30 EDT
      "2026-03-09T07:30:00.000Z", // 03:30 EDT
    ]);
  });

  it("a 01:30 fire is untouched by the gap", () => {
    const fires = nextCronFires(cron("30 1 * * *", NY), after, 2, policy("skip", "first"));
    expect(iso(fires)).toEqual(["2026-03-08T06:30:00.000Z", "2026-03-09T05:30:00.000Z"]);
  });

  it("an every-15-minutes job jumps from 01:45 EST to 03:00 EDT, shifted times deduplicated", () => {
    const range = [new Date("2026-03-08T06:30:00Z"), new Date("2026-03-08T07:30:00Z")] as const;
    const runAfter = cronFiresBetween(cron("*/15 * * * *", NY), ...range, 100, policy("run-after", "first"));
    const skip = cronFiresBetween(cron("*/15 * * * *", NY), ...range, 100, policy("skip", "first"));
    const expected = [
      "2026-03-08T06:45:00.000Z", // 01:45 EST
      "2026-03-08T07:00:00.000Z", // 03:00 EDT (also 02:00 shifted)
      "2026-03-08T07:15:00.000Z", // 03:15 EDT (also 02:15 shifted)
      "2026-03-08T07:30:00.000Z",
    ];
    expect(iso(runAfter.fires)).toEqual(expected);
    expect(iso(skip.fires)).toEqual(expected);
  });
});

describe("America/New_York fall back (2026-11-01, 02:00 EDT → 01:00 EST)", () => {
  const daily0130 = cron("30 1 * * *", NY);
  const after = new Date("2026-10-31T12:00:00Z");

  it("first fires 01:30 once, at 01:30 EDT (05:30Z)", () => {
    const fires = nextCronFires(daily0130, after, 2, policy("run-after", "first"));
    expect(iso(fires)).toEqual(["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]);
  });

  it("both fires 01:30 EDT (05:30Z) and 01:30 EST (06:30Z)", () => {
    const fires = nextCronFires(daily0130, after, 3, policy("run-after", "both"));
    expect(iso(fires)).toEqual([
      "2026-11-01T05:30:00.000Z",
      "2026-11-01T06:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
    ]);
    expect(fires.map((f) => localWall(NY, f))).toEqual([
      "2026-11-01T01:30:00",
      "2026-11-01T01:30:00",
      "2026-11-02T01:30:00",
    ]);
  });

  it("starting between the two 01:30s finds the second only under both", () => {
    const between = new Date("2026-11-01T06:00:00Z"); // 01:00 EST, after 01:30 EDT
    expect(iso(nextCronFires(daily0130, between, 1, policy("skip", "both")))).toEqual([
      "2026-11-01T06:30:00.000Z",
    ]);
    expect(iso(nextCronFires(daily0130, between, 1, policy("skip", "first")))).toEqual([
      "2026-11-02T06:30:00.000Z",
    ]);
  });

  it("02:30 is not repeated and fires once under either policy", () => {
    for (const repeated of ["first", "both"] as const) {
      const fires = nextCronFires(cron("30 2 * * *", NY), after, 2, policy("run-after", repeated));
      expect(iso(fires)).toEqual(["2026-11-01T07:30:00.000Z", "2026-11-02T07:30:00.000Z"]);
    }
  });

  it("an hourly job fires 25 times that day under both, 24 under first", () => {
    const day = [new Date("2026-11-01T03:59:59Z"), new Date("2026-11-02T04:59:59Z")] as const; // local midnight to midnight
    const both = cronFiresBetween(cron("0 * * * *", NY), ...day, 100, policy("run-after", "both"));
    const first = cronFiresBetween(cron("0 * * * *", NY), ...day, 100, policy("run-after", "first"));
    expect(both.fires).toHaveLength(25);
    expect(first.fires).toHaveLength(24);
    expect(iso(both.fires.slice(0, 4))).toEqual([
      "2026-11-01T04:00:00.000Z", // 00:00 EDT
      "2026-11-01T05:00:00.000Z", // 01:00 EDT
      "2026-11-01T06:00:00.000Z", // 01:00 EST
      "2026-11-01T07:00:00.000Z", // 02:00 EST
    ]);
  });
});

describe("Australia/Lord_Howe (30-minute offset change)", () => {
  const transitions = intlTransitions(LH, 2026);
  const fallBack = transitions.find((t) => t.after < t.before)!;
  const springForward = transitions.find((t) => t.after > t.before)!;
  const hourBeforeGap = new Date(springForward.at.getTime() - 3_600_000); // 01:00 local on the gap day

  it("changes by 30 minutes in 2026, on the dates Intl reports", () => {
    expect(transitions).toHaveLength(2);
    // 2026-04-05 02:00 +11:00 → 01:30 +10:30, and 2026-10-04 02:00 +10:30 → 02:30 +11:00
    expect(fallBack).toEqual({ at: new Date("2026-04-04T15:00:00Z"), before: 660, after: 630 });
    expect(springForward).toEqual({ at: new Date("2026-10-03T15:30:00Z"), before: 630, after: 660 });
    expect(localWall(LH, springForward.at)).toBe("2026-10-04T02:30:00");
    expect(localWall(LH, fallBack.at)).toBe("2026-04-05T01:30:00");
  });

  it("run-after fires 02:15 (in the gap) at 02:45 +11:00, 30 minutes later", () => {
    const fires = nextCronFires(cron("15 2 * * *", LH), hourBeforeGap, 2, policy("run-after", "first"));
    expect(iso(fires)).toEqual(["2026-10-03T15:45:00.000Z", "2026-10-04T15:15:00.000Z"]);
    expect(localWall(LH, fires[0]!)).toBe("2026-10-04T02:45:00");
    expect(intlOffsetMinutes(LH, fires[0]!)).toBe(660);
  });

  it("skip drops 02:15 on the gap day", () => {
    const fires = nextCronFires(cron("15 2 * * *", LH), hourBeforeGap, 1, policy("skip", "first"));
    expect(iso(fires)).toEqual(["2026-10-04T15:15:00.000Z"]);
  });

  it("02:35 exists on the gap day and is not shifted", () => {
    const fires = nextCronFires(cron("35 2 * * *", LH), hourBeforeGap, 1, policy("skip", "first"));
    expect(iso(fires)).toEqual(["2026-10-03T15:35:00.000Z"]);
  });

  it("01:45 happens twice on the fall-back day, 30 minutes apart", () => {
    const dayBefore = new Date(fallBack.at.getTime() - 86_400_000);
    const both = nextCronFires(cron("45 1 * * *", LH), dayBefore, 2, policy("run-after", "both"));
    const first = nextCronFires(cron("45 1 * * *", LH), dayBefore, 2, policy("run-after", "first"));
    expect(iso(both)).toEqual(["2026-04-04T14:45:00.000Z", "2026-04-04T15:15:00.000Z"]);
    expect(iso(first)).toEqual(["2026-04-04T14:45:00.000Z", "2026-04-05T15:15:00.000Z"]);
    expect(both.map((f) => localWall(LH, f))).toEqual(["2026-04-05T01:45:00", "2026-04-05T01:45:00"]);
  });

  it("01:15 is before the repeated half hour and fires once under both", () => {
    const dayBefore = new Date(fallBack.at.getTime() - 86_400_000);
    const fires = nextCronFires(cron("15 1 * * *", LH), dayBefore, 2, policy("run-after", "both"));
    expect(iso(fires)).toEqual(["2026-04-04T14:15:00.000Z", "2026-04-05T14:45:00.000Z"]);
  });
});

describe("Europe/London (01:00 GMT → 02:00 BST on 2026-03-29, back on 2026-10-25)", () => {
  it("agrees with Intl on the dates", () => {
    expect(intlTransitions("Europe/London", 2026)).toEqual([
      { at: new Date("2026-03-29T01:00:00Z"), before: 0, after: 60 },
      { at: new Date("2026-10-25T01:00:00Z"), before: 60, after: 0 },
    ]);
  });

  it("shifts 01:30 to 02:30 BST in spring and repeats it in autumn", () => {
    const spring = nextCronFires(cron("30 1 * * *", "Europe/London"), new Date("2026-03-28T12:00:00Z"), 2);
    expect(iso(spring)).toEqual(["2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z"]);
    expect(localWall("Europe/London", spring[0]!)).toBe("2026-03-29T02:30:00");
    const autumn = nextCronFires(
      cron("30 1 * * *", "Europe/London"),
      new Date("2026-10-24T12:00:00Z"),
      3,
      policy("skip", "both"),
    );
    expect(iso(autumn)).toEqual([
      "2026-10-25T00:30:00.000Z", // 01:30 BST
      "2026-10-25T01:30:00.000Z", // 01:30 GMT
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("a weekday-only expression follows local days, not UTC days", () => {
    // 00:30 BST on Monday 2026-06-01 is 23:30Z on Sunday
    const fires = nextCronFires(cron("30 0 * * 1", "Europe/London"), new Date("2026-05-30T00:00:00Z"), 1);
    expect(iso(fires)).toEqual(["2026-05-31T23:30:00.000Z"]);
  });
});

describe("expressions", () => {
  it("a 6-field expression fires on seconds", () => {
    const fires = nextCronFires(cron("*/20 * * * * *", "UTC"), new Date("2026-01-01T00:00:00Z"), 4);
    expect(iso(fires)).toEqual([
      "2026-01-01T00:00:20.000Z",
      "2026-01-01T00:00:40.000Z",
      "2026-01-01T00:01:00.000Z",
      "2026-01-01T00:01:20.000Z",
    ]);
  });

  it("seconds in a DST gap are shifted by run-after too", () => {
    const fires = nextCronFires(
      cron("15 30 2 * * *", NY),
      new Date("2026-03-07T12:00:00Z"),
      1,
      policy("run-after", "first"),
    );
    expect(iso(fires)).toEqual(["2026-03-08T07:30:15.000Z"]);
  });

  it("fires are strictly after `after`, even with milliseconds", () => {
    const spec = cron("0 * * * *", "UTC");
    expect(iso(nextCronFires(spec, new Date("2026-01-01T10:00:00.000Z"), 1))).toEqual([
      "2026-01-01T11:00:00.000Z",
    ]);
    expect(iso(nextCronFires(spec, new Date("2026-01-01T09:59:59.999Z"), 1))).toEqual([
      "2026-01-01T10:00:00.000Z",
    ]);
  });

  it("an expression that never matches gives no fires", () => {
    expect(nextCronFires(cron("0 0 30 2 *", NY), new Date("2026-01-01T00:00:00Z"), 3)).toEqual([]);
  });

  it("a yearly expression skips the empty months", () => {
    const fires = nextCronFires(cron("0 0 1 1 *", "Asia/Tokyo"), new Date("2026-06-01T00:00:00Z"), 3);
    expect(iso(fires)).toEqual([
      "2026-12-31T15:00:00.000Z",
      "2027-12-31T15:00:00.000Z",
      "2028-12-31T15:00:00.000Z",
    ]);
  });

  it("an unknown zone or a bad expression is refused with a clear error", () => {
    expect(() => nextCronFires(cron("0 * * * *", "Mars/Olympus"), new Date(0), 1)).toThrow(
      /time zone "Mars\/Olympus" is not a known IANA time zone/,
    );
    expect(() => nextCronFires(cron("61 * * * *", "UTC"), new Date(0), 1)).toThrow(
      /cron expression "61 \* \* \* \*" is not valid/,
    );
  });

  it("cronFiresBetween is bounded by the limit and says when there are more", () => {
    const spec = cron("* * * * *", "UTC");
    const from = new Date("2026-01-01T00:00:00Z");
    const to = new Date("2026-01-01T00:10:00Z");
    const some = cronFiresBetween(spec, from, to, 3);
    expect(some.fires).toHaveLength(3);
    expect(some.more).toBe(true);
    const all = cronFiresBetween(spec, from, to, 10);
    expect(all.fires).toHaveLength(10);
    expect(all.more).toBe(false);
    expect(all.fires.at(-1)).toEqual(to); // inclusive end
    expect(cronFiresBetween(spec, to, from, 10)).toEqual({ fires: [], more: false });
  });
});
