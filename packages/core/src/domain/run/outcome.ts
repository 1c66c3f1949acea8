/**
 * The outcome of one HTTP attempt and how a response is classified (pure, no I/O).
 *
 * - 2xx is a success; everything else is a failure with an `errorClass` that the retry
 *   policy maps to the job's `retryOn` list.
 * - Redirects are NOT followed: a 3xx is the failure `http-3xx` and never retried. Following
 *   a redirect would send the request (with its headers, body and signature) to a URL that
 *   was never checked against the SSRF target rules: a public target could redirect the
 *   runner to `http://169.254.169.254/` or to an internal service. A job whose target moved
 *   should be updated to the new URL, where the checks run again.
 * - `Retry-After` is read from every failed response, both as delta-seconds and as an
 *   HTTP-date (relative to a given `now`); the retry policy decides when it applies.
 * - The whole body is not part of an outcome: the runner stores it as an object before the
 *   outcome is recorded, and the outcome carries only the reference (`body`).
 */
import type { AttemptBodyRef } from "@jobledger/events";
import { isStorableText, toStorableText, toStorableValue } from "../text/storable-text.ts";

/** Why an attempt failed. */
export type AttemptErrorClass =
  /** DNS failure, connection refused/reset, TLS failure: no HTTP response */
  | "network"
  /** the job's `timeoutMs` passed before the whole exchange (connect, headers, body) ended */
  | "timeout"
  | "http-429"
  | "http-5xx"
  | "http-4xx"
  /** redirects are not followed (see the module comment) */
  | "http-3xx"
  /** the URL or an address it resolved to is forbidden by the SSRF target rules */
  | "refused-target"
  /** the target answered something that is not valid HTTP, or a status outside 200–599 */
  | "invalid-response";

/** What the executor read of a response body. */
export interface BodyRead {
  /**
   * the first bytes of the body decoded as UTF-8, cut on a character boundary, as storable
   * text (NUL and bytes that are not UTF-8 are U+FFFD; ADR 0010)
   */
  bodyExcerpt: string;
  /** body bytes received; reading stops at the executor's cap, so this is at most that cap */
  bodyBytes: number;
  /** true when `bodyExcerpt` does not hold the whole body */
  bodyTruncated: boolean;
  /** true when bytes were replaced to make `bodyExcerpt` storable text (absent: none were) */
  bodyExcerptReplaced?: boolean;
}

export const EMPTY_BODY: BodyRead = { bodyExcerpt: "", bodyBytes: 0, bodyTruncated: false };

/** Where the whole body of the response was stored; absent or null when it was not. */
export interface StoredBody {
  body?: AttemptBodyRef | null;
}

export interface SucceededAttempt extends BodyRead, StoredBody {
  kind: "succeeded";
  status: number;
  durationMs: number;
  /** response headers, names lower-cased, repeated headers joined with ", ", no `set-cookie` */
  headers: Record<string, string>;
}

export interface FailedAttempt extends BodyRead, StoredBody {
  kind: "failed";
  errorClass: AttemptErrorClass;
  /** the HTTP status when a response arrived, else null */
  status: number | null;
  durationMs: number;
  /** a human-readable explanation */
  message: string;
  headers: Record<string, string>;
  /** the response's `Retry-After` in milliseconds from the response's arrival, or null */
  retryAfterMs: number | null;
}

export type AttemptOutcome = SucceededAttempt | FailedAttempt;

/**
 * The outcome as it may be recorded (ADR 0010): the target's headers, the message (which may
 * quote them or an error from outside) and the excerpt as storable text, each offending code
 * unit replaced by U+FFFD; an excerpt changed here is marked `bodyExcerptReplaced`. The
 * executor already reads bodies this way; this is the rule applied once more where outcomes
 * become events, whatever executor produced them.
 */
export function storableOutcome<O extends AttemptOutcome>(outcome: O): O {
  const headers = toStorableValue(outcome.headers);
  const message = outcome.kind === "failed" ? toStorableText(outcome.message) : null;
  const excerptOk = isStorableText(outcome.bodyExcerpt);
  const contentType = outcome.body?.contentType ?? null;
  const contentTypeOk = contentType === null || isStorableText(contentType);
  if (
    headers === outcome.headers &&
    excerptOk &&
    contentTypeOk &&
    (outcome.kind !== "failed" || message === outcome.message)
  ) {
    return outcome;
  }
  return {
    ...outcome,
    headers,
    ...(message === null ? {} : { message }),
    ...(excerptOk ? {} : { bodyExcerpt: toStorableText(outcome.bodyExcerpt), bodyExcerptReplaced: true }),
    ...(contentTypeOk || !outcome.body
      ? {}
      : { body: { ...outcome.body, contentType: toStorableText(contentType!) } }),
  };
}

