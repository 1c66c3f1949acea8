/** Job definition validation: every field rule, its path and a message that names the field. */
import { describe, expect, it } from "vitest";
import {
  cronProblem,
  isKnownTimeZone,
  JobDefinitionInput,
  JobPatchInput,
  LIMITS,
  parseInstant,
  parseJobDefinition,
  parseJobPatch,
  validationIssues,
} from "../src/domain/job/definition.ts";
import { validInput } from "./domain-job-support.ts";

type Json = Record<string, unknown>;

/** A copy of `input` with the value at a dotted path set (or removed with `undefined`). */
function withValue(input: Json, path: string, value: unknown): Json {
  const copy = structuredClone(input);
  const keys = path.split(".");
  const last = keys.pop() as string;
  let at: Json = copy;
  for (const key of keys) {
    at[key] ??= {};
    at = at[key] as Json;
  }
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

const GET = { method: "GET", url: "https://api.example.com/x" };
const base = validInput() as unknown as Json;

function issuesFor(input: unknown) {
  const parsed = parseJobDefinition(input);
  if (parsed.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  return parsed.issues;
}

// [what, field path set, value, issue path, message pattern]
const refused: [string, string, unknown, string, RegExp][] = [
  ["missing name", "name", undefined, "name", /^name is required$/],
  ["empty name", "name", "   ", "name", /^name must not be empty$/],
  ["long name", "name", "n".repeat(201), "name", /^name must be at most 200 characters$/],
  ["numeric name", "name", 7, "name", /^name must be a string$/],
  ["long description", "description", "d".repeat(2001), "description", /at most 2000/],
  [
    "unknown method",
    "request.method",
    "FETCH",
    "request.method",
    /^request\.method must be one of GET, HEAD/,
  ],
  ["missing url", "request.url", undefined, "request.url", /^request\.url is required$/],
  ["ftp url", "request.url", "ftp://example.com/file", "request.url", /must use http or https, not ftp/],
  ["relative url", "request.url", "/reports", "request.url", /must be an absolute URL/],
  ["url with spaces", "request.url", "https://example.com/a b", "request.url", /whitespace/],
  ["long url", "request.url", `https://example.com/${"a".repeat(2048)}`, "request.url", /at most 2048/],
  ["url with credentials", "request.url", "https://user:secret@example.com/", "request.url", /credentials/],
  ["header name not a token", "request.headers", { "X Bad": "1" }, "request.headers.X Bad", /RFC 9110 token/],
  ["Host header", "request.headers", { Host: "evil" }, "request.headers.Host", /hop-by-hop/],
  [
    "Content-Length header",
    "request.headers",
    { "content-length": "1" },
    "request.headers.content-length",
    /hop-by-hop/,
  ],
  [
    "Connection header",
    "request.headers",
    { Connection: "close" },
    "request.headers.Connection",
    /hop-by-hop/,
  ],
  [
    "Transfer-Encoding header",
    "request.headers",
    { "Transfer-Encoding": "chunked" },
    "request.headers.Transfer-Encoding",
    /hop-by-hop/,
  ],
  [
    "Idempotency-Key header",
    "request.headers",
    { "Idempotency-Key": "k" },
    "request.headers.Idempotency-Key",
    /runner/,
  ],
  ["header value with CRLF", "request.headers", { "X-A": "a\r\nX-B: b" }, "request.headers.X-A", /CR, LF/],
  ["header value not a string", "request.headers", { "X-A": 1 }, "request.headers.X-A", /request\.headers/],
  ["same header twice", "request.headers", { "X-A": "1", "x-a": "2" }, "request.headers.x-a", /given twice/],
  [
    "51 headers",
    "request.headers",
    Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`X-H${i}`, "v"])),
    "request.headers",
    /at most 50 headers/,
  ],
  ["body over 256 KiB", "request.body", "b".repeat(LIMITS.bodyMaxBytes + 1), "request.body", /256 KiB/],
  [
    "body over 256 KiB in UTF-8",
    "request.body",
    "é".repeat(LIMITS.bodyMaxBytes / 2 + 1),
    "request.body",
    /256 KiB/,
  ],
  [
    "negative timeout",
    "request.timeoutMs",
    -1,
    "request.timeoutMs",
    /^request\.timeoutMs must be from 1 to 900000$/,
  ],
  ["zero timeout", "request.timeoutMs", 0, "request.timeoutMs", /from 1 to 900000/],
  ["fractional timeout", "request.timeoutMs", 1.5, "request.timeoutMs", /integer/],
  ["timeout over 15 min", "request.timeoutMs", 900_001, "request.timeoutMs", /from 1 to 900000/],
  [
    "timeout as text",
    "request.timeoutMs",
    "30s",
    "request.timeoutMs",
    /^request\.timeoutMs must be a number$/,
  ],
  ["unknown request field", "request.query", "a=1", "request.query", /^request\.query is not a known field$/],
  ["missing schedule", "schedule", undefined, "schedule", /^schedule is required$/],
  ["schedule not an object", "schedule", "daily", "schedule", /^schedule must be an object$/],
  [
    "unknown schedule type",
    "schedule",
    { type: "weekly" },
    "schedule.type",
    /^schedule\.type must be one of cron, rate, once$/,
  ],
  ["schedule without type", "schedule", { everySeconds: 5 }, "schedule.type", /^schedule\.type is required$/],
  [
    "bad cron minute",
    "schedule.expression",
    "61 * * * *",
    "schedule.expression",
    /Invalid value for minute: 61/,
  ],
  [
    "cron with a year field",
    "schedule.expression",
    "0 0 0 1 1 * 2030",
    "schedule.expression",
    /5 or 6 parts/,
  ],
  [
    "cron gibberish",
    "schedule.expression",
    "every day",
    "schedule.expression",
    /not a valid cron expression/,
  ],
  ["cron with ?", "schedule.expression", "? * * * *", "schedule.expression", /'\?' is not supported/],
  [
    "unknown time zone",
    "schedule.timezone",
    "Mars/Olympus_Mons",
    "schedule.timezone",
    /"Mars\/Olympus_Mons" is not a known IANA/,
  ],
  ["empty time zone", "schedule.timezone", "", "schedule.timezone", /not a known IANA time zone/],
  [
    "unknown schedule field",
    "schedule.jitter",
    5,
    "schedule.jitter",
    /^schedule\.jitter is not a known field$/,
  ],
  [
    "retry maxAttempts 0",
    "retry.maxAttempts",
    0,
    "retry.maxAttempts",
    /^retry\.maxAttempts must be from 1 to 50$/,
  ],
  ["retry maxAttempts 51", "retry.maxAttempts", 51, "retry.maxAttempts", /from 1 to 50/],
  [
    "retry zero delay",
    "retry.initialDelayMs",
    0,
    "retry.initialDelayMs",
    /^retry\.initialDelayMs must be positive$/,
  ],
  [
    "retry negative max delay",
    "retry.maxDelayMs",
    -5,
    "retry.maxDelayMs",
    /^retry\.maxDelayMs must be positive$/,
  ],
  [
    "retry initial above max",
    "retry.initialDelayMs",
    400_000,
    "retry.initialDelayMs",
    /not be greater than retry\.maxDelayMs/,
  ],
  [
    "retry multiplier below 1",
    "retry.multiplier",
    0.5,
    "retry.multiplier",
    /^retry\.multiplier must be from 1 to 10$/,
  ],
  ["retry multiplier above 10", "retry.multiplier", 11, "retry.multiplier", /from 1 to 10/],
  ["retry on nothing", "retry.retryOn", [], "retry.retryOn", /at least one/],
  ["retry on teapots", "retry.retryOn", ["418"], "retry.retryOn.0", /retry\.retryOn entries must be one of/],
  ["unknown retry field", "retry.jitter", true, "retry.jitter", /not a known field/],
  [
    "unknown overlap",
    "overlap",
    "never",
    "overlap",
    /^overlap must be one of skip, queue, allow, cancel-previous$/,
  ],
  ["21 tags", "tags", Array.from({ length: 21 }, (_, i) => `t${i}`), "tags", /at most 20/],
  ["duplicate tag", "tags", ["a", "b", "a"], "tags.2", /tags holds "a" twice/],
  ["tag with a bad first character", "tags", ["-x"], "tags.0", /tags entries must be/],
  ["tag too long", "tags", [`t${"x".repeat(63)}`], "tags.0", /tags entries must be/],
  ["unknown top-level field", "owner", "bob", "owner", /^owner is not a known field$/],
  ["a field named constructor", "constructor", 1, "constructor", /^constructor is not a known field$/],
  [
    "startAt without an offset",
    "schedule.startAt",
    "2026-11-23T12:00:00",
    "schedule.startAt",
    /^schedule\.startAt must be an ISO-8601 instant with an offset or Z/,
  ],
  ["startAt as a number", "schedule.startAt", 1_700_000_000, "schedule.startAt", /must be a string or null$/],
  [
    "endAt on an impossible date",
    "schedule.endAt",
    "2026-02-30T00:00:00Z",
    "schedule.endAt",
    /^schedule\.endAt must be an ISO-8601 instant/,
  ],
  [
    "negative jitter",
    "schedule.jitterSeconds",
    -1,
    "schedule.jitterSeconds",
    /^schedule\.jitterSeconds must be from 0 to 3600$/,
  ],
  ["jitter over an hour", "schedule.jitterSeconds", 3601, "schedule.jitterSeconds", /from 0 to 3600/],
  ["fractional jitter", "schedule.jitterSeconds", 1.5, "schedule.jitterSeconds", /must be an integer/],
  ["jitter as text", "schedule.jitterSeconds", "5", "schedule.jitterSeconds", /must be a number$/],
  [
    "unknown DST rule",
    "schedule.dst.nonexistent",
    "later",
    "schedule.dst.nonexistent",
    /^schedule\.dst\.nonexistent must be one of run-after, skip$/,
  ],
  [
    "unknown DST repeat rule",
    "schedule.dst.repeated",
    "second",
    "schedule.dst.repeated",
    /^schedule\.dst\.repeated must be one of first, both$/,
  ],
  ["DST as text", "schedule.dst", "skip", "schedule.dst", /^schedule\.dst must be an object$/],
  [
    "unknown DST field",
    "schedule.dst.gap",
    "skip",
    "schedule.dst.gap",
    /^schedule\.dst\.gap is not a known field$/,
  ],
  ["concurrency 0", "concurrency", 0, "concurrency", /^concurrency must be from 1 to 100, or null$/],
  ["concurrency 101", "concurrency", 101, "concurrency", /from 1 to 100/],
  ["fractional concurrency", "concurrency", 1.5, "concurrency", /must be an integer/],
  ["concurrency as text", "concurrency", "2", "concurrency", /^concurrency must be a number or null$/],
  ["catch-up as a number", "catchUp", 3, "catchUp", /^catchUp must be an object$/],
  [
    "negative catch-up window",
    "catchUp.windowSeconds",
    -1,
    "catchUp.windowSeconds",
    /^catchUp\.windowSeconds must be from 0 to 604800 \(7 days\)$/,
  ],
  ["catch-up window over 7 days", "catchUp.windowSeconds", 7 * 86_400 + 1, "catchUp.windowSeconds", /7 days/],
  [
    "catch-up of 101 runs",
    "catchUp.maxRuns",
    101,
    "catchUp.maxRuns",
    /^catchUp\.maxRuns must be from 0 to 100$/,
  ],
  ["fractional catch-up runs", "catchUp.maxRuns", 0.5, "catchUp.maxRuns", /must be an integer/],
  ["unknown catch-up field", "catchUp.since", 1, "catchUp.since", /^catchUp\.since is not a known field$/],
];

