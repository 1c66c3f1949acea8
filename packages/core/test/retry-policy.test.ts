/** The retry decision: a table of cases, then properties over generated policies and attempts (fast-check). */
import type { RetryOn, RetryPolicy } from "@jobledger/events";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AttemptErrorClass,
  type FailedAttempt,
  failureWithoutResponse,
} from "../src/domain/run/outcome.ts";
import {
  backoffCapMs,
  decideRetry,
  isRetryable,
  MAX_RETRY_AFTER_MS,
  type RetryDecision,
} from "../src/domain/run/retry-policy.ts";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const ALL_RETRY_ON: RetryOn[] = ["network", "timeout", "429", "5xx", "4xx"];
const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxAttempts: 5,
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  multiplier: 2,
  retryOn: ["network", "timeout", "429", "5xx"],
  ...over,
});

function failed(
  errorClass: AttemptErrorClass,
  status: number | null = null,
  retryAfterMs: number | null = null,
) {
  const base = failureWithoutResponse(errorClass, "test", 5);
  return { ...base, status, retryAfterMs } satisfies FailedAttempt;
}

const decide = (p: RetryPolicy, attempt: number, outcome: FailedAttempt, r = 0.5): RetryDecision =>
  decideRetry({ policy: p, attempt, outcome, now: NOW, random: () => r });

