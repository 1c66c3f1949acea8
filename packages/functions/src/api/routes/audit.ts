/**
 * Audit routes: a job as it was at a version or instant (time travel), what changed between
 * two versions and who changed it, and NDJSON exports of a job's or the tenant's events.
 * Everything here reads the event store, never the read models.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { diffValues } from "@jobledger/core/application/audit/diff";
import { exportLines, ndjsonStream } from "@jobledger/core/application/audit/export";
import { jobAt, type PointInTime, TimeTravelNotFound } from "@jobledger/core/application/audit/time-travel";
import { jobStreamId } from "@jobledger/core/domain/job/stream";
import type { Api } from "../app.ts";
import type { ApiDeps } from "../context.ts";
import { jobView } from "../job-view.ts";
import { errorResponses } from "../openapi-shared.ts";
import { problems } from "../problem.ts";
import { Job } from "../schemas.ts";

const JobIdParam = z.object({
  id: z
    .string()
    .regex(/^[0-9a-f-]{36}$/i, "must be a job id (UUID)")
    .openapi({ param: { name: "id", in: "path" }, example: "01936f3e-8c1a-7cc2-9d4b-2f2b1c7e9a10" }),
});

const isoInstant = z.iso.datetime({ offset: true });

const StateQuery = z.object({
  version: z.coerce.number().int().min(1).optional().openapi({ description: "stream version to fold up to" }),
  at: isoInstant
    .optional()
    .openapi({ description: "ISO instant: fold the events that occurred at or before it" }),
});

const DiffQuery = z.object({
  from: z.coerce
    .number()
    .int()
    .min(0)
    .openapi({ description: "version before (0 = before the job existed)" }),
  to: z.coerce.number().int().min(1).openapi({ description: "version after" }),
});

const ExportQuery = z.object({
  from: isoInstant.optional().openapi({ description: "events that occurred at or after this instant" }),
  to: isoInstant.optional().openapi({ description: "events that occurred before this instant" }),
  type: z
    .string()
    .max(500)
    .optional()
    .openapi({ description: "comma-separated event types, e.g. JobUpdated,JobPaused" }),
});

const JobAt = Job.extend({
  at: z.string().openapi({ description: "when the last folded event occurred" }),
}).openapi("JobAt");

const JobDiff = z
  .object({
    id: z.string(),
    from: z.number().int(),
    to: z.number().int(),
    changes: z.array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() })),
    events: z.array(
      z.object({
        version: z.number().int(),
        type: z.string(),
        occurredAt: z.string(),
        actor: z.string(),
        correlationId: z.string(),
        causationId: z.string().nullable(),
      }),
    ),
  })
  .openapi("JobDiff");

const ndjson = {
  "application/x-ndjson": {
    schema: z
      .string()
      .openapi({ description: "one JSON event per line (stream, version, type, schemaVersion, …)" }),
  },
};

/** A streamed NDJSON response (a plain Response: the typed helpers know only JSON bodies). */
const ndjsonResponse = (lines: Parameters<typeof ndjsonStream>[0]): Response =>
  new Response(ndjsonStream(lines), { status: 200, headers: { "Content-Type": "application/x-ndjson" } });

/** Fields that describe the version itself, not the job: left out of a diff. */
const BOOKKEEPING = new Set(["version", "updatedAt", "updatedBy"]);

export function registerAuditRoutes(app: Api, deps: ApiDeps): void {
  const load = async (tenant: string, id: string, point: PointInTime) => {
    try {
      return await jobAt(deps.eventStore, tenant, id, point);
    } catch (error) {
      if (error instanceof TimeTravelNotFound) throw problems.notFound(`job ${id} at that point`);
      throw error;
    }
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs/{id}/state",
      tags: ["audit"],
      summary: "The job as it was at a version (?version=N) or instant (?at=ISO), folded from its events",
      request: { params: JobIdParam, query: StateQuery },
      responses: {
        200: { description: "the job at that point", content: { "application/json": { schema: JobAt } } },
        ...errorResponses(400, 404, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { version, at } = c.req.valid("query");
      if ((version === undefined) === (at === undefined)) {
        throw problems.validation([{ path: "query", message: "give exactly one of version or at" }]);
      }
      const point: PointInTime = version !== undefined ? { version } : { at: new Date(at as string) };
      const { state, history } = await load(c.get("tenant"), id, point);
      const last = history[history.length - 1];
      return c.json({ ...jobView({ state, history }), at: last ? last.occurredAt.toISOString() : "" }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs/{id}/diff",
      tags: ["audit"],
      summary: "What changed between two versions of a job, and the events (who, when) that changed it",
      request: { params: JobIdParam, query: DiffQuery },
      responses: {
        200: { description: "the changes", content: { "application/json": { schema: JobDiff } } },
        ...errorResponses(400, 404, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { from, to } = c.req.valid("query");
      if (to <= from)
        throw problems.validation([{ path: "query.to", message: "to must be greater than from" }]);
      const tenant = c.get("tenant");
      const after = await load(tenant, id, { version: to });
      const before = from === 0 ? null : await load(tenant, id, { version: from });
      const strip = (view: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(view).filter(([k]) => !BOOKKEEPING.has(k)));
      const changes = diffValues(before ? strip(jobView(before)) : {}, strip(jobView(after))).map(
        (change) => ({ ...change, before: change.before ?? null, after: change.after ?? null }),
      );
      const events = after.history.slice(from).map((e) => ({
        version: e.version,
        type: e.type,
        occurredAt: e.occurredAt.toISOString(),
        actor: e.actor,
        correlationId: e.correlationId,
        causationId: e.causationId,
      }));
      return c.json({ id, from, to, changes, events }, 200);
    },
  );

  const filterOf = (q: z.infer<typeof ExportQuery>) => ({
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    types: q.type
      ?.split(",")
      .map((t) => t.trim())
      .filter(Boolean),
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs/{id}/events/export",
      tags: ["audit"],
      summary: "A job's events as JSON Lines (streamed)",
      request: { params: JobIdParam, query: ExportQuery },
      responses: { 200: { description: "NDJSON", content: ndjson }, ...errorResponses(400, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const tenant = c.get("tenant");
      const first = await deps.eventStore.readStream(jobStreamId(tenant, id), { limit: 1 });
      if (first.events.length === 0) throw problems.notFound(`job ${id}`);
      const lines = exportLines(deps.eventStore, { tenant, jobId: id }, filterOf(c.req.valid("query")));
      // zod-openapi types only JSON/text bodies; an NDJSON stream is typed as `never`
      return ndjsonResponse(lines) as never;
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/audit/export",
      tags: ["audit"],
      summary: "Every event of the tenant (jobs and runs) as JSON Lines, in commit order (streamed)",
      request: { query: ExportQuery },
      responses: { 200: { description: "NDJSON", content: ndjson }, ...errorResponses(400) },
    }),
    async (c) => {
      const lines = exportLines(deps.eventStore, { tenant: c.get("tenant") }, filterOf(c.req.valid("query")));
      // zod-openapi types only JSON/text bodies; an NDJSON stream is typed as `never`
      return ndjsonResponse(lines) as never;
    },
  );
}
