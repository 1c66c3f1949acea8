/**
 * Cross-cutting request handling: the tenant and actor of a request, JSON-only bodies with a
 * size limit, and Idempotency-Key replay for POST commands.
 */
import { createHash } from "node:crypto";
import type { Clock } from "@jobledger/core/ports/clock";
import type { IdempotencyStore } from "@jobledger/core/ports/idempotency";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ApiEnv } from "./context.ts";
import { ProblemError, problems } from "./problem.ts";

/**
 * Resolves who is calling, in one place for every route. Until authentication lands this is
 * the configured default tenant and an anonymous actor; nothing else may set the tenant.
 */
export function resolvePrincipal(defaultTenant: string): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    c.set("tenant", defaultTenant);
    c.set("actor", "user:anonymous");
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