describe("decideRetry: table", () => {
  const cases: [string, RetryPolicy, number, FailedAttempt, number, RetryDecision][] = [
    [
      "network, first attempt: half of 1 s",
      policy(),
      1,
      failed("network"),
      0.5,
      { retry: true, delayMs: 500, dueAt: new Date(NOW.getTime() + 500), reason: expect.any(String) },
    ],
    [
      "timeout, third attempt: cap 4 s",
      policy(),
      3,
      failed("timeout"),
      0.25,
      { retry: true, delayMs: 1000, dueAt: new Date(NOW.getTime() + 1000), reason: expect.any(String) },
    ],
    [
      "5xx, cap reached: min(60 s, 1 s * 2^9)",
      policy({ maxAttempts: 20 }),
      10,
      failed("http-5xx", 500),
      0.75,
      { retry: true, delayMs: 45_000, dueAt: new Date(NOW.getTime() + 45_000), reason: expect.any(String) },
    ],
    [
      "random() = 0 gives no delay",
      policy(),
      2,
      failed("network"),
      0,
      expect.objectContaining({ delayMs: 0 }),
    ],
    [
      "4xx not in retryOn",
      policy(),
      1,
      failed("http-4xx", 404),
      0.5,
      { retry: false, reason: "not-retryable" },
    ],
    [
      "4xx in retryOn",
      policy({ retryOn: ["4xx"] }),
      1,
      failed("http-4xx", 409),
      0.5,
      expect.objectContaining({ retry: true, delayMs: 500 }),
    ],
    [
      "429 retried by 4xx too",
      policy({ retryOn: ["4xx"] }),
      1,
      failed("http-429", 429),
      0.5,
      expect.objectContaining({ retry: true }),
    ],
    [
      "429 not retried without 429 or 4xx",
      policy({ retryOn: ["5xx"] }),
      1,
      failed("http-429", 429),
      0.5,
      { retry: false, reason: "not-retryable" },
    ],
    [
      "3xx never",
      policy({ retryOn: ALL_RETRY_ON }),
      1,
      failed("http-3xx", 302),
      0.5,
      { retry: false, reason: "not-retryable" },
    ],
    [
      "refused-target never",
      policy({ retryOn: ALL_RETRY_ON }),
      1,
      failed("refused-target"),
      0.5,
      { retry: false, reason: "not-retryable" },
    ],
    [
      "invalid-response never",
      policy({ retryOn: ALL_RETRY_ON }),
      1,
      failed("invalid-response"),
      0.5,
      { retry: false, reason: "not-retryable" },
    ],
    [
      "last attempt",
      policy({ maxAttempts: 3 }),
      3,
      failed("network"),
      0.5,
      { retry: false, reason: "exhausted" },
    ],
    [
      "maxAttempts 1",
      policy({ maxAttempts: 1 }),
      1,
      failed("timeout"),
      0.5,
      { retry: false, reason: "exhausted" },
    ],
    [
      "not-retryable wins over exhausted",
      policy({ maxAttempts: 1 }),
      1,
      failed("http-3xx", 301),
      0.5,
      { retry: false, reason: "not-retryable" },
    ],
    [
      "429 Retry-After 120 s beats maxDelayMs 60 s",
      policy(),
      1,
      failed("http-429", 429, 120_000),
      0.5,
      {
        retry: true,
        delayMs: 120_000,
        dueAt: new Date(NOW.getTime() + 120_000),
        reason: expect.stringMatching(/Retry-After/),
      },
    ],
    [
      "503 Retry-After honoured",
      policy(),
      2,
      failed("http-5xx", 503, 7_000),
      0.5,
      expect.objectContaining({ retry: true, delayMs: 7_000 }),
    ],
    [
      "Retry-After shorter than the backoff: backoff wins",
      policy(),
      4,
      failed("http-429", 429, 10),
      0.5,
      expect.objectContaining({ retry: true, delayMs: 4_000 }),
    ],
    [
      "500 Retry-After ignored",
      policy(),
      1,
      failed("http-5xx", 500, 90_000),
      0.5,
      expect.objectContaining({ retry: true, delayMs: 500 }),
    ],
    [
      "Retry-After capped at 24 h",
      policy(),
      1,
      failed("http-429", 429, 3 * MAX_RETRY_AFTER_MS),
      0.5,
      expect.objectContaining({ retry: true, delayMs: MAX_RETRY_AFTER_MS }),
    ],
    [
      "initialDelayMs 0",
      policy({ initialDelayMs: 0, maxAttempts: 2000 }),
      1500,
      failed("network"),
      0.9,
      expect.objectContaining({ retry: true, delayMs: 0 }),
    ],
  ];
  it.each(cases)("%s", (_name, p, attempt, outcome, r, expected) => {
    expect(decide(p, attempt, outcome, r)).toEqual(expected);
  });

  it("maps every retryOn entry to the error classes it covers", () => {
    expect(isRetryable(policy({ retryOn: ["network"] }), "network")).toBe(true);
    expect(isRetryable(policy({ retryOn: ["network"] }), "timeout")).toBe(false);
    expect(isRetryable(policy({ retryOn: ["timeout"] }), "timeout")).toBe(true);
    expect(isRetryable(policy({ retryOn: ["429"] }), "http-429")).toBe(true);
    expect(isRetryable(policy({ retryOn: ["429"] }), "http-4xx")).toBe(false);
    expect(isRetryable(policy({ retryOn: ["5xx"] }), "http-5xx")).toBe(true);
    expect(isRetryable(policy({ retryOn: [] }), "http-5xx")).toBe(false);
  });

  it("grows the cap exponentially up to maxDelayMs", () => {
    const p = policy({ initialDelayMs: 100, multiplier: 3, maxDelayMs: 5000 });
    expect([1, 2, 3, 4, 5].map((a) => backoffCapMs(p, a))).toEqual([100, 300, 900, 2700, 5000]);
    expect(backoffCapMs(policy({ multiplier: 2 }), 5000)).toBe(60_000); // 2^4999 is Infinity
  });
});

// ---- properties -------------------------------------------------------------------------------

