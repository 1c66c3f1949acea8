/**
 * Live views from the Redis read model: the tenant's feed as Server-Sent Events
 * (`GET /v1/live`) and one job's live status, rolling counters and latest runs
 * (`GET /v1/live/jobs/{id}`). Event shapes are documented in docs/live-status.md.
 *
 * Without Redis the feed answers 503; the job view falls back to Postgres (status and
 * latest runs; counters null).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { LiveFeedReader, LiveJobView } from "@jobledger/core/ports/live-status";
import { streamSSE } from "hono/streaming";
import type { Api } from "../app.ts";
import type { ApiDeps } from "../context.ts";
import { errorResponses } from "../openapi-shared.ts";
import { ProblemError, problems } from "../problem.ts";

const LATEST_RUNS = 20;
const FEED_ID = /^\d{1,20}-\d{1,20}$/;

const Counters = z.object({
  successes: z.number().int(),
  failures: z.number().int(),
  latencyCount: z.number().int(),
  latencyAvgMs: z.number().nullable(),
  latencyMaxMs: z.number().nullable(),
});

const LiveRun = z.object({
  runId: z.string(),
  status: z.string(),
  trigger: z.string().nullable(),
  attempt: z.number().int(),
  queuedAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastErrorClass: z.string().nullable(),
  lastError: z.string().nullable(),
  durationMs: z.number().nullable(),
});

const LiveJob = z
  .object({
    source: z
      .enum(["redis", "postgres"])
      .openapi({ description: "postgres: Redis is unavailable (counters null)" }),
    jobId: z.string(),
    status: z.string(),
    name: z.string().nullable(),
    version: z.number().int(),
    updatedAt: z.string().nullable(),
    lastRunId: z.string().nullable(),
    lastRunStatus: z.string().nullable(),
    lastRunFinishedAt: z.string().nullable(),
    counters: z.object({ lastHour: Counters, lastDay: Counters }).nullable(),
    latestRuns: z.array(LiveRun).openapi({ description: `newest first, at most ${LATEST_RUNS}` }),
    running: z.array(z.string()),
  })
  .openapi("LiveJob");

const serviceUnavailable = {
  503: {
    description: "the live read model (Redis) is unavailable",
    content: { "application/problem+json": { schema: z.object({}).passthrough() } },
  },
};

export function registerLiveRoutes(app: Api, deps: ApiDeps): void {
  const heartbeatMs = deps.config.redis.heartbeatMs;
  const maxStreams = deps.config.redis.liveStreamsPerPrincipal;
  /** open streams per principal (tenant + actor) on this instance: each holds a Redis connection */
  const openStreams = new Map<string, number>();
  /** takes one of the principal's stream slots; the returned function gives it back (once) */
  const takeSlot = (principal: string): (() => void) | null => {
    const open = openStreams.get(principal) ?? 0;
    if (open >= maxStreams) return null;
    openStreams.set(principal, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (openStreams.get(principal) ?? 1) - 1;
      if (left <= 0) openStreams.delete(principal);
      else openStreams.set(principal, left);
    };
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/live",
      tags: ["live"],
      summary: "The tenant's live feed of events as Server-Sent Events",
      description:
        "Each SSE event has `id` (a feed entry id; reconnect with `Last-Event-ID` to resume after it), " +
        "`event` (the event type) and `data` (JSON: type, streamId, version, occurredAt, jobId, runId, facts). " +
        `A comment line \`: heartbeat\` is sent every ${Math.round(heartbeatMs / 1000)} s while idle.`,
      request: {
        query: z.object({
          lastEventId: z.string().max(64).optional().openapi({
            description:
              "resume after this entry id (as Last-Event-ID, for clients that cannot set headers); 0 = from the start",
          }),
        }),
      },
      responses: {
        200: { description: "an event stream", content: { "text/event-stream": { schema: z.string() } } },
        ...errorResponses(400),
        429: {
          description: `this credential already holds ${maxStreams} open streams (JOBLEDGER_LIVE_MAX_STREAMS)`,
          content: { "application/problem+json": { schema: z.object({}).passthrough() } },
        },
        ...serviceUnavailable,
      },
    }),
    async (c) => {
      const requested = c.req.header("last-event-id") ?? c.req.valid("query").lastEventId;
      if (requested !== undefined && requested !== "0" && !FEED_ID.test(requested)) {
        throw problems.validation(
          [{ path: "Last-Event-ID", message: "must be a feed entry id like 1700000000000-0, or 0" }],
          400,
        );
      }
      if (!deps.live) throw problems.unavailable("live status needs Redis, which is not available");
      const release = takeSlot(`${c.get("tenant")}\u0000${c.get("actor")}`);
      if (!release) {
        throw new ProblemError(
          429,
          "too-many-live-streams",
          "Too many live streams",
          `this credential already holds ${maxStreams} open /v1/live streams on this instance; close one first`,
        );
      }
      let reader: LiveFeedReader | undefined;
      let after: string;
      try {
        reader = await deps.live.openFeed(c.get("tenant"));
        after = requested ?? (await reader.latestId());
      } catch (error) {
        reader?.close();
        release();
        deps.logger.warn({ err: error }, "live feed: redis unavailable");
        throw problems.unavailable("live status needs Redis, which is not answering");
      }
      const feed = reader;
      c.header("Cache-Control", "no-cache");
      c.header("X-Accel-Buffering", "no");
      return streamSSE(c, async (stream) => {
        stream.onAbort(() => {
          feed.close();
          release();
        });
        try {
          await stream.write(`retry: 3000\n: connected\n\n`);
          while (!stream.aborted) {
            const entries = await feed.read(after, heartbeatMs);
            if (stream.aborted) break;
            if (entries.length === 0) {
              await stream.write(": heartbeat\n\n");
              continue;
            }
            for (const entry of entries) {
              await stream.writeSSE({
                id: entry.id,
                event: entry.event.type,
                data: JSON.stringify(entry.event),
              });
              after = entry.id;
            }
          }
        } catch (error) {
          if (!stream.aborted) {
            deps.logger.warn({ err: error }, "live feed stopped: redis error");
            await stream.writeSSE({ event: "unavailable", data: JSON.stringify({ reason: "redis error" }) });
          }
        } finally {
          feed.close();
          release();
        }
      });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/live/jobs/{id}",
      tags: ["live"],
      summary: "A job's live status, attempt counters (last hour, last day) and latest runs",
      request: {
        params: z.object({
          id: z
            .string()
            .uuid()
            .openapi({ param: { name: "id", in: "path" } }),
        }),
      },
      responses: {
        200: { description: "the live view", content: { "application/json": { schema: LiveJob } } },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const tenant = c.get("tenant");
      const { id } = c.req.valid("param");
      let view: LiveJobView | null = null;
      if (deps.live) {
        try {
          view = await deps.live.job(tenant, id);
        } catch (error) {
          deps.logger.warn({ err: error }, "live job view: redis error; serving from Postgres");
        }
      }
      if (view && view.status !== "deleted") return c.json({ source: "redis" as const, ...view }, 200);
      return c.json(await fromPostgres(deps, tenant, id), 200);
    },
  );
}

