/**
 * Runs: trigger a job now, list and read runs (with their attempt timeline), read an attempt's
 * stored whole response body, cancel a run, list dead-lettered runs and redrive a selection
 * of them. Commands go through the run
 * command service; reads come from the runs read model.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { readAtLeastVersion } from "@jobledger/core/application/read-own-write";
import type { RunCommandResult } from "@jobledger/core/application/run-commands";
import { RUN_STATUSES } from "@jobledger/core/domain/run/aggregate";
import type { Context } from "hono";
import { v7 as uuidv7 } from "uuid";
import type { Api } from "../app.ts";
import type { ApiDeps, ApiEnv } from "../context.ts";
import { commandErrorToProblem } from "../errors.ts";
import { errorResponses, MinVersionQuery, STALE_HEADER, staleHeaders } from "../openapi-shared.ts";
import { ProblemError, problems } from "../problem.ts";
import { RedriveResult, Run, RunPage, type RunSummary } from "../schemas.ts";

const uuid = (name: string) =>
  z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, `${name} must be a UUID`)
    .openapi({ param: { name, in: "path" } });

const ListQuery = z.object({
  jobId: z.string().uuid().optional(),
  status: z.enum(RUN_STATUSES).optional(),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: "created at or after (ISO instant)" }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: "created before (ISO instant)" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

const TriggerBody = z
  .object({
    body: z
      .string()
      .max(256 * 1024)
      .nullable()
      .optional()
      .openapi({ description: "send this body instead of the job's (null: no body)" }),
  })
  .strict();

const CancelBody = z.object({ reason: z.string().max(500).nullable().optional() }).strict();

const RedriveBody = z
  .object({
    runIds: z.array(z.string().uuid()).max(1000).optional().openapi({ description: "exactly these runs" }),
    jobId: z.string().uuid().optional().openapi({ description: "or: the dead letters of this job" }),
    limit: z.number().int().min(1).max(1000).default(100),
    dryRun: z.boolean().default(false),
    reason: z.string().max(500).nullable().optional(),
  })
  .strict();

const runContent = { "application/json": { schema: Run } };

export function registerRunRoutes(app: Api, deps: ApiDeps): void {
  const ctx = (c: Context<ApiEnv>) => ({
    tenant: c.get("tenant"),
    actor: c.get("actor"),
    correlationId: c.get("requestId"),
    causationId: null,
  });
  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw commandErrorToProblem(error);
    }
  };
  const readRun = async (tenant: string, runId: string) => {
    const row = await deps.runQueries.get(tenant, runId);
    if (!row) throw problems.notFound(`run ${runId}`);
    return row;
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/jobs/{id}/runs",
      tags: ["runs"],
      summary: "Run a job now (outside its schedule); the overlap policy does not apply",
      request: {
        params: z.object({ id: uuid("id") }),
        body: { required: false, content: { "application/json": { schema: TriggerBody } } },
      },
      responses: {
        202: {
          description: "queued",
          content: {
            "application/json": { schema: z.object({ runId: z.string(), status: z.literal("queued") }) },
          },
        },
        ...errorResponses(400, 404, 410, 413, 415, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const input = (c.req.header("content-length") ?? "0") === "0" ? {} : c.req.valid("json");
      const { state } = await deps.jobCommands.loadJob(c.get("tenant"), id);
      if (!state) throw problems.notFound(`job ${id}`);
      if (state.status === "deleted") throw problems.gone(`job ${id}`);
      const request =
        input.body === undefined
          ? state.definition.request
          : { ...state.definition.request, body: input.body };
      if (request.body !== null && (request.method === "GET" || request.method === "HEAD")) {
        throw problems.validation([
          { path: "body", message: `a ${request.method} request cannot have a body` },
        ]);
      }
      const runId = uuidv7();
      await run(() =>
        deps.runCommands.queue(ctx(c), {
          runId,
          jobId: id,
          jobVersion: state.version,
          trigger: "manual",
          scheduledFor: null,
          dueAt: deps.clock.now(),
          request,
          retry: state.definition.retry,
        }),
      );
      c.header("Location", `/v1/runs/${runId}`);
      return c.json({ runId, status: "queued" as const }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/runs",
      tags: ["runs"],
      summary: "List runs, newest first (skipped fires included, with their reason)",
      request: { query: ListQuery },
      responses: {
        200: { description: "a page of runs", content: { "application/json": { schema: RunPage } } },
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await run(() =>
        deps.runQueries.list(c.get("tenant"), {
          jobId: q.jobId,
          status: q.status,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          limit: q.limit,
          cursor: q.cursor,
        }),
      );
      return c.json({ items: page.items.map(runSummary), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{id}",
      tags: ["runs"],
      summary: "A run with its full attempt timeline (`minVersion` reads your own write)",
      request: { params: z.object({ id: uuid("id") }), query: MinVersionQuery },
      responses: {
        200: { description: "the run", content: runContent, headers: staleHeaders },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const tenant = c.get("tenant");
      const { id } = c.req.valid("param");
      const { minVersion } = c.req.valid("query");
      if (minVersion === undefined) return c.json(runDetail(await readRun(tenant, id)), 200);
      const read = () => deps.runQueries.get(tenant, id);
      const { value: row, fresh } = await readAtLeastVersion({ read, minVersion, signal: c.req.raw.signal });
      if (!row) throw problems.notFound(`run ${id}`);
      if (!fresh) c.header(STALE_HEADER, "true");
      return c.json(runDetail(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/runs/{id}/attempts/{attempt}/body",
      tags: ["runs"],
      summary:
        "An attempt's whole response body as stored (up to the runner's read cap), with its content type",
      description:
        "The bytes the target sent, as the runner read them (see `body` in the attempt: size, SHA-256, " +
        "truncated). Served with `Content-Security-Policy: sandbox` and `X-Content-Type-Options: nosniff`, " +
        "so a stored HTML body cannot run scripts. 404 when the run, the attempt or a stored body does not exist.",
      request: {
        params: z.object({
          id: uuid("id"),
          // checked in the handler, after the run: another tenant's run answers 404 whatever follows
          attempt: z
            .string()
            .openapi({ param: { name: "attempt", in: "path" }, description: "attempt number: 1, 2, …" }),
        }),
      },
      responses: {
        200: {
          description: "the stored bytes",
          content: {
            "application/octet-stream": {
              schema: z
                .string()
                .openapi({ format: "binary", description: "served with the stored content type" }),
            },
          },
        },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { id, attempt: rawAttempt } = c.req.valid("param");
      const tenant = c.get("tenant");
      // the run first: another tenant's run answers 404 whatever the attempt says
      const row = await readRun(tenant, id);
      if (!/^[1-9][0-9]{0,8}$/.test(rawAttempt)) {
        throw problems.validation([{ path: "attempt", message: "must be an attempt number (1, 2, …)" }], 400);
      }
      const attempt = Number(rawAttempt);
      const found = row.attempts.find((a) => a.attempt === attempt);
      if (!found) throw problems.notFound(`attempt ${attempt} of run ${id}`);
      if (!found.body) throw problems.notFound(`a stored body of attempt ${attempt} of run ${id}`);
      const bytes = deps.bodies ? await deps.bodies.read(tenant, found.body.key) : null;
      if (bytes === null) {
        throw problems.notFound(
          `the stored body of attempt ${attempt} of run ${id} (it may have expired under the bucket's retention)`,
        );
      }
      // the stored bytes as they are (a view, not a copy)
      const view = new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
      return new Response(view, {
        status: 200,
        headers: {
          "Content-Type": found.body.contentType ?? "application/octet-stream",
          "Content-Length": String(bytes.byteLength),
          ETag: `"${found.body.sha256}"`,
          "Cache-Control": "private, max-age=3600",
          "Content-Security-Policy": "sandbox; default-src 'none'",
          "X-Content-Type-Options": "nosniff",
          "Jobledger-Body-Truncated": String(found.body.truncated),
        },
      });
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/runs/{id}/cancel",
      tags: ["runs"],
      summary: "Cancel a run that has not finished (no further attempts or retries)",
      request: {
        params: z.object({ id: uuid("id") }),
        body: { required: false, content: { "application/json": { schema: CancelBody } } },
      },
      responses: {
        200: {
          description: "cancelled",
          content: {
            "application/json": {
              schema: z.object({ runId: z.string(), status: z.string(), version: z.number() }),
            },
          },
        },
        ...errorResponses(400, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const input = (c.req.header("content-length") ?? "0") === "0" ? {} : c.req.valid("json");
      const result: RunCommandResult = await run(() =>
        deps.runCommands.cancel(ctx(c), id, { reason: input.reason ?? null }),
      );
      return c.json({ runId: id, status: result.run.status, version: result.run.version }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/dead-letters",
      tags: ["runs"],
      summary: "Runs that exhausted their retries or failed in a way that is not retried",
      request: {
        query: z.object({
          jobId: z.string().uuid().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(512).optional(),
        }),
      },
      responses: {
        200: { description: "a page of runs", content: { "application/json": { schema: RunPage } } },
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await run(() =>
        deps.runQueries.deadLetters(c.get("tenant"), { jobId: q.jobId, limit: q.limit, cursor: q.cursor }),
      );
      return c.json({ items: page.items.map(runSummary), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/dead-letters/redrive",
      tags: ["runs"],
      summary: "Queue dead-lettered runs again (a fresh retry budget); `dryRun` only lists them",
      request: { body: { required: true, content: { "application/json": { schema: RedriveBody } } } },
      responses: {
        200: {
          description: "what was (or would be) redriven",
          content: { "application/json": { schema: RedriveResult } },
        },
        ...errorResponses(400, 413, 415, 422),
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const tenant = c.get("tenant");
      let selected: string[];
      if (input.runIds) {
        selected = input.runIds.slice(0, input.limit);
      } else {
        const page = await deps.runQueries.deadLetters(tenant, {
          jobId: input.jobId,
          limit: Math.min(input.limit, 200),
        });
        selected = page.items.map((r) => r.runId);
      }
      if (input.dryRun) return c.json({ dryRun: true, selected, redriven: [], failed: [] }, 200);
      const redriven: string[] = [];
      const failed: { runId: string; type: string; detail: string }[] = [];
      for (const runId of selected) {
        try {
          await deps.runCommands.redrive(ctx(c), runId, { reason: input.reason ?? null });
          redriven.push(runId);
        } catch (error) {
          const problem = commandErrorToProblem(error);
          if (!(problem instanceof ProblemError)) throw error;
          failed.push({ runId, type: `/problems/${problem.slug}`, detail: problem.message });
        }
      }
      return c.json({ dryRun: false, selected, redriven, failed }, 200);
    },
  );
}

type RunRow = NonNullable<Awaited<ReturnType<ApiDeps["runQueries"]["get"]>>>;
type RunListRow = Awaited<ReturnType<ApiDeps["runQueries"]["list"]>>["items"][number];

function runSummary(row: RunListRow): z.infer<typeof RunSummary> {
  return {
    runId: row.runId,
    jobId: row.jobId,
    status: row.status,
    trigger: row.trigger,
    scheduledFor: row.scheduledFor?.toISOString() ?? null,
    dueAt: row.dueAt?.toISOString() ?? null,
    attempt: row.attempt,
    lastStatusCode: row.lastStatusCode,
    lastErrorClass: row.lastErrorClass,
    lastError: row.lastError,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    skipReason: row.skipReason,
    missedCount: row.missedCount,
    missedFrom: row.missedFrom?.toISOString() ?? null,
    missedTo: row.missedTo?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    version: row.version,
  };
}

function runDetail(row: RunRow): z.infer<typeof Run> {
  return {
    ...runSummary(row),
    attempts: row.attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: a.startedAt.toISOString(),
      deadline: a.deadline?.toISOString() ?? null,
      runner: a.runner,
      finishedAt: a.finishedAt?.toISOString() ?? null,
      outcome: a.outcome,
      statusCode: a.statusCode,
      errorClass: a.errorClass,
      message: a.message,
      durationMs: a.durationMs,
      responseHeaders: a.responseHeaders,
      bodyExcerpt: a.bodyExcerpt,
      bodyBytes: a.bodyBytes,
      bodyTruncated: a.bodyTruncated,
      bodyExcerptReplaced: a.bodyExcerptReplaced,
      body: a.body
        ? {
            bytes: a.body.bytes,
            sha256: a.body.sha256,
            contentType: a.body.contentType,
            truncated: a.body.truncated,
            href: `/v1/runs/${row.runId}/attempts/${a.attempt}/body`,
          }
        : null,
    })),
  };
}
