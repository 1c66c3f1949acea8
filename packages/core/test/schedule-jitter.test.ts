/** Deterministic jitter: the same (job, fire) always gets the same delay, within range. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dueAt, jitterMs } from "../src/domain/schedule/jitter.ts";

const fireAt = new Date("2026-03-08T07:30:00Z");

describe("jitterMs", () => {
  it("is the same for the same job and fire time (two schedulers agree)", () => {
    const a = jitterMs("job-1", fireAt, 600);
    expect(jitterMs("job-1", new Date(fireAt.getTime()), 600)).toBe(a);
    // pinned: SHA-256("job-1\n" + epoch ms), first 48 bits scaled to the range; schedulers of
    // different versions must agree, so changing the derivation is a breaking change
    expect(a).toBe(344_313);
  });

  it("differs between jobs and between fire times", () => {
    const values = new Set<number>();
    for (let i = 0; i < 50; i++) values.add(jitterMs(`job-${i}`, fireAt, 3600));
    for (let i = 0; i < 50; i++) values.add(jitterMs("job-1", new Date(fireAt.getTime() + i * 60_000), 3600));
    expect(values.size).toBeGreaterThan(95);
  });

  it("is 0 without jitter and refuses values out of 0..3600", () => {
    expect(jitterMs("job-1", fireAt, 0)).toBe(0);
    expect(() => jitterMs("job-1", fireAt, 3601)).toThrow(/jitterSeconds must be from 0 to 3600/);
    expect(() => jitterMs("job-1", fireAt, -1)).toThrow(/jitterSeconds must be from 0 to 3600/);
    expect(() => jitterMs("job-1", new Date(Number.NaN), 10)).toThrow(/fireAt must be a valid Date/);
  });

  it("always lies in [0, jitterSeconds·1000) and is a whole number of ms", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: 1, max: 3600 }),
        (jobId, t, seconds) => {
          const j = jitterMs(jobId, new Date(t), seconds);
          return Number.isInteger(j) && j >= 0 && j < seconds * 1000;
        },
      ),
    );
  });

  it("spreads evenly: 2000 jobs over 10 s land in every second", () => {
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 2000; i++) buckets[Math.floor(jitterMs(`job-${i}`, fireAt, 10) / 1000)]++;
    for (const n of buckets) expect(n).toBeGreaterThan(120); // 200 expected per bucket
  });
});

describe("dueAt", () => {
  it("is the fire time plus its jitter", () => {
    expect(dueAt("job-1", fireAt, 600).getTime()).toBe(fireAt.getTime() + jitterMs("job-1", fireAt, 600));
    expect(dueAt("job-1", fireAt, 0)).toEqual(fireAt);
  });
});
