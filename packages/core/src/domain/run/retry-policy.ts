/**
 * The retry decision after a failed attempt (pure, no I/O; randomness and time injected).
 *
 * - Which failures retry is the job's `retryOn` list: `network`, `timeout`, `429`, `5xx`,
 *   `4xx` (a 429 is a client error too, so `4xx` also covers it). `refused-target`,
 *   `http-3xx` and `invalid-response` never retry: repeating them cannot help.
 * - Delay: exponential backoff with full jitter,
 *   `delay = random() * min(maxDelayMs, initialDelayMs * multiplier^(attempt-1))`, so many
 *   runs failing at once spread their retries instead of hammering the target together.
 * - A 429 or 503 with `Retry-After` waits at least that long (capped at 24 h), even beyond
 *   `maxDelayMs`: the target said when it can take the request again.
 * - No retry once `attempt >= maxAttempts` (`maxAttempts` counts the first attempt).
 */
import type { RetryOn, RetryPolicy } from "@jobledger/events";
import type { AttemptErrorClass, FailedAttempt } from "./outcome.ts";

/** The longest `Retry-After` honoured: one day. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

export type RetryDecision =
  | { retry: true; delayMs: number; dueAt: Date; reason: string }
  | { retry: false; reason: "exhausted" | "not-retryable" };

export interface RetryInput {
  policy: RetryPolicy;
  /** the 1-based number of the attempt that just failed */
  attempt: number;
  outcome: FailedAttempt;
  now: Date;
  /** a number in [0, 1); `Math.random` in production, fixed or generated in tests */
  random: () => number;
}

/** The `retryOn` entries that make an error class retryable (empty: never retried). */
const RETRY_ON_FOR: Record<AttemptErrorClass, readonly RetryOn[]> = {
  network: ["network"],
  timeout: ["timeout"],
  "http-429": ["429", "4xx"],
  "http-5xx": ["5xx"],
  "http-4xx": ["4xx"],
  "http-3xx": [],
  "refused-target": [],
  "invalid-response": [],
};

/** True when the policy retries failures of this class. */
export function isRetryable(policy: RetryPolicy, errorClass: AttemptErrorClass): boolean {
  return RETRY_ON_FOR[errorClass].some((on) => policy.retryOn.includes(on));
}

/** The upper bound of the jittered delay after `attempt`: `min(max, initial * multiplier^(attempt-1))`. */
export function backoffCapMs(policy: RetryPolicy, attempt: number): number {
  const initial = Math.max(0, policy.initialDelayMs);
  const max = Math.max(0, policy.maxDelayMs);
  if (initial === 0) return 0; // avoids 0 * Infinity = NaN for huge exponents
  const grown = initial * Math.max(1, policy.multiplier) ** Math.max(0, attempt - 1);
  return Math.min(max, grown);
}

/** True for the responses whose `Retry-After` the policy honours (429, 503). */
function honoursRetryAfter(outcome: FailedAttempt): boolean {
  return outcome.errorClass === "http-429" || outcome.status === 503;
}

/** Decides whether and when to retry after a failed attempt. */
export function decideRetry(input: RetryInput): RetryDecision {
  const { policy, attempt, outcome, now } = input;
  if (!isRetryable(policy, outcome.errorClass)) return { retry: false, reason: "not-retryable" };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: "exhausted" };

  const cap = backoffCapMs(policy, attempt);
  const r = input.random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  let delayMs = Math.floor(unit * cap);
  let why = `${outcome.errorClass}: attempt ${attempt + 1} of ${policy.maxAttempts} after ${delayMs} ms backoff (cap ${cap} ms)`;

  if (honoursRetryAfter(outcome) && outcome.retryAfterMs !== null) {
    const wanted = Math.min(Math.max(0, outcome.retryAfterMs), MAX_RETRY_AFTER_MS);
    if (wanted > delayMs) {
      delayMs = wanted;
      why = `${outcome.errorClass}: attempt ${attempt + 1} of ${policy.maxAttempts} after ${delayMs} ms, as Retry-After asks`;
    }
  }
  return { retry: true, delayMs, dueAt: new Date(now.getTime() + delayMs), reason: why };
}
