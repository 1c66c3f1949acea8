/**
 * Properties of the schedule math, checked with fast-check around real DST transitions of
 * zones with 1 h, 30 min and 45 min offsets: fires ascend strictly; each fire's local wall time
 * (read from Intl independently) matches the expression, or is a documented run-after shift;
 * the fires equal a brute-force minute-by-minute scan; `firesBetween` agrees with repeated
 * `nextFireAfter`.
 */
import { Cron } from "croner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cronFireStream, type RawFire } from "../src/domain/schedule/cron.ts";
import { firesBetween, nextFireAfter } from "../src/domain/schedule/fires.ts";
import type { DstPolicy, JobSchedule } from "../src/domain/schedule/types.ts";
import { intlOffsetMinutes, intlTransitions, localWall } from "./schedule-support.ts";

const ZONES = [
  "America/New_York",
  "Europe/London",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "America/St_Johns",
  "Asia/Kolkata",
  "UTC",
] as const;
const YEARS = [2024, 2026, 2031] as const;
const HOUR = 3_600_000;
const MINUTE = 60_000;

const transitionCache = new Map<string, Date[]>();
/** Instants of offset changes (and, for zones without any, mid-year) to start near. */
function pivots(zone: string, year: number): Date[] {
  const key = `${zone} ${year}`;
  let found = transitionCache.get(key);
  if (!found) {
    found = intlTransitions(zone, year).map((t) => t.at);
    if (found.length === 0) found = [new Date(Date.UTC(year, 6, 1))];
    transitionCache.set(key, found);
  }
  return found;
}

const expression = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }))
    .map(([m, h]) => `${m} ${h} * * *`),
  fc
    .tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 3 }))
    .map(([m, h]) => `${m} ${h},${h + 1} * * *`),
  fc.constantFrom(5, 10, 15, 20, 30, 45).map((step) => `*/${step} * * * *`),
  fc.integer({ min: 0, max: 59 }).map((m) => `${m} * * * *`),
  fc.integer({ min: 0, max: 59 }).map((m) => `${m} 0-4 * * 0`),
  fc.constant("*/10 1-3 * * *"),
);
const dstPolicy = fc.record({
  nonexistent: fc.constantFrom("run-after", "skip"),
  repeated: fc.constantFrom("first", "both"),
}) as fc.Arbitrary<DstPolicy>;
/** An instant within ±30 h of an offset change of the zone. */
const nearTransition = (zone: string) =>
  fc
    .tuple(fc.constantFrom(...YEARS), fc.nat(), fc.integer({ min: -30 * 60, max: 30 * 60 }))
    .map(([year, i, minutes]) => {
      const all = pivots(zone, year);
      return all[i % all.length]!.getTime() + minutes * MINUTE;
    });
const caseArb = fc
  .constantFrom(...ZONES)
  .chain((zone) =>
    fc.record({ zone: fc.constant(zone), expression, dst: dstPolicy, start: nearTransition(zone) }),
  );

function take(zone: string, expr: string, dst: DstPolicy, after: number, until: number): RawFire[] {
  const out: RawFire[] = [];
  for (const fire of cronFireStream({ type: "cron", expression: expr, timezone: zone }, after, dst)) {
    if (fire.at > until) break;
    out.push(fire);
  }
  return out;
}

/** Matching on wall time by croner in fixed UTC (no zone): the oracle for "matches the expression". */
const oracles = new Map<string, Cron>();
function matches(expr: string, wall: string): boolean {
  let cron = oracles.get(expr);
  if (!cron) {
    cron = new Cron(expr, { utcOffset: 0, mode: "5-or-6-parts" });
    oracles.set(expr, cron);
  }
  return cron.match(new Date(`${wall}Z`));
}

