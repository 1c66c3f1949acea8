/**
 * Analytics over the lake (docs/analytics.md): success rate per job per day, latency
 * percentiles per job, top failure reasons and runs per hour, for the request's tenant over
 * [from, to) of finished_at. The engine adapter applies the tenant filter; these routes only
 * validate the range (at most 93 days; default: the 7 days before now).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AnalyticsEngine, AnalyticsRange } from "@jobledger/core/ports/analytics-engine";
import type { Api } from "../app.ts";
import type { ApiDeps } from "../context.ts";
import { errorResponses } from "../openapi-shared.ts";
import { ProblemError, problems } from "../problem.ts";

const MAX_DAYS = 93;
const DAY_MS = 24 * 3600 * 1000;

const RangeQuery = z.object({
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: "finished at or after (ISO instant); default 7 days before `to`" }),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: "finished before (ISO instant); default now" }),
});
const TopQuery = RangeQuery.extend({ limit: z.coerce.number().int().min(1).max(100).default(10) });

const Range = z.object({ from: z.string(), to: z.string(), engine: z.string() });
const SuccessRate = z
  .object({
    range: Range,
    items: z.array(
      z.object({
        jobId: z.string(),
        day: z.string(),
        runs: z.number(),
        succeeded: z.number(),
        successRate: z.number(),
      }),
    ),
  })
  .openapi("AnalyticsSuccessRate");
const Latency = z
  .object({
    range: Range,
    items: z.array(
      z.object({
        jobId: z.string(),
        runs: z.number(),
        p50Ms: z.number(),
        p95Ms: z.number(),
        p99Ms: z.number(),
      }),
    ),
  })
  .openapi("AnalyticsLatency");
const FailureReasons = z
  .object({
    range: Range,
    items: z.array(z.object({ errorClass: z.string(), httpStatus: z.number().nullable(), runs: z.number() })),
  })
  .openapi("AnalyticsFailureReasons");
const RunsPerHour = z
  .object({
    range: Range,
    items: z.array(
      z.object({ hour: z.string(), runs: z.number(), succeeded: z.number(), failed: z.number() }),
    ),
  })
  .openapi("AnalyticsRunsPerHour");

function rangeOf(query: { from?: string; to?: string }, now: Date): AnalyticsRange {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 7 * DAY_MS);
  if (from.getTime() >= to.getTime()) {
    throw problems.validation([{ path: "from", message: "must be before `to`" }], 400);
  }
  if (to.getTime() - from.getTime() > MAX_DAYS * DAY_MS) {
    throw problems.validation(
      [{ path: "from", message: `the range may span at most ${MAX_DAYS} days` }],
      400,
    );
  }
  return { from, to };
}

export function registerAnalyticsRoutes(app: Api, deps: ApiDeps): void {
  const engine = (): AnalyticsEngine => {
    if (!deps.analytics) {
      throw new ProblemError(
        503,
        "analytics-unavailable",
        "Analytics unavailable",
        "no analytics engine is configured",
      );
    }
    return deps.analytics;
  };
  const meta = (range: AnalyticsRange) => ({
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    engine: engine().name,
  });
  const route = <S extends z.ZodType>(
    path: string,
    summary: string,
    query: typeof RangeQuery | typeof TopQuery,
    schema: S,
  ) =>
    createRoute({
      method: "get",
      path,
      tags: ["analytics"],
      summary,
      request: { query },
      responses: {
        200: { description: summary, content: { "application/json": { schema } } },
        ...errorResponses(400),
      },
    });

  app.openapi(
    route("/v1/analytics/success-rate", "Success rate per job per day", RangeQuery, SuccessRate),
    async (c) => {
      const range = rangeOf(c.req.valid("query"), deps.clock.now());
      const items = await engine().successRate(c.get("tenant"), range);
      return c.json({ range: meta(range), items }, 200);
    },
  );
  app.openapi(
    route("/v1/analytics/latency", "Run duration p50/p95/p99 per job", RangeQuery, Latency),
    async (c) => {
      const range = rangeOf(c.req.valid("query"), deps.clock.now());
      const items = await engine().latency(c.get("tenant"), range);
      return c.json({ range: meta(range), items }, 200);
    },
  );
  app.openapi(
    route("/v1/analytics/failure-reasons", "Top reasons runs failed", TopQuery, FailureReasons),
    async (c) => {
      const q = c.req.valid("query") as z.infer<typeof TopQuery>;
      const range = rangeOf(q, deps.clock.now());
      const items = await engine().failureReasons(c.get("tenant"), range, q.limit);
      return c.json({ range: meta(range), items }, 200);
    },
  );
  app.openapi(
    route("/v1/analytics/runs-per-hour", "Finished runs per hour", RangeQuery, RunsPerHour),
    async (c) => {
      const range = rangeOf(c.req.valid("query"), deps.clock.now());
      const items = await engine().runsPerHour(c.get("tenant"), range);
      return c.json({ range: meta(range), items }, 200);
    },
  );
}