const arbPolicy = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 50 }),
  initialDelayMs: fc.integer({ min: 0, max: 600_000 }),
  maxDelayMs: fc.integer({ min: 0, max: 86_400_000 }),
  multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
  retryOn: fc.subarray(ALL_RETRY_ON),
});
const arbClass = fc.constantFrom<AttemptErrorClass>(
  "network",
  "timeout",
  "http-429",
  "http-5xx",
  "http-4xx",
  "http-3xx",
  "refused-target",
  "invalid-response",
);
const STATUS: Record<AttemptErrorClass, fc.Arbitrary<number | null>> = {
  network: fc.constant(null),
  timeout: fc.constant(null),
  "http-429": fc.constant(429),
  "http-5xx": fc.integer({ min: 500, max: 599 }),
  "http-4xx": fc.integer({ min: 400, max: 499 }).filter((s) => s !== 429),
  "http-3xx": fc.integer({ min: 300, max: 399 }),
  "refused-target": fc.constant(null),
  "invalid-response": fc.constant(null),
};
const arbOutcome = arbClass.chain((errorClass) =>
  fc
    .tuple(STATUS[errorClass], fc.option(fc.integer({ min: 0, max: 10 * MAX_RETRY_AFTER_MS })))
    .map(([status, retryAfterMs]) => failed(errorClass, status, retryAfterMs)),
);
const arbRandom = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe("decideRetry: properties", () => {
  it("delays stay within [0, cap] unless Retry-After asks for more (then exactly it, at most 24 h)", () => {
    fc.assert(
      fc.property(
        arbPolicy,
        fc.integer({ min: 1, max: 60 }),
        arbOutcome,
        arbRandom,
        (p, attempt, outcome, r) => {
          const d = decideRetry({ policy: p, attempt, outcome, now: NOW, random: () => r });
          if (!d.retry) return;
          const cap = backoffCapMs(p, attempt);
          expect(Number.isInteger(d.delayMs)).toBe(true);
          expect(d.dueAt.getTime()).toBe(NOW.getTime() + d.delayMs);
          const honoured =
            (outcome.errorClass === "http-429" || outcome.status === 503) && outcome.retryAfterMs !== null;
          if (d.delayMs > cap) {
            expect(honoured).toBe(true);
            expect(d.delayMs).toBe(Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
          } else {
            expect(d.delayMs).toBeGreaterThanOrEqual(0);
          }
          expect(cap).toBeLessThanOrEqual(Math.max(p.maxDelayMs, 0));
        },
      ),
    );
  });

  it("never retries once attempt >= maxAttempts, and never a class outside retryOn", () => {
    fc.assert(
      fc.property(
        arbPolicy,
        fc.integer({ min: 1, max: 100 }),
        arbOutcome,
        arbRandom,
        (p, attempt, outcome, r) => {
          const d = decideRetry({ policy: p, attempt, outcome, now: NOW, random: () => r });
          if (attempt >= p.maxAttempts) expect(d.retry).toBe(false);
          if (!isRetryable(p, outcome.errorClass))
            expect(d).toEqual({ retry: false, reason: "not-retryable" });
          if (d.retry) expect(attempt).toBeLessThan(p.maxAttempts);
        },
      ),
    );
  });

  it("a run following the decisions makes at most maxAttempts attempts", () => {
    fc.assert(
      fc.property(arbPolicy, arbOutcome, arbRandom, (p, outcome, r) => {
        let attempt = 1;
        for (;;) {
          const d = decideRetry({ policy: p, attempt, outcome, now: NOW, random: () => r });
          if (!d.retry) break;
          attempt++;
        }
        expect(attempt).toBeLessThanOrEqual(p.maxAttempts);
      }),
    );
  });

  it("a 429 or 503 with Retry-After waits at least Retry-After (capped at 24 h)", () => {
    const arbRetryAfter = fc.tuple(
      fc.constantFrom(429, 503),
      fc.integer({ min: 0, max: 3 * MAX_RETRY_AFTER_MS }),
    );
    fc.assert(
      fc.property(arbPolicy, arbRetryAfter, arbRandom, (p, [status, retryAfterMs], r) => {
        const retrying: RetryPolicy = {
          ...p,
          maxAttempts: Math.max(p.maxAttempts, 2),
          retryOn: ALL_RETRY_ON,
        };
        const outcome = failed(status === 429 ? "http-429" : "http-5xx", status, retryAfterMs);
        const d = decideRetry({ policy: retrying, attempt: 1, outcome, now: NOW, random: () => r });
        expect(d.retry).toBe(true);
        if (d.retry) {
          expect(d.delayMs).toBeGreaterThanOrEqual(Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
          expect(d.delayMs).toBeLessThanOrEqual(Math.max(MAX_RETRY_AFTER_MS, backoffCapMs(retrying, 1)));
        }
      }),
    );
  });

  it("is full jitter: the delay is random() times the cap, floored", () => {
    fc.assert(
      fc.property(arbPolicy, fc.integer({ min: 1, max: 30 }), arbRandom, (p, attempt, r) => {
        const retrying: RetryPolicy = { ...p, maxAttempts: attempt + 1, retryOn: ["network"] };
        const d = decideRetry({
          policy: retrying,
          attempt,
          outcome: failed("network"),
          now: NOW,
          random: () => r,
        });
        expect(d).toMatchObject({ retry: true, delayMs: Math.floor(r * backoffCapMs(retrying, attempt)) });
      }),
    );
  });
});