/** The live view derived from the Postgres read models (no counters). */
async function fromPostgres(deps: ApiDeps, tenant: string, jobId: string) {
  const job = await deps.jobQueries.get(tenant, jobId);
  if (!job) throw problems.notFound(`job ${jobId}`);
  const page = await deps.runQueries.list(tenant, { jobId, limit: LATEST_RUNS });
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  const latestRuns = page.items.map((r) => ({
    runId: r.runId,
    status: r.status,
    trigger: r.trigger,
    attempt: r.attempt,
    queuedAt: iso(r.createdAt),
    startedAt: null,
    finishedAt: iso(r.finishedAt),
    lastStatusCode: r.lastStatusCode,
    lastErrorClass: r.lastErrorClass,
    lastError: r.lastError,
    durationMs: null,
  }));
  const last = latestRuns[0];
  return {
    source: "postgres" as const,
    jobId,
    status: job.status,
    name: job.name,
    version: job.version,
    updatedAt: iso(job.updatedAt),
    lastRunId: last?.runId ?? null,
    lastRunStatus: last?.status ?? null,
    lastRunFinishedAt: last?.finishedAt ?? null,
    counters: null,
    latestRuns,
    running: latestRuns.filter((r) => r.status === "running").map((r) => r.runId),
  };
}
