/**
 * The HTTP executor: makes one attempt of a job's request and returns its outcome. Every
 * failure of the target (refused by the SSRF rules, DNS, connection, timeout, bad HTTP,
 * non-2xx) is an outcome, never an exception; only the caller's own `signal` makes
 * `execute` reject (with that signal's reason).
 *
 * - The URL is checked with `checkTarget`, and every address its host resolves to is checked
 *   with `checkResolvedAddress` at connect time (undici `Agent` with `connect.lookup`), so DNS
 *   rebinding cannot reach loopback, private or metadata addresses.
 * - One `Agent` (one connection) per attempt: nothing is reused across attempts, tenants or
 *   DNS answers. A runner calls a target rarely, so connection reuse would gain little.
 * - Redirects are not followed (see `domain/run/outcome.ts`).
 * - `timeoutMs` covers the whole exchange: connect, headers and body.
 * - With `keepBody`, the whole body (up to `maxBodyBytes`) comes back beside the outcome as
 *   `rawBody`, for the runner to store; the outcome itself carries only the excerpt.
 * - Sent headers: the job's, then `Idempotency-Key`, `Jobledger-Signature`, `User-Agent`
 *   (unless the job sets one) and `Content-Type: application/json` when there is a body and
 *   the job sets none.
 */
import type { HttpRequestSpec } from "@jobledger/events";
import { Agent, errors, request } from "undici";
import { checkTarget, type TargetAllowList } from "../../domain/job/target-policy.ts";
import {
  type AttemptErrorClass,
  type AttemptOutcome,
  classifyResponse,
  failureWithoutResponse,
} from "../../domain/run/outcome.ts";
import { toStorableText } from "../../domain/text/storable-text.ts";
import type { Clock } from "../../ports/clock.ts";
import { BodyCollector } from "./body-reader.ts";
import { guardedLookup, type ResolveHost, systemResolveHost, TARGET_REFUSED_CODE } from "./guarded-lookup.ts";
import { SIGNATURE_HEADER, signRequest } from "./signature.ts";

export const DEFAULT_MAX_BODY_EXCERPT_BYTES = 8192;
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_USER_AGENT = "Jobledger/0.1";

export interface HttpExecutorOptions {
  /** targets permitted despite the SSRF rules (from `parseTargetAllowList`) */
  allowList: TargetAllowList;
  /** bytes of the response body kept as the excerpt */
  maxBodyExcerptBytes?: number;
  /** bytes after which the executor stops reading a body (it still counts up to here) */
  maxBodyBytes?: number;
  userAgent?: string;
  /** signature timestamps and `Retry-After` dates are taken from here */
  clock: Clock;
  /** the resolver used at connect time; the system's by default (tests inject their own) */
  lookup?: ResolveHost;
}

export interface ExecuteInput {
  request: HttpRequestSpec;
  /** replaces `request.body` when given (null: send no body) */
  bodyOverride?: string | null;
  /** the same for every attempt of one run */
  idempotencyKey: string;
  /** the tenant's signing secret; several (newest first) while rotating */
  signingSecret: string | readonly string[];
  /** the caller's cancellation; when it aborts, `execute` rejects with its reason */
  signal?: AbortSignal;
  /** return the whole response body (up to the cap) as `rawBody` */
  keepBody?: boolean;
}

/** The bytes of a response body as read (only with `keepBody`, and only when a response came). */
export interface RawBody {
  /** the body up to the executor's cap */
  bytes: Uint8Array;
  /** the response's `content-type`, if any */
  contentType: string | null;
  /** reading stopped at the cap (the target may have sent more), or the body broke off */
  truncated: boolean;
}

/** An outcome, with the raw body beside it when `keepBody` asked for it. */
export type ExecutedAttempt = AttemptOutcome & { rawBody?: RawBody };

export interface HttpExecutor {
  execute(input: ExecuteInput): Promise<ExecutedAttempt>;
}

/** Response headers as kept in outcomes: lower-cased, repeated ones joined, no `set-cookie`, storable text. */
export function keptResponseHeaders(
  raw: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    const lower = name.toLowerCase();
    if (lower === "set-cookie" || value === undefined) continue;
    // names and values as storable text (ADR 0010): NUL or a lone surrogate becomes U+FFFD
    kept[toStorableText(lower)] = toStorableText(Array.isArray(value) ? value.join(", ") : value);
  }
  return kept;
}

