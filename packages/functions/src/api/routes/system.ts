/**
 * Operational routes: liveness, readiness (each dependency with its status and latency),
 * Prometheus metrics (`/metrics`, when this process keeps a prom-client registry), the
 * console's system status (`/v1/system/status`: consumer lag, schedule lag, throughput), and
 * the API reference page, whose Swagger UI assets are served from the installed
 * swagger-ui-dist package (no CDN).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createRoute, z } from "@hono/zod-openapi";
import { checkDependency } from "@jobledger/core/observability/dependency-watch";
import { prometheusBackend, throughput } from "@jobledger/core/observability/system-status";
import { getAbsoluteFSPath } from "swagger-ui-dist";
import type { Api } from "../app.ts";
import type { ApiDeps } from "../context.ts";
import { problemResponse, problems } from "../problem.ts";

const DependencyStatus = z.object({
  name: z.string(),
  status: z.enum(["up", "down"]),
  latencyMs: z.number(),
  error: z.string().optional(),
});

const Readiness = z
  .object({ status: z.enum(["ready", "not-ready"]), dependencies: z.array(DependencyStatus) })
  .openapi("Readiness");

const SystemStatus = z
  .object({
    generatedAt: z.string(),
    consumers: z
      .array(
        z.object({
          consumer: z.string(),
          recordsBehind: z.number().int(),
          capped: z.boolean(),
          oldestUnprocessedAgeSeconds: z.number(),
        }),
      )
      .nullable()
      .openapi({ description: "null where the platform measures it (Lambda IteratorAge)" }),
    schedules: z.object({ overdueSchedules: z.number().int(), lagSeconds: z.number() }).nullable(),
    dependencies: z.array(DependencyStatus),
    throughput: z
      .object({
        sinceSeconds: z.number(),
        eventsAppended: z.number(),
        httpRequests: z.number(),
        runs: z.record(z.string(), z.number()),
      })
      .nullable()
      .openapi({ description: "counted since this process started; null where metrics go to CloudWatch" }),
  })
  .openapi("SystemStatus");

const ASSETS = new Set([
  "swagger-ui.css",
  "swagger-ui-bundle.js",
  "swagger-ui-standalone-preset.js",
  "favicon-32x32.png",
]);
const CONTENT_TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".png": "image/png",
};

const referencePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Jobledger API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/reference/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/reference/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui", deepLinking: true });</script>
</body></html>`;

export function registerSystemRoutes(app: Api, deps: ApiDeps): void {
  app.get("/health", (c) => c.json({ status: "ok" }));

  app.openapi(
    createRoute({
      method: "get",
      path: "/ready",
      tags: ["system"],
      summary: "Readiness: every dependency with its status and latency",
      responses: {
        200: {
          description: "every dependency answers",
          content: { "application/json": { schema: Readiness } },
        },
        503: { description: "a dependency is down", content: { "application/json": { schema: Readiness } } },
      },
    }),
    async (c) => {
      const dependencies = await Promise.all(deps.readiness.map((dep) => checkDependency(dep)));
      const ready = dependencies.every((d) => d.status === "up");
      return c.json({ status: ready ? "ready" : "not-ready", dependencies } as const, ready ? 200 : 503);
    },
  );

  app.get("/metrics", async (c) => {
    const backend = prometheusBackend();
    if (!backend) return problemResponse(c, problems.notFound("metrics (this runtime emits CloudWatch EMF)"));
    return c.body(await backend.scrape(), 200, { "Content-Type": backend.contentType });
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/system/status",
      tags: ["system"],
      summary: "Consumer lag, schedule lag and throughput, for the console's system page",
      responses: {
        200: {
          description: "the system's status now",
          content: { "application/json": { schema: SystemStatus } },
        },
      },
    }),
    async (c) => {
      const sources = deps.observability;
      const [consumers, schedules, counted, dependencies] = await Promise.all([
        sources?.consumerLag ? sources.consumerLag() : null,
        sources?.scheduleLag ? sources.scheduleLag(c.get("tenant"), deps.clock.now()) : null,
        throughput(),
        Promise.all(deps.readiness.map((dep) => checkDependency(dep))),
      ]);
      return c.json(
        {
          generatedAt: deps.clock.now().toISOString(),
          consumers,
          schedules,
          throughput: counted,
          dependencies,
        },
        200,
      );
    },
  );

  app.get("/reference", (c) => c.html(referencePage));
  app.get("/reference/assets/:file", async (c) => {
    const file = c.req.param("file");
    if (!ASSETS.has(file)) return problemResponse(c, problems.notFound(`asset ${file}`));
    const bytes = await readFile(path.join(getAbsoluteFSPath(), file));
    return c.body(bytes, 200, {
      "Content-Type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
      "Cache-Control": "public, max-age=86400",
    });
  });
}
