import { describe, expect, it } from "vitest";
import { readJobStats, readRunsPerHour, readSuccessRate, withNames } from "../src/lib/analytics";
import { fieldErrors } from "../src/lib/api";
import { cronInWords, formatMs, scheduleInWords } from "../src/lib/format";
import { definitionFromForm, emptyForm, fieldForPath, formFromJob } from "../src/lib/job-form";
import type { Job } from "../src/lib/types";

describe("schedules in words", () => {
  it("reads common cron shapes", () => {
    expect(cronInWords("*/5 * * * *")).toBe("every 5 minutes");
    expect(cronInWords("0 9 * * *")).toBe("daily at 09:00");
    expect(cronInWords("30 8 * * 1-5")).toBe("weekdays at 08:30");
    expect(cronInWords("0 12 * * 1")).toBe("Mondays at 12:00");
    expect(cronInWords("15 * * * *")).toBe("hourly at minute 15");
    expect(cronInWords("0 6 1 * *")).toBe("monthly on day 1 at 06:00");
    expect(cronInWords("0 0 1 1 *")).toBe("cron 0 0 1 1 *");
  });
  it("names the time zone of cron schedules and the unit of rates", () => {
    expect(scheduleInWords({ type: "cron", expression: "0 9 * * *", timezone: "Europe/Paris" })).toBe(
      "daily at 09:00 (Europe/Paris)",
    );
    expect(scheduleInWords({ type: "rate", everySeconds: 3600 })).toBe("every hour");
    expect(scheduleInWords({ type: "rate", everySeconds: 90 })).toBe("every 90 seconds");
    expect(scheduleInWords({ type: "once", at: "2030-01-01T09:00:00Z" })).toBe(
      "once at 2030-01-01 09:00:00 UTC",
    );
    expect(formatMs(1234)).toBe("1.23 s");
  });
});

describe("the job form", () => {
  it("turns fields into a definition and back", () => {
    const fields = {
      ...emptyForm(),
      name: " nightly ",
      url: "http://x/ok",
      body: "{}",
      tags: "a, b,",
      maxAttempts: "5",
    };
    const def = definitionFromForm(fields);
    expect(def).toMatchObject({
      name: "nightly",
      request: { method: "POST", url: "http://x/ok", body: "{}", timeoutMs: 10000 },
      schedule: { type: "cron", expression: "*/5 * * * *", timezone: "UTC" },
      retry: { maxAttempts: 5 },
      tags: ["a", "b"],
    });
    const job = {
      ...(def as object),
      id: "j",
      description: null,
      request: { method: "GET", url: "http://x/ok", headers: {}, body: null, timeoutMs: 5000 },
      schedule: { type: "rate", everySeconds: 60 },
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
    } as Job;
    expect(formFromJob(job)).toMatchObject({
      method: "GET",
      scheduleType: "rate",
      everySeconds: "60",
      maxAttempts: "2",
    });
  });
  it("keeps non-numbers as typed so the API names the field", () => {
    expect(definitionFromForm({ ...emptyForm(), maxAttempts: "lots" })).toMatchObject({
      retry: { maxAttempts: "lots" },
    });
  });
  it("maps problem paths to fields", () => {
    const errors = fieldErrors({
      status: 400,
      title: "Bad Request",
      errors: [
        { path: "body.schedule.expression", message: "bad cron" },
        { path: "body.request.url", message: "must be a URL" },
        { path: "body", message: "whole" },
      ],
    });
    expect(errors).toEqual({ "schedule.expression": "bad cron", "request.url": "must be a URL", _: "whole" });
    expect(fieldForPath("schedule.expression")).toBe("expression");
    expect(fieldForPath("tags.2")).toBe("tags");
    expect(fieldForPath("nonsense")).toBeUndefined();
  });
});

describe("analytics readers", () => {
  it("accept the plausible field names", () => {
    expect(
      readRunsPerHour({ items: [{ hour: "2026-11-23T10:00:00Z", runs: 4, succeeded: 3, failed: 1 }] }),
    ).toEqual([{ hour: "2026-11-23T10:00:00Z", runs: 4, succeeded: 3, failed: 1 }]);
    expect(readJobStats([{ jobId: "j1", successRate: 95, latency: { p50: 10, p95: 20, p99: 30 } }])).toEqual([
      { job: "j1", successRate: 0.95, p50: 10, p95: 20, p99: 30 },
    ]);
    expect(readRunsPerHour("nonsense")).toEqual([]);
    expect(readJobStats({ items: [{ jobId: "j2", runs: 3, p50Ms: 1, p95Ms: 2, p99Ms: 3 }] })).toEqual([
      { job: "j2", successRate: null, p50: 1, p95: 2, p99: 3 },
    ]);
  });
  it("sums per-day success rows per job and names the jobs", () => {
    const rows = {
      items: [
        { jobId: "j1", day: "2026-11-22", runs: 4, succeeded: 3, successRate: 0.75 },
        { jobId: "j1", day: "2026-11-23", runs: 6, succeeded: 6, successRate: 1 },
      ],
    };
    expect(withNames(readSuccessRate(rows), new Map([["j1", "nightly"]]))).toEqual([
      { job: "nightly", successRate: 0.9, p50: null, p95: null, p99: null },
    ]);
  });
});
