/** Schedule options: validation messages, normalisation and defaults. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { validationIssues } from "../src/domain/job/definition.ts";
import {
  CatchUpPolicyInput,
  checkScheduleBounds,
  DstPolicyInput,
  resolveSchedule,
  ScheduleBoundsInput,
  scheduleBoundsFields,
} from "../src/domain/schedule/options.ts";
import { DEFAULT_CATCH_UP, DEFAULT_DST } from "../src/domain/schedule/types.ts";

function messages(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  return result.success ? [] : validationIssues(result.error).map((i) => `${i.path}: ${i.message}`);
}

describe("ScheduleBoundsInput", () => {
  it("fills in the defaults and normalises the instants", () => {
    expect(ScheduleBoundsInput.parse({})).toEqual({ startAt: null, endAt: null, jitterSeconds: 0 });
    expect(ScheduleBoundsInput.parse({ startAt: "2026-01-01T01:00:00+01:00", jitterSeconds: 30 })).toEqual({
      startAt: "2026-01-01T00:00:00.000Z",
      endAt: null,
      jitterSeconds: 30,
    });
  });

  it("words every problem with its field", () => {
    expect(messages(ScheduleBoundsInput, { jitterSeconds: 3601 })).toEqual([
      "jitterSeconds: schedule.jitterSeconds must be from 0 to 3600",
    ]);
    expect(messages(ScheduleBoundsInput, { jitterSeconds: 1.5 })).toEqual([
      "jitterSeconds: schedule.jitterSeconds must be an integer",
    ]);
    expect(messages(ScheduleBoundsInput, { startAt: "tomorrow" })).toEqual([
      "startAt: schedule.startAt must be an ISO-8601 instant with an offset or Z (e.g. 2026-11-23T12:00:00Z)",
    ]);
    expect(
      messages(ScheduleBoundsInput, { startAt: "2026-02-01T00:00:00Z", endAt: "2026-02-01T00:00:00Z" }),
    ).toEqual(["endAt: schedule.endAt must be later than schedule.startAt"]);
  });

  it("composes into a schedule object", () => {
    const Rate = z
      .strictObject({ type: z.literal("rate"), everySeconds: z.number(), ...scheduleBoundsFields })
      .superRefine(checkScheduleBounds);
    expect(Rate.parse({ type: "rate", everySeconds: 60 })).toEqual({
      type: "rate",
      everySeconds: 60,
      startAt: null,
      endAt: null,
      jitterSeconds: 0,
    });
    expect(
      messages(Rate, {
        type: "rate",
        everySeconds: 60,
        startAt: "2026-02-01T00:00:00Z",
        endAt: "2026-01-01T00:00:00Z",
      }),
    ).toEqual(["endAt: schedule.endAt must be later than schedule.startAt"]);
  });
});

describe("DstPolicyInput and CatchUpPolicyInput", () => {
  it("accept the contract's values and word the rest", () => {
    expect(DstPolicyInput.parse({ nonexistent: "skip", repeated: "both" })).toEqual({
      nonexistent: "skip",
      repeated: "both",
    });
    expect(messages(DstPolicyInput, { nonexistent: "later", repeated: "first" })).toEqual([
      "nonexistent: schedule.dst.nonexistent must be one of run-after, skip",
    ]);
    expect(CatchUpPolicyInput.parse({ windowSeconds: 0, maxRuns: 0 })).toEqual({
      windowSeconds: 0,
      maxRuns: 0,
    });
    expect(messages(CatchUpPolicyInput, { windowSeconds: 60, maxRuns: 101 })).toEqual([
      "maxRuns: catchUp.maxRuns must be from 0 to 100",
    ]);
  });
});

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
