/**
 * The HTTP API: one Hono app, served by @hono/node-server locally and by hono/aws-lambda on
 * AWS. Routes live in `routes/`; this module wires middleware, errors and the OpenAPI doc.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { createAuthFailureLimiter } from "./auth-failure-limit/index.ts";
import type { ApiDeps, ApiEnv } from "./context.ts";
import { idempotencyKeys, jsonBodies, rateLimit, resolvePrincipal } from "./middleware.ts";
import { observeRequests } from "./observe-requests.ts";
import { ProblemError, problemResponse, problems } from "./problem.ts";
import { registerAnalyticsRoutes } from "./routes/analytics.ts";
import { registerApiKeyRoutes } from "./routes/api-keys.ts";
import { registerAuditRoutes } from "./routes/audit.ts";
import { registerJobRoutes } from "./routes/jobs.ts";
import { registerLiveRoutes } from "./routes/live.ts";
import { registerNotificationRoutes } from "./routes/notifications.ts";
import { registerRunRoutes } from "./routes/runs.ts";
import { registerScheduleRoutes } from "./routes/schedules.ts";
import { registerSystemRoutes } from "./routes/system.ts";
import { storableInput } from "./storable-input.ts";
import { validationHook } from "./validation.ts";

export type Api = OpenAPIHono<ApiEnv>;

const corsExposed = ["ETag", "Location", "X-Request-ID", "Retry-After", "Idempotent-Replayed"];

export function createApi(deps: ApiDeps): Api {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.use("*", requestId({ headerName: "X-Request-ID" }));
  app.use("*", observeRequests(deps.logger));
  app.use("*", secureHeaders());
  if (deps.config.auth.consoleOrigin) {
    app.use(
      "/v1/*",
      cors({ origin: deps.config.auth.consoleOrigin, exposeHeaders: corsExposed, maxAge: 600 }),
    );
  }
  const failedAuth = createAuthFailureLimiter(deps.config.auth.failedAuthPerMinute, deps.clock);
  app.use("/v1/*", resolvePrincipal(deps, failedAuth));
  app.use("/v1/*", rateLimit(deps.config.auth.rateLimitPerMinute, deps.clock));
  app.use("/v1/*", ...jsonBodies(deps.config.api.maxBodyBytes));
  // text that cannot be stored (NUL, lone surrogates) is refused here for every route (ADR 0010)
  app.use("/v1/*", storableInput());
  app.use("/v1/*", idempotencyKeys(deps.idempotency, deps.clock));

  registerSystemRoutes(app, deps);
  registerJobRoutes(app, deps);
  registerScheduleRoutes(app, deps);
  registerRunRoutes(app, deps);
  registerNotificationRoutes(app, deps);
  registerAnalyticsRoutes(app, deps);
  registerLiveRoutes(app, deps);
  registerApiKeyRoutes(app, deps);
  registerAuditRoutes(app, deps);

  app.notFound((c) => problemResponse(c, problems.notFound(`${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error);
    if (error instanceof HTTPException) {
      if (/malformed json/i.test(error.message))
        return problemResponse(c, problems.malformedJson(error.message));
      return problemResponse(
        c,
        new ProblemError(error.status as 400, "bad-request", "Bad request", error.message),
      );
    }
    deps.logger.error({ err: error, requestId: c.get("requestId"), path: c.req.path }, "unhandled error");
    return problemResponse(c, problems.internal());
  });

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT or API key (jl_...)",
    description: "A JWT from the identity provider (locally: the dev token), or an API key",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Jobledger API",
      version: "1.0.0",
      description:
        "Schedules and runs HTTP jobs; every change to a job and every run is an event. " +
        "Errors are RFC 9457 problem details (application/problem+json).",
    },
    servers: [{ url: deps.config.api.publicUrl }],
    // every /v1 route; /health, /ready, /openapi.json and /reference are public
    security: [{ bearer: [] }, { apiKey: [] }],
  });
  return app;
}
