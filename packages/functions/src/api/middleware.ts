/**
 * Cross-cutting request handling: authentication, roles and rate limits, JSON-only bodies with a
 * size limit, and Idempotency-Key replay for POST commands.
 */
import { createHash } from "node:crypto";
import { requiredRole } from "@jobledger/core/auth/policy";
import { AuthenticationError, actorOf, type Principal, roleAtLeast } from "@jobledger/core/auth/principal";
import type { Clock } from "@jobledger/core/ports/clock";
import type { IdempotencyStore } from "@jobledger/core/ports/idempotency";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AuthFailureLimiter } from "./auth-failure-limit/index.ts";
import type { ApiDeps, ApiEnv } from "./context.ts";
import { type Problem, ProblemError, problemResponse, problems, problemType } from "./problem.ts";

/**
 * Authenticates every /v1 request and checks its role, in one place: the credential (a bearer
 * JWT or an API key) gives the Principal, the Principal gives tenant and actor, and the policy
 * table (`@jobledger/core/auth/policy`) gives the role the route needs. Missing or invalid
 * credentials → 401 with `WWW-Authenticate`; too small a role → 403. Nothing else may set the
 * tenant. With `failures`, a client over its limit of failed attempts is 429 before any lookup.
 */
export function resolvePrincipal(
  deps: Pick<ApiDeps, "authenticator">,
  failures?: AuthFailureLimiter,
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    let principal: Principal;
    const credentials = { authorization: c.req.header("authorization"), apiKey: c.req.header("x-api-key") };
    // too many failed attempts from this address (or against this key id): no lookup at all
    const retryAfter = failures?.check(c, credentials) ?? null;
    if (retryAfter !== null) {
      const res = problemResponse(
        c,
        new ProblemError(
          429,
          "rate-limited",
          "Too many requests",
          `too many failed authentication attempts from this client; retry in ${retryAfter} s`,
        ),
      );
      res.headers.set("Retry-After", String(retryAfter));
      return res;
    }
    try {
      principal = await deps.authenticator.authenticate(credentials);
      failures?.succeeded(credentials);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      failures?.failed(c, credentials);
      const res = problemResponse(
        c,
        new ProblemError(401, "unauthenticated", "Authentication required", error.message),
      );
      // RFC 6750 §3: no error code when the request carried no credentials at all
      const sent = c.req.header("authorization") !== undefined || c.req.header("x-api-key") !== undefined;
      res.headers.set(
        "WWW-Authenticate",
        sent
          ? `Bearer realm="jobledger", error="invalid_token", error_description="${error.message.replace(/"/g, "'")}"`
          : 'Bearer realm="jobledger"',
      );
      return res;
    }
    c.set("principal", principal);
    c.set("tenant", principal.tenant);
    c.set("actor", actorOf(principal));
    const needed = requiredRole(c.req.method, c.req.path);
    if (needed && !roleAtLeast(principal.role, needed)) {
      throw new ProblemError(
        403,
        "forbidden",
        "Not allowed",
        `${c.req.method} ${c.req.path} needs the ${needed} role; this credential has ${principal.role}`,
      );
    }
    await next();
  };
}

/**
 * Per-principal rate limit: a fixed one-minute window counted in this instance's memory (so
 * on AWS the effective limit is per Lambda instance; see docs/security.md). Over the limit →
 * 429 with `Retry-After` (seconds until the window ends).
 */
export function rateLimit(perMinute: number | null, clock: Clock): MiddlewareHandler<ApiEnv> {
  const windowMs = 60_000;
  const windows = new Map<string, { start: number; count: number }>();
  return async (c, next) => {
    if (perMinute === null) return next();
    const now = clock.now().getTime();
    const start = now - (now % windowMs);
    if (windows.size > 10_000) {
      for (const [key, w] of windows) if (w.start < start) windows.delete(key);
    }
    const key = `${c.get("tenant")}\u0000${c.get("actor")}`;
    let w = windows.get(key);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      windows.set(key, w);
    }
    w.count += 1;
    if (w.count > perMinute) {
      const retryAfter = Math.max(1, Math.ceil((start + windowMs - now) / 1000));
      const res = problemResponse(
        c,
        new ProblemError(
          429,
          "rate-limited",
          "Too many requests",
          `this credential may make ${perMinute} requests a minute; retry in ${retryAfter} s`,
        ),
      );
      res.headers.set("Retry-After", String(retryAfter));
      return res;
    }
    await next();
  };
}

/** Bodies must be JSON and no larger than `maxBytes`. */
export function jsonBodies(maxBytes: number): MiddlewareHandler<ApiEnv>[] {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw problems.tooLarge(maxBytes);
    },
  });
  const contentType: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const hasBody =
      c.req.header("content-length") !== undefined && c.req.header("content-length") !== "0"
        ? true
        : c.req.header("transfer-encoding") !== undefined;
    if (hasBody && ["POST", "PUT", "PATCH"].includes(c.req.method)) {
      const type = c.req.header("content-type") ?? "";
      if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) throw problems.unsupportedMediaType();
    }
    await next();
  };
  return [limit, contentType];
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Responses a route asked not to be replayed, by request: what to store in their place. */
const replayedInstead = new WeakMap<Request, ProblemError>();

/**
 * For a response that holds a secret shown once (a new API key): an Idempotency-Key stores
 * `problem` instead of the response, so a replay says what happened without the secret.
 */
export function replayInstead(c: Context<ApiEnv>, problem: ProblemError): void {
  replayedInstead.set(c.req.raw, problem);
}

/**
 * Idempotency-Key on POST: the first request with a key runs and its response (2xx or 4xx)
 * is stored; a repeat with the same method, path and body gets the stored response with
 * `Idempotent-Replayed: true`; the same key with another request is a 422.
 */
export function idempotencyKeys(store: IdempotencyStore, clock: Clock): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      throw problems.validation(
        [{ path: "Idempotency-Key", message: "must be 1 to 255 visible ASCII characters" }],
        400,
      );
    }
    const body = await c.req.text();
    const fingerprint = createHash("sha256")
      .update(`${c.req.method} ${c.req.path}\n`)
      .update(body)
      .digest("hex");
    const tenant = c.get("tenant");
    const claim = await store.claim(tenant, key, fingerprint, clock.now());
    if (claim.kind === "replay") {
      return new Response(claim.response.body, {
        status: claim.response.status,
        headers: { ...claim.response.headers, "Idempotent-Replayed": "true" },
      });
    }
    if (claim.kind === "mismatch") throw problems.idempotencyMismatch();
    if (claim.kind === "in-progress") throw problems.idempotencyInProgress();

    try {
      await next();
    } catch (error) {
      await store.release(tenant, key);
      throw error;
    }
    const response = c.res;
    if (response.status >= 500) {
      await store.release(tenant, key);
      return;
    }
    const instead = response.status < 300 ? replayedInstead.get(c.req.raw) : undefined;
    if (instead) {
      const problem: Problem = {
        type: problemType(instead.slug),
        title: instead.title,
        status: instead.status,
        detail: instead.message,
        instance: c.req.path,
        ...instead.extensions,
      };
      const stored = {
        status: instead.status,
        headers: { "content-type": "application/problem+json" },
        body: JSON.stringify(problem),
      };
      await store.complete(tenant, key, stored, clock.now());
      return;
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (name !== "x-request-id") headers[name] = value;
    });
    const stored = { status: response.status, headers, body: await response.clone().text() };
    await store.complete(tenant, key, stored, clock.now());
  };
}

export function isProblemError(error: unknown): error is ProblemError {
  return error instanceof ProblemError;
}
