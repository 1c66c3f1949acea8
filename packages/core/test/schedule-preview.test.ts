/** The API's schedule preview: UTC instant, local time with offset, DST notes. */
import { describe, expect, it } from "vitest";
import { previewFires } from "../src/domain/schedule/preview.ts";
import type { CronSchedule, JobSchedule } from "../src/domain/schedule/types.ts";

const anchor = new Date("2026-01-01T00:00:00Z");
const ny = (expression: string, extra: Partial<CronSchedule> = {}): JobSchedule => ({
  type: "cron",
  expression,
  timezone: "America/New_York",
  ...extra,
});

describe("previewFires", () => {
  it("notes a fire shifted out of the spring-forward gap", () => {
    const preview = previewFires(ny("30 2 * * *"), anchor, new Date("2026-03-07T12:00:00Z"), 2);
    expect(preview).toEqual([
      {
        at: "2026-03-08T07:30:00.000Z",
        local: "2026-03-08T03:30:00-04:00",
        note: "shifted: 02:30 does not exist (DST gap)",
      },
      { at: "2026-03-09T06:30:00.000Z", local: "2026-03-09T02:30:00-04:00" },
    ]);
  });

  it("notes repeated wall times on the fall-back day", () => {
    const first = previewFires(ny("30 1 * * *"), anchor, new Date("2026-10-31T12:00:00Z"), 2);
    expect(first).toEqual([
      {
        at: "2026-11-01T05:30:00.000Z",
        local: "2026-11-01T01:30:00-04:00",
        note: "repeated wall time (DST fall-back), first occurrence",
      },
      { at: "2026-11-02T06:30:00.000Z", local: "2026-11-02T01:30:00-05:00" },
    ]);
    const both = previewFires(
      ny("30 1 * * *", { dst: { nonexistent: "run-after", repeated: "both" } }),
      anchor,
      new Date("2026-10-31T12:00:00Z"),
      2,
    );
    expect(both[1]).toEqual({
      at: "2026-11-01T06:30:00.000Z",
      local: "2026-11-01T01:30:00-05:00",
      note: "repeated wall time (DST fall-back), second occurrence",
    });
  });

  it("says the seconds of a shifted 6-field time", () => {
    const [fire] = previewFires(ny("15 30 2 * * *"), anchor, new Date("2026-03-07T12:00:00Z"), 1);
    expect(fire?.note).toBe("shifted: 02:30:15 does not exist (DST gap)");
  });

  it("shows rate and once in UTC, or in a zone asked for", () => {
    const rate: JobSchedule = { type: "rate", everySeconds: 5400 };
    expect(previewFires(rate, anchor, anchor, 2)).toEqual([
      { at: "2026-01-01T01:30:00.000Z", local: "2026-01-01T01:30:00+00:00" },
      { at: "2026-01-01T03:00:00.000Z", local: "2026-01-01T03:00:00+00:00" },
    ]);
    expect(previewFires(rate, anchor, anchor, 1, "Asia/Kolkata")).toEqual([
      { at: "2026-01-01T01:30:00.000Z", local: "2026-01-01T07:00:00+05:30" },
    ]);
    const once: JobSchedule = { type: "once", at: "2026-05-01T09:00:00.000Z" };
    expect(previewFires(once, anchor, anchor, 5)).toEqual([
      { at: "2026-05-01T09:00:00.000Z", local: "2026-05-01T09:00:00+00:00" },
    ]);
  });

  it("returns exactly count fires, 1..100", () => {
    expect(previewFires(ny("*/5 * * * *"), anchor, anchor, 100)).toHaveLength(100);
    expect(() => previewFires(ny("*/5 * * * *"), anchor, anchor, 0)).toThrow(
      /count must be an integer from 1 to 100/,
    );
    expect(() => previewFires(ny("*/5 * * * *"), anchor, anchor, 101)).toThrow(/from 1 to 100/);
    expect(() => previewFires(ny("*/5 * * * *"), anchor, anchor, 1, "Nowhere/City")).toThrow(
      /time zone "Nowhere\/City" is not a known IANA time zone/,
    );
  });

  it("is empty for a schedule that has ended", () => {
    expect(previewFires(ny("0 * * * *", { endAt: "2026-01-01T00:00:00Z" }), anchor, anchor, 10)).toEqual([]);
  });
});