/** The error class of an HTTP status (null for 2xx, which is success). */
export function classifyStatus(status: number): AttemptErrorClass | null {
  if (!Number.isInteger(status) || status < 200 || status > 599) return "invalid-response";
  if (status < 300) return null;
  if (status < 400) return "http-3xx";
  if (status === 429) return "http-429";
  if (status < 500) return "http-4xx";
  return "http-5xx";
}

export interface ResponseFacts extends BodyRead {
  status: number;
  durationMs: number;
  headers: Record<string, string>;
  /** when the response arrived (for an HTTP-date `Retry-After`) */
  now: Date;
}

/** The outcome of an attempt that received a response. */
export function classifyResponse(response: ResponseFacts): AttemptOutcome {
  const { status, durationMs, headers, bodyExcerpt, bodyBytes, bodyTruncated, now } = response;
  const body = {
    bodyExcerpt,
    bodyBytes,
    bodyTruncated,
    ...(response.bodyExcerptReplaced ? { bodyExcerptReplaced: true } : {}),
  };
  const errorClass = classifyStatus(status);
  if (errorClass === null) return { kind: "succeeded", status, durationMs, headers, ...body };
  return {
    kind: "failed",
    errorClass,
    status,
    durationMs,
    message: statusMessage(status, errorClass, headers),
    headers,
    ...body,
    retryAfterMs: parseRetryAfter(headers["retry-after"], now),
  };
}

function statusMessage(
  status: number,
  errorClass: AttemptErrorClass,
  headers: Record<string, string>,
): string {
  if (errorClass === "http-3xx") {
    const location = headers.location ? ` to ${headers.location}` : "";
    return `the target answered ${status} (redirect${location}); redirects are not followed because the new URL would bypass the target checks`;
  }
  if (errorClass === "invalid-response") return `the target answered with an invalid HTTP status ${status}`;
  return `the target answered HTTP ${status}`;
}

/** A failure without a response (network, timeout, refused target, invalid response). */
export function failureWithoutResponse(
  errorClass: AttemptErrorClass,
  message: string,
  durationMs: number,
): FailedAttempt {
  return {
    kind: "failed",
    errorClass,
    status: null,
    durationMs,
    message,
    headers: {},
    ...EMPTY_BODY,
    retryAfterMs: null,
  };
}

// ---- Retry-After ------------------------------------------------------------------------------

const DAYS = "(Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAYS = "(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH = `(${MONTHS.join("|")})`;
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT` (the form senders must use) */
const IMF_FIXDATE = new RegExp(`^${DAYS}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC850 = new RegExp(`^${LONG_DAYS}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** obsolete asctime: `Sun Nov  6 08:49:37 1994` (always UTC) */
const ASCTIME = new RegExp(`^${DAYS} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

function utc(year: number, month: string, day: number, h: number, m: number, s: number): Date | null {
  const monthIndex = MONTHS.indexOf(month);
  if (day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return null;
  const date = new Date(Date.UTC(year, monthIndex, day, h, m, Math.min(s, 59)));
  return date.getUTCDate() === day ? date : null; // rejects 31 Feb and the like
}

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7) in any of its three forms; all are UTC. Null when
 * the text is none of them. (`Date.parse` is not used: it reads asctime as local time.)
 */
export function parseHttpDate(text: string, now: Date): Date | null {
  const trimmed = text.trim();
  let m = IMF_FIXDATE.exec(trimmed);
  if (m) return utc(Number(m[4]), m[3]!, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  m = RFC850.exec(trimmed);
  if (m) {
    // a two-digit year more than 50 years in the future means the past century (RFC 9110)
    const yy = Number(m[4]);
    const nowYear = now.getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + yy;
    if (year > nowYear + 50) year -= 100;
    return utc(year, m[3]!, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  }
  m = ASCTIME.exec(trimmed);
  if (m) return utc(Number(m[7]), m[2]!, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return null;
}

/**
 * `Retry-After` as milliseconds to wait from `now`: delta-seconds (`120`) or an HTTP-date
 * (a date in the past means 0). Null when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : Number.MAX_SAFE_INTEGER;
  }
  const date = parseHttpDate(text, now);
  if (date === null) return null;
  return Math.max(0, date.getTime() - now.getTime());
}
