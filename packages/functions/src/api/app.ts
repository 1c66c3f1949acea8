/**
 * The HTTP API: one Hono app, served by @hono/node-server locally and by hono/aws-lambda on
 * AWS. Routes live in `routes/`; this module wires middleware, errors and the OpenAPI doc.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { ApiDeps, ApiEnv } from "./context.ts";
import { idempotencyKeys, jsonBodies, resolvePrincipal } from "./middleware.ts";
import { ProblemError, problemResponse, problems } from "./problem.ts";
import { registerJobRoutes } from "./routes/jobs.ts";
import { registerRunRoutes } from "./routes/runs.ts";
import { registerSystemRoutes } from "./routes/system.ts";
import { validationHook } from "./validation.ts";

export type Api = OpenAPIHono<ApiEnv>;

export function createApi(deps: ApiDeps): Api {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.use("*", requestId({ headerName: "X-Request-ID" }));
  app.use("/v1/*", resolvePrincipal(deps.config.defaultTenant));
  app.use("/v1/*", ...jsonBodies(deps.config.api.maxBodyBytes));
  app.use("/v1/*", idempotencyKeys(deps.idempotency, deps.clock));

  registerSystemRoutes(app, deps);
  registerJobRoutes(app, deps);
  registerRunRoutes(app, deps);

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

  app.openAPIRegistry.registerComponent("securitySchemes", "none", { type: "http", scheme: "none" });
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
  });
  return app;
}