describe("JobDefinitionInput refuses", () => {
  it.each(refused)("%s", (_what, path, value, issuePath, pattern) => {
    const issues = issuesFor(withValue(base, path, value));
    const issue = issues.find((i) => i.path === issuePath);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(pattern);
    // every message names its field (at least its top-level part)
    expect(issue?.message).toContain(issuePath.split(".")[0]);
  });

  it("a body with GET or HEAD", () => {
    for (const method of ["GET", "HEAD"]) {
      const issues = issuesFor(withValue(base, "request", { ...GET, method, body: "x" }));
      expect(issues).toEqual([
        { path: "request.body", message: `request.body is not allowed with ${method}` },
      ]);
    }
  });

  it("rates outside 1 s .. 31 days and fractional rates", () => {
    for (const everySeconds of [0, 31 * 86_400 + 1, 1.5, -60]) {
      const issues = issuesFor(withValue(base, "schedule", { type: "rate", everySeconds }));
      expect(issues[0]?.path).toBe("schedule.everySeconds");
      expect(issues[0]?.message).toMatch(/^schedule\.everySeconds must be/);
    }
  });

  it("once schedules without an offset or on impossible dates", () => {
    for (const at of [
      "2026-11-23T12:00:00",
      "2026-02-30T10:00:00Z",
      "2026-11-23",
      "tomorrow",
      "2026-11-23T25:00:00Z",
    ]) {
      const issues = issuesFor(withValue(base, "schedule", { type: "once", at }));
      expect(issues, at).toEqual([
        {
          path: "schedule.at",
          message: "schedule.at must be an ISO-8601 instant with an offset or Z (e.g. 2026-11-23T12:00:00Z)",
        },
      ]);
    }
  });

  it("bounds that end before they start", () => {
    for (const endAt of ["2026-01-01T00:00:00Z", "2025-12-31T23:00:00Z"]) {
      const issues = issuesFor(
        withValue(withValue(base, "schedule.startAt", "2026-01-01T01:00:00+01:00"), "schedule.endAt", endAt),
      );
      expect(issues, endAt).toEqual([
        { path: "schedule.endAt", message: "schedule.endAt must be after schedule.startAt" },
      ]);
    }
  });

  it("a once schedule outside its bounds (end exclusive)", () => {
    const at = "2026-11-23T12:00:00.000Z";
    for (const bounds of [{ startAt: "2026-11-23T12:00:00.001Z" }, { endAt: at }]) {
      const issues = issuesFor(withValue(base, "schedule", { type: "once", at, ...bounds }));
      expect(issues, JSON.stringify(bounds)).toEqual([
        {
          path: "schedule.at",
          message: "schedule.at is outside schedule.startAt..schedule.endAt, so the job would never fire",
        },
      ]);
    }
  });

  it("a DST policy on a rate or once schedule", () => {
    for (const schedule of [
      { type: "rate", everySeconds: 60, dst: { nonexistent: "skip" } },
      { type: "once", at: "2026-11-23T12:00:00Z", dst: {} },
    ]) {
      expect(issuesFor(withValue(base, "schedule", schedule))).toEqual([
        { path: "schedule.dst", message: "schedule.dst applies to cron schedules only" },
      ]);
    }
  });

  it("jitter as long as a rate's period (runs could start out of order)", () => {
    const issues = issuesFor(
      withValue(base, "schedule", { type: "rate", everySeconds: 60, jitterSeconds: 60 }),
    );
    expect(issues).toEqual([
      {
        path: "schedule.jitterSeconds",
        message:
          "schedule.jitterSeconds must be less than schedule.everySeconds (or runs could start out of order)",
      },
    ]);
  });

  it("anything that is not an object", () => {
    for (const input of [null, "job", 42, []]) {
      expect(issuesFor(input)).toEqual([{ path: "", message: "the job definition must be an object" }]);
    }
  });

  it("reports every problem at once", () => {
    const issues = issuesFor({ name: "", request: { method: "GET", url: "ftp://x" }, extra: 1 });
    expect(issues.map((i) => i.path)).toEqual(["name", "request.url", "schedule", "extra"]);
  });
});