describe("cron properties around DST transitions", () => {
  it("fires strictly ascend, and each local wall time matches (or is a run-after shift out of a gap)", () => {
    fc.assert(
      fc.property(caseArb, ({ zone, expression: expr, dst, start }) => {
        const fires = take(zone, expr, dst, start, start + 48 * HOUR);
        for (let i = 1; i < fires.length; i++) expect(fires[i]!.at).toBeGreaterThan(fires[i - 1]!.at);
        for (const fire of fires) {
          expect(fire.at).toBeGreaterThan(start);
          const local = localWall(zone, fire.at);
          if (fire.kind === "shifted") {
            expect(dst.nonexistent).toBe("run-after");
            const nominal = new Date(fire.wall!).toISOString().slice(0, 19);
            expect(matches(expr, nominal)).toBe(true);
            // the nominal wall time never happened: it maps, with the offset before the gap, to this
            // instant, whose real local time is later by the gap
            const before = intlOffsetMinutes(zone, fire.at - 2 * HOUR);
            expect(fire.wall! - fire.at).toBe(before * MINUTE);
            expect(Date.parse(`${local}Z`)).toBeGreaterThan(fire.wall!);
          } else {
            expect(matches(expr, local)).toBe(true);
            if (fire.kind === "repeated-second") expect(dst.repeated).toBe("both");
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("equals a brute-force minute scan of real instants (skip policies), and run-after only adds shifts", () => {
    fc.assert(
      fc.property(caseArb, ({ zone, expression: expr, dst, start }) => {
        const from = Math.ceil(start / MINUTE) * MINUTE;
        const to = from + 30 * HOUR;
        // every instant whose local wall time matches; with `first`, only its first occurrence
        const occurrences = new Map<string, number[]>();
        const expected: number[] = [];
        for (let t = from - 3 * HOUR; t <= to + 3 * HOUR; t += MINUTE) {
          const wall = localWall(zone, t);
          const seen = occurrences.get(wall) ?? [];
          occurrences.set(wall, [...seen, t]);
          if (t <= from || t > to || !matches(expr, wall)) continue;
          if (seen.length > 0 && dst.repeated === "first") continue;
          expected.push(t);
        }
        const skipFires = take(zone, expr, { ...dst, nonexistent: "skip" }, from, to);
        expect(skipFires.map((f) => f.at)).toEqual(expected);
        // the kind says whether (and which) occurrence of a repeated wall time it is
        for (const fire of skipFires) {
          const all = occurrences.get(localWall(zone, fire.at))!;
          const kind =
            all.length === 1 ? "regular" : all[0] === fire.at ? "repeated-first" : "repeated-second";
          expect(fire.kind).toBe(kind);
        }
        const runAfter = take(zone, expr, { ...dst, nonexistent: "run-after" }, from, to);
        const extra = runAfter.filter((f) => !expected.includes(f.at));
        expect(runAfter.length - extra.length).toBe(expected.length);
        for (const fire of extra) expect(fire.kind).toBe("shifted");
      }),
      { numRuns: 60 },
    );
  });
});

const scheduleArb: fc.Arbitrary<JobSchedule> = fc.oneof(
  caseArb.map(({ zone, expression: expr, dst }) => ({
    type: "cron" as const,
    expression: expr,
    timezone: zone,
    dst,
  })),
  fc.integer({ min: 1, max: 7200 }).map((everySeconds) => ({ type: "rate" as const, everySeconds })),
  fc.integer({ min: 0, max: 3 * 86_400 }).map((s) => ({
    type: "once" as const,
    at: new Date(Date.UTC(2026, 2, 7) + s * 1000).toISOString(),
  })),
);
const boundsArb = fc.record({
  startAt: fc.option(fc.integer({ min: 0, max: 2 * 86_400 }), { nil: null }),
  endAt: fc.option(fc.integer({ min: 86_400, max: 4 * 86_400 }), { nil: null }),
});

describe("any schedule", () => {
  it("firesBetween agrees with repeated nextFireAfter, both ascending and within the bounds", () => {
    const base = Date.UTC(2026, 2, 7); // two days before New York springs forward
    fc.assert(
      fc.property(scheduleArb, boundsArb, fc.integer({ min: 0, max: 86_400 }), (schedule, bounds, offset) => {
        const full: JobSchedule = {
          ...schedule,
          startAt: bounds.startAt === null ? null : new Date(base + bounds.startAt * 1000).toISOString(),
          endAt: bounds.endAt === null ? null : new Date(base + bounds.endAt * 1000).toISOString(),
        };
        const anchor = new Date(base - 1234);
        const from = new Date(base + offset * 1000);
        const to = new Date(from.getTime() + 2 * 86_400_000);
        const { fires } = firesBetween(full, from, to, 40, anchor);
        const stepped: Date[] = [];
        for (let at = nextFireAfter(full, from, anchor); at && at <= to && stepped.length < 40; ) {
          stepped.push(at);
          at = nextFireAfter(full, at, anchor);
        }
        expect(fires).toEqual(stepped);
        for (const fire of fires) {
          if (full.startAt) expect(fire.getTime()).toBeGreaterThanOrEqual(Date.parse(full.startAt));
          if (full.endAt) expect(fire.getTime()).toBeLessThan(Date.parse(full.endAt));
          expect(fire.getTime()).toBeGreaterThan(from.getTime());
        }
      }),
      { numRuns: 100 },
    );
  });
});