/** The headers an attempt sends. */
export function requestHeaders(
  jobHeaders: Record<string, string>,
  extra: { idempotencyKey: string; signature: string; userAgent: string; hasBody: boolean },
): Record<string, string> {
  const ours = new Set(["idempotency-key", SIGNATURE_HEADER.toLowerCase()]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(jobHeaders)) {
    if (!ours.has(name.toLowerCase())) headers[name] = value;
  }
  const has = (name: string) => Object.keys(headers).some((n) => n.toLowerCase() === name);
  headers["Idempotency-Key"] = extra.idempotencyKey;
  headers[SIGNATURE_HEADER] = extra.signature;
  if (!has("user-agent")) headers["User-Agent"] = extra.userAgent;
  if (extra.hasBody && !has("content-type")) headers["Content-Type"] = "application/json";
  return headers;
}

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** The class of an error thrown while calling the target (the caller's abort is handled before). */
function classifyError(
  error: unknown,
  timedOut: boolean,
): { errorClass: AttemptErrorClass; message: string } {
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as NodeJS.ErrnoException).code ?? "";
  if (code === TARGET_REFUSED_CODE) return { errorClass: "refused-target", message: err.message };
  if (timedOut || TIMEOUT_CODES.has(code)) return { errorClass: "timeout", message: "" };
  if (err instanceof errors.HTTPParserError || code.startsWith("HPE_")) {
    return {
      errorClass: "invalid-response",
      message: `the target's response is not valid HTTP: ${err.message}`,
    };
  }
  if (err instanceof errors.ResponseContentLengthMismatchError) {
    return { errorClass: "invalid-response", message: `the target's response is malformed: ${err.message}` };
  }
  const detail = code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  return { errorClass: "network", message: `could not complete the exchange with the target: ${detail}` };
}

export function createHttpExecutor(options: HttpExecutorOptions): HttpExecutor {
  const excerptBytes = options.maxBodyExcerptBytes ?? DEFAULT_MAX_BODY_EXCERPT_BYTES;
  const maxBytes = Math.max(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, excerptBytes);
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const resolve = options.lookup ?? systemResolveHost;
  const { allowList, clock } = options;

  async function execute(input: ExecuteInput): Promise<ExecutedAttempt> {
    const { request: spec, signal: callerSignal } = input;
    callerSignal?.throwIfAborted();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);

    let url: URL;
    try {
      url = new URL(spec.url);
    } catch {
      return failureWithoutResponse("refused-target", `"${spec.url}" is not an absolute URL`, 0);
    }
    const refused = checkTarget(url, allowList);
    if (refused) return failureWithoutResponse("refused-target", refused, 0);

    const body = input.bodyOverride !== undefined ? input.bodyOverride : spec.body;
    const headers = requestHeaders(spec.headers, {
      idempotencyKey: input.idempotencyKey,
      signature: signRequest(input.signingSecret, body, clock.now()),
      userAgent,
      hasBody: body !== null,
    });

    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort(new Error(`timed out after ${spec.timeoutMs} ms`));
    }, spec.timeoutMs);
    const onCallerAbort = () => abort.abort(callerSignal?.reason);
    callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
    const agent = new Agent({
      connections: 1,
      pipelining: 1,
      connect: { lookup: guardedLookup(url, allowList, resolve), timeout: spec.timeoutMs },
      headersTimeout: spec.timeoutMs,
      bodyTimeout: spec.timeoutMs,
    });

    let response: { status: number; headers: Record<string, string> } | null = null;
    const collector = new BodyCollector({ excerptBytes, maxBytes, keepBody: input.keepBody === true });
    const rawBody = (truncated: boolean): { rawBody?: RawBody } => {
      const bytes = collector.body();
      if (bytes === null || response === null) return {};
      return { rawBody: { bytes, contentType: response.headers["content-type"] ?? null, truncated } };
    };
    try {
      const res = await request(url, {
        dispatcher: agent,
        method: spec.method,
        headers,
        body: body ?? undefined,
        signal: abort.signal,
      });
      response = { status: res.statusCode, headers: keptResponseHeaders(res.headers) };
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        if (!collector.add(chunk)) break; // the cap: leaving the loop destroys the stream
      }
      if (callerSignal?.aborted) throw callerSignal.reason;
      const outcome = classifyResponse({
        ...response,
        ...collector.done(),
        durationMs: elapsed(),
        now: clock.now(),
      });
      return { ...outcome, ...rawBody(collector.capped) };
    } catch (error) {
      if (callerSignal?.aborted && !timedOut) throw callerSignal.reason;
      const { errorClass, message } = classifyError(error, timedOut);
      const what =
        errorClass === "timeout"
          ? `the target did not ${response ? "finish sending its response body" : "answer"} within the timeout of ${spec.timeoutMs} ms`
          : message;
      if (!response) return failureWithoutResponse(errorClass, what, elapsed());
      // a response arrived but its body did not: keep what was read
      return {
        kind: "failed",
        errorClass,
        status: response.status,
        durationMs: elapsed(),
        message: `HTTP ${response.status}, then: ${what}`,
        headers: response.headers,
        ...collector.done(),
        retryAfterMs: null,
        ...rawBody(true),
      };
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
      await agent.destroy().catch(() => undefined);
    }
  }

  return { execute };
}
