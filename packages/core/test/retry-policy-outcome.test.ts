/** Attempt outcomes: status classification and Retry-After in both forms (pure). */
import { describe, expect, it } from "vitest";
import {
  classifyResponse,
  classifyStatus,
  EMPTY_BODY,
  parseHttpDate,
  parseRetryAfter,
} from "../src/domain/run/outcome.ts";

const NOW = new Date("2026-03-01T12:00:00.000Z");

describe("classifyStatus", () => {
  it.each([
    [200, null],
    [204, null],
    [299, null],
    [301, "http-3xx"],
    [304, "http-3xx"],
    [308, "http-3xx"],
    [400, "http-4xx"],
    [404, "http-4xx"],
    [429, "http-429"],
    [499, "http-4xx"],
    [500, "http-5xx"],
    [503, "http-5xx"],
    [599, "http-5xx"],
    [101, "invalid-response"],
    [600, "invalid-response"],
    [0, "invalid-response"],
  ])("%i → %s", (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});

describe("classifyResponse", () => {
  const facts = { durationMs: 12, ...EMPTY_BODY, now: NOW };

  it("2xx is a success with the response's facts", () => {
    const outcome = classifyResponse({ ...facts, status: 201, headers: { "x-a": "1" }, bodyExcerpt: "ok" });
    expect(outcome).toEqual({
      kind: "succeeded",
      status: 201,
      durationMs: 12,
      headers: { "x-a": "1" },
      bodyExcerpt: "ok",
      bodyBytes: 0,
      bodyTruncated: false,
    });
  });

  it("a 429 carries Retry-After", () => {
    const outcome = classifyResponse({ ...facts, status: 429, headers: { "retry-after": "30" } });
    expect(outcome).toMatchObject({
      kind: "failed",
      errorClass: "http-429",
      status: 429,
      retryAfterMs: 30_000,
    });
  });

  it("a redirect is a failure that names the location and why it is not followed", () => {
    const outcome = classifyResponse({
      ...facts,
      status: 302,
      headers: { location: "http://169.254.169.254/" },
    });
    expect(outcome).toMatchObject({
      kind: "failed",
      errorClass: "http-3xx",
      status: 302,
      retryAfterMs: null,
    });
    expect(outcome.kind === "failed" && outcome.message).toMatch(
      /169\.254\.169\.254.*not followed.*target checks/,
    );
  });
});

describe("Retry-After", () => {
  it.each([
    ["0", 0],
    ["120", 120_000],
    [" 5 ", 5_000],
    ["Sun, 01 Mar 2026 12:02:00 GMT", 120_000], // IMF-fixdate
    ["Sunday, 01-Mar-26 12:00:30 GMT", 30_000], // RFC 850
    ["Sun Mar  1 12:00:10 2026", 10_000], // asctime, read as UTC
    ["Sun, 01 Mar 2026 11:00:00 GMT", 0], // in the past
    ["-5", null],
    ["1.5", null],
    ["soon", null],
    ["Sun, 31 Feb 2026 12:00:00 GMT", null], // no such day
    ["2026-03-01T12:01:00Z", null], // ISO is not an HTTP-date
    [undefined, null],
  ])("%s → %s ms", (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it("reads a two-digit RFC 850 year within 50 years of now", () => {
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", NOW)?.toISOString()).toBe(
      "1994-11-06T08:49:37.000Z",
    );
    expect(parseHttpDate("Monday, 01-Jan-35 00:00:00 GMT", NOW)?.toISOString()).toBe(
      "2035-01-01T00:00:00.000Z",
    );
  });
});
