/** Schedule options as the schedule math sees them: defaults filled in, bounds parsed. */
import { describe, expect, it } from "vitest";
import { resolveSchedule } from "../src/domain/schedule/options.ts";
import { DEFAULT_CATCH_UP, DEFAULT_DST } from "../src/domain/schedule/types.ts";

describe("resolveSchedule", () => {
  it("fills in the defaults", () => {
    expect(resolveSchedule({ type: "rate", everySeconds: 60 })).toEqual({
      schedule: { type: "rate", everySeconds: 60 },
      startMs: Number.NEGATIVE_INFINITY,
      endMs: Number.POSITIVE_INFINITY,
      jitterSeconds: 0,
      dst: DEFAULT_DST,
    });
    expect(DEFAULT_DST).toEqual({ nonexistent: "run-after", repeated: "first" });
    expect(DEFAULT_CATCH_UP).toEqual({ windowSeconds: 3600, maxRuns: 1 });
  });

  it("takes a full contract schedule as it is", () => {
    const resolved = resolveSchedule({
      type: "cron",
      expression: "0 9 * * *",
      timezone: "Europe/Berlin",
      dst: { nonexistent: "skip", repeated: "both" },
      startAt: "2026-01-01T00:00:00.000Z",
      endAt: null,
      jitterSeconds: 15,
    });
    expect(resolved).toMatchObject({
      startMs: Date.parse("2026-01-01T00:00:00Z"),
      endMs: Number.POSITIVE_INFINITY,
      jitterSeconds: 15,
      dst: { nonexistent: "skip", repeated: "both" },
    });
  });
});