describe("JobDefinitionInput accepts", () => {
  it("the smallest definition and fills in the defaults", () => {
    const parsed = JobDefinitionInput.parse({
      name: " ping ",
      request: GET,
      schedule: { type: "rate", everySeconds: 60 },
    });
    expect(parsed).toEqual({
      name: "ping",
      description: null,
      request: { ...GET, headers: {}, body: null, timeoutMs: 30_000 },
      schedule: { type: "rate", everySeconds: 60, startAt: null, endAt: null, jitterSeconds: 0 },
      retry: {
        maxAttempts: 3,
        initialDelayMs: 1000,
        maxDelayMs: 300_000,
        multiplier: 2,
        retryOn: ["network", "timeout", "429", "5xx"],
      },
      overlap: "skip",
      concurrency: null,
      catchUp: { windowSeconds: 3600, maxRuns: 1 },
      tags: [],
    });
  });

  it("a cron schedule's DST policy, defaulted as a whole or field by field", () => {
    const cron = { type: "cron", expression: "30 2 * * *", timezone: "Europe/Berlin" };
    const dstOf = (schedule: Json) => {
      const parsed = JobDefinitionInput.parse(withValue(base, "schedule", schedule)).schedule;
      return parsed.type === "cron" ? parsed.dst : null;
    };
    expect(dstOf(cron)).toEqual({ nonexistent: "run-after", repeated: "first" });
    expect(dstOf({ ...cron, dst: {} })).toEqual({ nonexistent: "run-after", repeated: "first" });
    expect(dstOf({ ...cron, dst: { repeated: "both" } })).toEqual({
      nonexistent: "run-after",
      repeated: "both",
    });
    expect(dstOf({ ...cron, dst: { nonexistent: "skip", repeated: "both" } })).toEqual({
      nonexistent: "skip",
      repeated: "both",
    });
  });

  it("schedule bounds with offsets, normalised to UTC, and jitter", () => {
    const parsed = JobDefinitionInput.parse(
      withValue(base, "schedule", {
        type: "rate",
        everySeconds: 3601,
        startAt: "2026-03-29T02:30:00+02:00",
        endAt: "2026-04-01T00:00Z",
        jitterSeconds: 3600,
      }),
    );
    expect(parsed.schedule).toEqual({
      type: "rate",
      everySeconds: 3601,
      startAt: "2026-03-29T00:30:00.000Z",
      endAt: "2026-04-01T00:00:00.000Z",
      jitterSeconds: 3600,
    });
  });

  it("a once schedule inside its bounds (start inclusive)", () => {
    const at = "2026-11-23T12:00:00.000Z";
    const parsed = parseJobDefinition(
      withValue(base, "schedule", { type: "once", at, startAt: at, endAt: "2026-11-23T12:00:00.001Z" }),
    );
    expect(parsed.ok ? [] : parsed.issues).toEqual([]);
  });

  it("concurrency and catch-up, partial catch-up filled from the defaults", () => {
    const parsed = JobDefinitionInput.parse({ ...base, concurrency: 5, catchUp: { maxRuns: 0 } });
    expect(parsed.concurrency).toBe(5);
    expect(parsed.catchUp).toEqual({ windowSeconds: 3600, maxRuns: 0 });
    expect(JobDefinitionInput.parse({ ...base, concurrency: null }).concurrency).toBeNull();
  });

  it("5-field and 6-field cron expressions in IANA zones and UTC", () => {
    for (const [expression, timezone] of [
      ["*/5 * * * *", "UTC"],
      ["0 30 9 * * MON-FRI", "America/New_York"],
      ["0 0 L * *", "Europe/Berlin"],
      ["15 2 * * 0", "Asia/Kolkata"],
      ["0 8 * * *", "Europe/Kyiv"],
    ]) {
      const parsed = parseJobDefinition(withValue(base, "schedule", { type: "cron", expression, timezone }));
      expect(parsed.ok, `${expression} ${timezone}`).toBe(true);
    }
  });

  it("a once instant with an offset, normalised to UTC", () => {
    const parsed = JobDefinitionInput.parse(
      withValue(base, "schedule", { type: "once", at: "2026-03-29T02:30:00+02:00" }),
    );
    expect(parsed.schedule).toEqual({
      type: "once",
      at: "2026-03-29T00:30:00.000Z",
      startAt: null,
      endAt: null,
      jitterSeconds: 0,
    });
  });

  it("a retryOn set, de-duplicated in canonical order, and partial retry policies", () => {
    const parsed = JobDefinitionInput.parse(
      withValue(base, "retry", { maxAttempts: 5, retryOn: ["5xx", "network", "5xx"] }),
    );
    expect(parsed.retry).toEqual({ ...parsed.retry, maxAttempts: 5, retryOn: ["network", "5xx"] });
    expect(parsed.retry.initialDelayMs).toBe(1000);
  });

  it("limits exactly at their bounds", () => {
    const atLimits = {
      name: "n".repeat(200),
      description: "d".repeat(2000),
      request: {
        method: "PUT",
        url: `https://example.com/${"a".repeat(2048 - 20)}`,
        headers: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`X-H${i}`, "v"])),
        body: "b".repeat(LIMITS.bodyMaxBytes),
        timeoutMs: 900_000,
      },
      schedule: { type: "rate", everySeconds: 31 * 86_400, jitterSeconds: 3600 },
      retry: { maxAttempts: 50, initialDelayMs: 1, maxDelayMs: 1, multiplier: 10, retryOn: ["4xx"] },
      overlap: "cancel-previous",
      concurrency: 100,
      catchUp: { windowSeconds: 7 * 86_400, maxRuns: 100 },
      tags: Array.from({ length: 20 }, (_, i) => `env:prod.${i}_x-y`),
    };
    expect(atLimits.request.url).toHaveLength(2048);
    const parsed = parseJobDefinition(atLimits);
    expect(parsed.ok ? [] : parsed.issues).toEqual([]);
  });

  it("limits at their lower bounds", () => {
    const parsed = parseJobDefinition({
      ...base,
      schedule: { type: "rate", everySeconds: 1, jitterSeconds: 0 },
      concurrency: 1,
      catchUp: { windowSeconds: 0, maxRuns: 0 },
    });
    expect(parsed.ok ? [] : parsed.issues).toEqual([]);
  });

  it("its own output unchanged (validation is idempotent)", () => {
    const once = JobDefinitionInput.parse(validInput({ description: "  x  ", tags: ["b", "a"] }));
    expect(JobDefinitionInput.parse(once)).toEqual(once);
    const bounded = JobDefinitionInput.parse(
      validInput({
        schedule: {
          type: "cron",
          expression: "0 3 * * *",
          timezone: "UTC",
          startAt: "2026-01-01T01:00:00+01:00",
          dst: { nonexistent: "skip" },
        },
        catchUp: { windowSeconds: 60 },
      }),
    );
    expect(JobDefinitionInput.parse(bounded)).toEqual(bounded);
  });
});

