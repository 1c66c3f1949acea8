/**
 * Is a consumer's failure the record's fault or the infrastructure's? A record whose
 * handling fails for a reason that does not depend on it (a database, Redis or AWS that is
 * down, throttling, a lost race) is retried where it stands: every other record would fail
 * the same way, and parking them all would only move the outage into the parked list. Any
 * other failure is the record's own (bad data, a schema this code cannot read, a bug that
 * this record triggers) and, after a few tries, parks it.
 *
 * Known by code where the driver gives one: Node system errors, Postgres SQLSTATE classes
 * 08 (connection), 53 (resources), 57 (operator intervention), 58 (system), serialization
 * failures and deadlocks; AWS SDK errors the SDK calls retryable, throttling and 5xx. Two
 * drivers throw connection failures without a code (pg's pool, ioredis); their messages are
 * matched, and nothing else is.
 */

const SYSTEM_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOSPC",
  "EMFILE",
  "ENFILE",
  "EBUSY",
  "EIO",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

const TRANSIENT_NAMES = new Set([
  "TimeoutError",
  "AbortError",
  "VersionConflict",
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "ServiceUnavailable",
  "InternalServerError",
  "MaxRetriesPerRequestError",
]);

const CONNECTION_MESSAGES = [
  "Connection terminated",
  "Client has encountered a connection error",
  "Connection is closed",
  "PGlite is closed",
];

function isTransientOne(error: object): boolean {
  const e = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (typeof e.name === "string" && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === "string") {
    if (SYSTEM_CODES.has(e.code)) return true;
    if (/^(08|53|57|58)[0-9A-Z]{3}$/.test(e.code) || e.code === "40001" || e.code === "40P01") return true;
  }
  if (e.$metadata) {
    const status = e.$metadata.httpStatusCode;
    if (e.$retryable || status === undefined || status === 429 || status >= 500) return true;
  }
  const message = typeof e.message === "string" ? e.message : "";
  return CONNECTION_MESSAGES.some((m) => message.includes(m));
}

/** True when the failure lies outside the record (see the module comment); looks through `cause`. */
export function isTransientFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    if (isTransientOne(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
