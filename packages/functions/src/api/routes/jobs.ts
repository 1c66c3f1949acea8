/**
 * /v1/jobs: define, change, pause, resume and delete jobs (commands, answered from the event
 * store's result), list and read them (queries, from the Postgres read model), and read a
 * job's audit trail (from the event store).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { JobCommandResult } from "@jobledger/core/application/job-commands";
import { readAtLeastVersion } from "@jobledger/core/application/read-own-write";
import { isKnownTimeZone, JobDefinitionInput, JobPatchInput } from "@jobledger/core/domain/job/definition";
import { previewFires } from "@jobledger/core/domain/schedule/preview";
import type { DecodedEvent } from "@jobledger/events";
import type { Context } from "hono";
import type { Api } from "../app.ts";
import type { ApiDeps, ApiEnv } from "../context.ts";
import { commandErrorToProblem } from "../errors.ts";
import { etagOf, parseIfMatch } from "../etag.ts";
import { jobView } from "../job-view.ts";
import { errorResponses, MinVersionQuery, STALE_HEADER, staleHeaders } from "../openapi-shared.ts";
import { problems } from "../problem.ts";
import { type AuditEvent, AuditPage, Job, JobPage, SchedulePreview } from "../schemas.ts";

const JobIdParam = z.object({
  id: z
    .string()
    .regex(/^[0-9a-f-]{36}$/i, "must be a job id (UUID)")
    .openapi({ param: { name: "id", in: "path" }, example: "01936f3e-8c1a-7cc2-9d4b-2f2b1c7e9a10" }),
});

const IfMatch = z.object({
  "if-match": z
    .string()
    .optional()
    .openapi({ description: 'the version from the ETag, e.g. "3"; 412 when the job has changed since' }),
});

const IdempotencyKeyHeader = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .openapi({ description: "replays the first response for a repeated request (24 h)" }),
});

const ListQuery = z.object({
  status: z.enum(["active", "paused"]).optional(),
  tag: z.string().max(63).optional(),
  q: z.string().max(200).optional().openapi({ description: "name contains (case-insensitive)" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

const PreviewQuery = z.object({
  count: z.coerce.number().int().min(1).max(100).default(10),
  timezone: z.string().max(64).optional().openapi({ description: "show `local` times in this zone instead" }),
});

const EventsQuery = z.object({
  fromVersion: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const jobContent = { "application/json": { schema: Job } };
const reason = z.object({ reason: z.string().max(500).nullable().optional() }).strict();

export function registerJobRoutes(app: Api, deps: ApiDeps): void {
  const meta = (c: Context<ApiEnv>, expectedVersion?: number) => ({
    tenant: c.get("tenant"),
    actor: c.get("actor"),
    correlationId: c.get("requestId"),
    causationId: null,
    expectedVersion,
  });
  const viewOf = (c: Context<ApiEnv>, result: JobCommandResult) => {
    c.header("ETag", etagOf(result.job.version));
    return jobView({ state: result.job, history: result.history });
  };
  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw commandErrorToProblem(error);
    }
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/jobs",
      tags: ["jobs"],
      summary: "Define a job",
      request: {
        headers: IdempotencyKeyHeader,
        body: { required: true, content: { "application/json": { schema: JobDefinitionInput } } },
      },
      responses: {
        201: { description: "created", content: jobContent },
        ...errorResponses(400, 413, 415, 422),
      },
    }),
    async (c) => {
      const result = await run(() => deps.jobCommands.create(meta(c), c.req.valid("json")));
      c.header("Location", `/v1/jobs/${result.job.id}`);
      return c.json(viewOf(c, result), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs",
      tags: ["jobs"],
      summary: "List jobs (newest first, cursor paging)",
      description:
        "Reads the read model, which follows the event store asynchronously: a job created a moment " +
        "ago may not be listed yet. To read one job you just wrote, use `GET /v1/jobs/{id}?minVersion=N`.",
      request: { query: ListQuery },
      responses: {
        200: { description: "a page of jobs", content: { "application/json": { schema: JobPage } } },
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await run(() =>
        deps.jobQueries.list(c.get("tenant"), {
          status: q.status,
          tag: q.tag,
          search: q.q,
          limit: q.limit,
          cursor: q.cursor,
        }),
      );
      return c.json({ items: page.items.map((row) => jobView({ row })), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs/{id}",
      tags: ["jobs"],
      summary: "Read a job (from the read model; `minVersion` reads your own write)",
      description:
        "The read model follows the event store asynchronously (milliseconds, seconds under load). " +
        "After a command, pass the version it answered as `minVersion` to wait (up to 5 s) until " +
        `the read model holds it; an older version is answered with \`${STALE_HEADER}: true\`.`,
      request: { params: JobIdParam, query: MinVersionQuery },
      responses: {
        200: { description: "the job", content: jobContent, headers: staleHeaders },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const tenant = c.get("tenant");
      const { id } = c.req.valid("param");
      const { minVersion } = c.req.valid("query");
      const read = () => deps.jobQueries.get(tenant, id);
      const { value: row, fresh } =
        minVersion === undefined
          ? { value: await read(), fresh: true }
          : await readAtLeastVersion({ read, minVersion, signal: c.req.raw.signal });
      if (!row) throw problems.notFound(`job ${id}`);
      if (!fresh) c.header(STALE_HEADER, "true");
      c.header("ETag", etagOf(row.version));
      return c.json(jobView({ row }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/jobs/{id}",
      tags: ["jobs"],
      summary: "Change a job (a JSON Merge Patch, RFC 7396)",
      description:
        "The body is a JSON Merge Patch (RFC 7396) of the job definition, sent as " +
        "`application/merge-patch+json` or, meaning the same, `application/json`: objects merge " +
        "recursively (`{schedule: {expression}}` keeps the zone, jitter, bounds and DST rules), " +
        "`null` removes a field so it returns to its default (a required one is then refused), " +
        "arrays replace. Header names in `request.headers` match ignoring case; a new " +
        "`schedule.type` drops the fields only the old kind has. The merged definition is " +
        "validated whole: what is wrong with it is a 422 naming the field.",
      request: {
        params: JobIdParam,
        headers: IfMatch,
        body: {
          required: true,
          content: {
            "application/merge-patch+json": { schema: JobPatchInput },
            "application/json": { schema: JobPatchInput },
          },
        },
      },
      responses: {
        200: { description: "changed", content: jobContent },
        ...errorResponses(400, 404, 409, 410, 412, 413, 415, 422),
      },
    }),
    async (c) => {
      const expected = parseIfMatch(c.req.valid("header")["if-match"]);
      const id = c.req.valid("param").id;
      const result = await run(() => deps.jobCommands.update(meta(c, expected), id, c.req.valid("json")));
      return c.json(viewOf(c, result), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/jobs/{id}",
      tags: ["jobs"],
      summary: "Delete a job (its history stays)",
      request: { params: JobIdParam, headers: IfMatch },
      responses: { 204: { description: "deleted" }, ...errorResponses(400, 404, 409, 410, 412) },
    }),
    async (c) => {
      const expected = parseIfMatch(c.req.valid("header")["if-match"]);
      const result = await run(() => deps.jobCommands.delete(meta(c, expected), c.req.valid("param").id, {}));
      c.header("ETag", etagOf(result.job.version));
      return c.body(null, 204);
    },
  );

  for (const action of ["pause", "resume"] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/v1/jobs/{id}/${action}`,
        tags: ["jobs"],
        summary: action === "pause" ? "Pause a job (it stops firing)" : "Resume a paused job",
        request: {
          params: JobIdParam,
          headers: IfMatch.merge(IdempotencyKeyHeader),
          body: { required: false, content: { "application/json": { schema: reason } } },
        },
        responses: {
          200: { description: `${action}d`, content: jobContent },
          ...errorResponses(400, 404, 409, 410, 412),
        },
      }),
      async (c) => {
        const expected = parseIfMatch(c.req.valid("header")["if-match"]);
        const id = c.req.valid("param").id;
        const body = (c.req.header("content-length") ?? "0") === "0" ? {} : c.req.valid("json");
        const result = await run(() =>
          action === "pause"
            ? deps.jobCommands.pause(meta(c, expected), id, { reason: body.reason ?? null })
            : deps.jobCommands.resume(meta(c, expected), id),
        );
        return c.json(viewOf(c, result), 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs/{id}/schedule/preview",
      tags: ["jobs"],
      summary: "The job's next fire times, in UTC and in the schedule's time zone (DST notes included)",
      request: { params: JobIdParam, query: PreviewQuery },
      responses: {
        200: {
          description: "the next fire times",
          content: { "application/json": { schema: SchedulePreview } },
        },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { count, timezone } = c.req.valid("query");
      const { state, history } = await deps.jobCommands.loadJob(c.get("tenant"), id);
      const created = history[0];
      if (!state || state.status === "deleted" || !created) throw problems.notFound(`job ${id}`);
      if (timezone !== undefined && !isKnownTimeZone(timezone)) {
        throw problems.validation(
          [{ path: "query.timezone", message: `unknown time zone "${timezone}"` }],
          400,
        );
      }
      const fires = previewFires(
        state.definition.schedule,
        created.occurredAt,
        deps.clock.now(),
        count,
        timezone,
      );
      return c.json({ status: state.status, schedule: state.definition.schedule, fires }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs/{id}/events",
      tags: ["jobs", "audit"],
      summary: "A job's audit trail: every change, who made it and when",
      request: { params: JobIdParam, query: EventsQuery },
      responses: {
        200: { description: "a page of events", content: { "application/json": { schema: AuditPage } } },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { fromVersion, limit } = c.req.valid("query");
      const streamId = `${c.get("tenant")}/job/${id}`;
      const page = await deps.eventStore.readStream(streamId, { fromVersion, limit });
      if (page.events.length === 0 && fromVersion === 1) throw problems.notFound(`job ${id}`);
      return c.json({ items: page.events.map(auditEvent), nextFromVersion: page.next }, 200);
    },
  );
}

function auditEvent(e: DecodedEvent): z.infer<typeof AuditEvent> {
  return {
    version: e.version,
    type: e.type,
    eventId: e.eventId,
    occurredAt: e.occurredAt.toISOString(),
    actor: e.actor,
    correlationId: e.correlationId,
    causationId: e.causationId,
    schemaVersion: e.schemaVersion,
    data: e.data as unknown as Record<string, unknown>,
    hash: e.hash,
  };
}
