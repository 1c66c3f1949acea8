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
import { tenantScope } from "@jobledger/core/auth/principal";
import { trackDependencies } from "@jobledger/core/observability/dependency-watch";
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
  failures: z
    .number()
    .int()
    .optional()
    .openapi({ description: "failed checks in a row (0 after an answer)" }),
  checkedAt: z.string().optional().openapi({ description: "when the check this status comes from started" }),
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
      .openapi({
        description:
          "system-wide: operators only (null for a tenant's users); null where the platform measures it (Lambda IteratorAge)",
      }),
    schedules: z.object({ overdueSchedules: z.number().int(), lagSeconds: z.number() }).nullable(),
    dependencies: z
      .array(DependencyStatus)
      .openapi({ description: "system-wide: operators only (empty for a tenant's users)" }),
    scope: z.enum(["tenant", "system"]).openapi({
      description:
        "tenant: the caller's tenant's figures only; system: every tenant's (the operator role, ADR 0012)",
    }),
    parked: z
      .object({
        streams: z.number().int(),
        byConsumer: z.record(z.string(), z.number().int()),
      })
      .nullable()
      .openapi({
        description:
          "the tenant's parked change records, every tenant's for an operator (GET /v1/system/parked lists them)",
      }),
    throughput: z
      .object({
        sinceSeconds: z.number(),
        eventsAppended: z.number(),
        httpRequests: z.number(),
        runs: z.record(z.string(), z.number()),
      })
      .nullable()
      .openapi({
        description:
          "system-wide: operators only (null for a tenant's users); counted since this process started; null where metrics go to CloudWatch",
      }),
  })
  .openapi("SystemStatus");

const ParkedError = z.object({ name: z.string(), message: z.string(), code: z.string().nullable() });

const ParkedStream = z
  .object({
    consumer: z.string().openapi({ example: "postgres-projector" }),
    streamId: z.string().openapi({ example: "default/job/0b9f6c1e-4f0c-4a57-9d43-3b1c1f1f8a11" }),
    tenant: z.string(),
    fromVersion: z.number().int().openapi({ description: "first version of the record that failed" }),
    toVersion: z.number().int().openapi({ description: "last version held back behind it" }),
    sequenceNumber: z.string(),
    error: ParkedError,
    tries: z.number().int(),
    parkedAt: z.string(),
    lastTriedAt: z.string(),
  })
  .openapi("ParkedStream");

const ParkedRetryRequest = z
  .object({
    consumer: z.string().min(1).max(64).optional().openapi({ description: "only this consumer's entries" }),
    streamId: z.string().min(1).max(512).optional().openapi({ description: "only this stream's entries" }),
  })
  .strict()
  .openapi("ParkedRetryRequest");

const ParkedRetryResult = z
  .object({
    consumer: z.string(),
    streamId: z.string(),
    status: z.enum(["released", "failed", "not-parked"]),
    applied: z.number().int().optional().openapi({ description: "events applied (released)" }),
    error: ParkedError.optional().openapi({ description: "why the retry failed (failed: it stays parked)" }),
  })
  .openapi("ParkedRetryResult");

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
  // the local runtime's background watch shares its tracker; elsewhere (Lambda) requests do the passes
  const dependencies = deps.dependencyTracker ?? trackDependencies(deps.readiness);
  app.get("/health", (c) => c.json({ status: "ok" }));

  app.openapi(
    createRoute({
      method: "get",
      path: "/ready",
      tags: ["system"],
      summary: "Readiness: every dependency with its status and latency",
      description:
        "A dependency that answered before counts as down after two failed checks in a row (an error, or no answer within 10 s); a slow answer is up. The statuses come from the last check pass while it is recent (the local runtime checks every 5 s).",
      responses: {
        200: {
          description: "every dependency answers",
          content: { "application/json": { schema: Readiness } },
        },
        503: { description: "a dependency is down", content: { "application/json": { schema: Readiness } } },
      },
    }),
    async (c) => {
      const statuses = await dependencies.statuses();
      const ready = statuses.every((d) => d.status === "up");
      return c.json(
        { status: ready ? "ready" : "not-ready", dependencies: statuses } as const,
        ready ? 200 : 503,
      );
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
      // figures of every tenant (consumer lag, throughput, dependencies) are the operators' alone
      const scope = tenantScope(c.get("principal"));
      const system = scope === null;
      const [consumers, schedules, counted, dependencyStatuses, parked] = await Promise.all([
        system && sources?.consumerLag ? sources.consumerLag() : null,
        sources?.scheduleLag ? sources.scheduleLag(c.get("tenant"), deps.clock.now()) : null,
        system ? throughput() : null,
        system ? dependencies.statuses() : [],
        deps.parked ? deps.parked.list(scope) : null,
      ]);
      const byConsumer: Record<string, number> = {};
      for (const p of parked ?? []) byConsumer[p.consumer] = (byConsumer[p.consumer] ?? 0) + 1;
      return c.json(
        {
          generatedAt: deps.clock.now().toISOString(),
          consumers,
          schedules,
          throughput: counted,
          dependencies: dependencyStatuses,
          scope: system ? ("system" as const) : ("tenant" as const),
          parked: parked ? { streams: parked.length, byConsumer } : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/system/parked",
      tags: ["system"],
      operationId: "listParkedRecords",
      summary:
        "Change records a consumer could not handle, parked with their error (admin; operator: every tenant's)",
      description:
        "A record a consumer (projector, runner, notifier) fails on after its tries is parked: its stream's later records wait behind it, every other stream goes on. Fix the cause, then retry (POST /v1/system/parked/retry).",
      responses: {
        200: {
          description: "the tenant's parked streams (an operator's: every tenant's), oldest first",
          content: { "application/json": { schema: z.object({ items: z.array(ParkedStream) }) } },
        },
        503: { description: "this runtime keeps no parked records" },
      },
    }),
    async (c) => {
      if (!deps.parked) throw problems.unavailable("this runtime keeps no parked records");
      return c.json({ items: await deps.parked.list(tenantScope(c.get("principal"))) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/system/parked/retry",
      tags: ["system"],
      operationId: "retryParkedRecords",
      summary: "Retry parked change records after a fix (admin; operator: every tenant's)",
      description:
        "Applies each chosen stream's held versions from the event store through its consumer and releases it; an empty body retries all of the tenant's (an operator's: all of every tenant's). A stream that fails again stays parked with the new error.",
      request: { body: { content: { "application/json": { schema: ParkedRetryRequest } }, required: false } },
      responses: {
        200: {
          description: "one result per retried entry",
          content: { "application/json": { schema: z.object({ results: z.array(ParkedRetryResult) }) } },
        },
        503: { description: "this runtime keeps no parked records" },
      },
    }),
    async (c) => {
      if (!deps.parked) throw problems.unavailable("this runtime keeps no parked records");
      const body = c.req.valid("json") ?? {};
      const results = await deps.parked.retry({ tenant: tenantScope(c.get("principal")), ...body });
      return c.json({ results }, 200);
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