describe("JobPatchInput", () => {
  it("takes any one field, partial request and retry, and null to clear", () => {
    expect(parseJobPatch({ name: "x" })).toEqual({ ok: true, value: { name: "x" } });
    expect(
      JobPatchInput.parse({
        request: { url: "https://b.example" },
        retry: { maxAttempts: 2 },
        description: null,
      }),
    ).toEqual({
      request: { url: "https://b.example" },
      retry: { maxAttempts: 2 },
      description: null,
    });
  });

  it("takes concurrency (null clears it) and partial catch-up policies", () => {
    expect(parseJobPatch({ concurrency: null })).toEqual({ ok: true, value: { concurrency: null } });
    expect(parseJobPatch({ concurrency: 4, catchUp: { maxRuns: 3 } })).toEqual({
      ok: true,
      value: { concurrency: 4, catchUp: { maxRuns: 3 } },
    });
    expect(parseJobPatch({ catchUp: { windowSeconds: -1, extra: 1 } })).toEqual({
      ok: false,
      issues: [
        { path: "catchUp.windowSeconds", message: "catchUp.windowSeconds must be from 0 to 604800 (7 days)" },
        { path: "catchUp.extra", message: "catchUp.extra is not a known field" },
      ],
    });
    // a merge patch's null removes the field, so the merged definition takes the default
    expect(parseJobPatch({ catchUp: null })).toEqual({ ok: true, value: { catchUp: null } });
  });

  it("refuses an empty patch, unknown fields and bad values with their paths", () => {
    expect(parseJobPatch({})).toEqual({
      ok: false,
      issues: [{ path: "", message: "the patch must change at least one field" }],
    });
    expect(parseJobPatch({ request: { url: "https://b.example", verb: "GET" } })).toEqual({
      ok: false,
      issues: [{ path: "request.verb", message: "request.verb is not a known field" }],
    });
    expect(
      parseJobPatch({ schedule: { type: "cron", expression: "* * * * *", timezone: "Nowhere/City" } }),
    ).toMatchObject({
      ok: false,
      issues: [{ path: "schedule.timezone" }],
    });
    expect(parseJobPatch({ name: 42 })).toEqual({
      ok: false,
      issues: [{ path: "name", message: "name must be a string" }],
    });
    expect(parseJobPatch({ schedule: { everySeconds: "often", dst: { repeated: "twice" } } })).toMatchObject({
      ok: false,
      issues: [{ path: "schedule.dst.repeated" }, { path: "schedule.everySeconds" }],
    });
    expect(parseJobPatch({ request: { headers: { "X-A": 1 } } })).toMatchObject({
      ok: false,
      issues: [{ path: "request.headers.X-A" }],
    });
  });

  it("takes a part of a schedule and null for any field (RFC 7396: null removes)", () => {
    expect(parseJobPatch({ schedule: { expression: "0 3 * * *" } })).toEqual({
      ok: true,
      value: { schedule: { expression: "0 3 * * *" } },
    });
    expect(
      parseJobPatch({ name: null, schedule: { jitterSeconds: null }, request: { headers: { "X-A": null } } }),
    ).toEqual({
      ok: true,
      value: { name: null, schedule: { jitterSeconds: null }, request: { headers: { "X-A": null } } },
    });
  });
});

