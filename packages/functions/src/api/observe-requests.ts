/**
 * Request observability, first middleware after the request id: one span per request (in
 * the trace of its correlation id = `X-Request-ID`), request count and latency per route
 * pattern and status, and one structured access-log line with the ids known.
 */
import type { Logger } from "@jobledger/core/logging";
import { httpRequestDuration, httpRequests } from "@jobledger/core/observability/instruments";
import { CORRELATION_ID, correlationContext, withSpan } from "@jobledger/core/observability/tracing";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { ApiEnv } from "./context.ts";

/** The route pattern that answered (`/v1/jobs/:jobId`), so labels stay few; `unmatched` for 404s. */
function routeOf(c: Parameters<MiddlewareHandler<ApiEnv>>[0]): string {
  const handlers = matchedRoutes(c).filter((r) => r.method !== "ALL");
  return handlers.at(-1)?.path ?? "unmatched";
}

export function observeRequests(logger: Logger): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const correlationId = c.get("requestId");
    const started = performance.now();
    await withSpan(
      `HTTP ${c.req.method}`,
      { [CORRELATION_ID]: correlationId, "http.request.method": c.req.method, "url.path": c.req.path },
      async (span) => {
        await next();
        const route = routeOf(c);
        span.updateName(`${c.req.method} ${route}`);
        span.setAttributes({ "http.route": route, "http.response.status_code": c.res.status });
      },
      { parent: correlationContext(correlationId) },
    );
    const route = routeOf(c);
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    httpRequests.inc({ method: c.req.method, route, status: String(status) });
    httpRequestDuration.observe({ method: c.req.method, route }, seconds);
    if (route === "/metrics" || route === "/health") return;
    logger[status >= 500 ? "error" : "info"](
      {
        correlationId,
        tenant: c.get("tenant"),
        actor: c.get("actor"),
        method: c.req.method,
        route,
        status,
        durationMs: Math.round(seconds * 1000),
      },
      "request handled",
    );
  };
}