describe("helpers", () => {
  it("validationIssues lists unknown fields one by one with their paths", () => {
    const result = JobDefinitionInput.safeParse({ ...validInput(), a: 1, b: 2 });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(validationIssues(result.error)).toEqual([
        { path: "a", message: "a is not a known field" },
        { path: "b", message: "b is not a known field" },
      ]);
    }
  });

  it("isKnownTimeZone takes Intl's zones, UTC and current names of legacy ids, not offsets", () => {
    for (const zone of ["Europe/Berlin", "UTC", "Etc/UTC", "Asia/Kolkata", "Asia/Calcutta", "Europe/Kyiv"]) {
      expect(isKnownTimeZone(zone), zone).toBe(true);
    }
    for (const zone of ["Mars/Olympus_Mons", "+02:00", "CEST", "", "Europe/Berlin "]) {
      expect(isKnownTimeZone(zone), zone).toBe(false);
    }
  });

  it("cronProblem passes croner's message through", () => {
    expect(cronProblem("0 9 * * 1-5")).toBeNull();
    expect(cronProblem("* * *")).toMatch(/^CronPattern: /);
  });

  it("parseInstant reads offsets and refuses impossible dates", () => {
    expect(parseInstant("2026-11-23T12:00Z")?.toISOString()).toBe("2026-11-23T12:00:00.000Z");
    expect(parseInstant("2026-11-23T12:00:00.123456-05:30")?.toISOString()).toBe("2026-11-23T17:30:00.123Z");
    expect(parseInstant("2028-02-29T00:00:00Z")).not.toBeNull();
    expect(parseInstant("2026-02-29T00:00:00Z")).toBeNull();
  });
});
