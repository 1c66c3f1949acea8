/** Response shapes of the API, as zod schemas that also document them in OpenAPI. */
import { z } from "@hono/zod-openapi";
import { RUN_STATUSES } from "@jobledger/core/domain/run/aggregate";

const HttpRequestSpec = z
  .object({
    method: z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    body: z.string().nullable(),
    timeoutMs: z.number().int(),
  })
  .openapi("HttpRequestSpec");

const bounds = {
  startAt: z.string().nullable(),
  endAt: z.string().nullable(),
  jitterSeconds: z.number().int(),
};

const Schedule = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("cron"),
      expression: z.string(),
      timezone: z.string(),
      dst: z.object({ nonexistent: z.enum(["run-after", "skip"]), repeated: z.enum(["first", "both"]) }),
      ...bounds,
    }),
    z.object({ type: z.literal("rate"), everySeconds: z.number().int(), ...bounds }),
    z.object({ type: z.literal("once"), at: z.string(), ...bounds }),
  ])
  .openapi("Schedule");

const RetryPolicy = z
  .object({
    maxAttempts: z.number().int(),
    initialDelayMs: z.number().int(),
    maxDelayMs: z.number().int(),
    multiplier: z.number(),
    retryOn: z.array(z.enum(["network", "timeout", "429", "5xx", "4xx"])),
  })
  .openapi("RetryPolicy");

export const Job = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    request: HttpRequestSpec,
    schedule: Schedule,
    retry: RetryPolicy,
    overlap: z.enum(["skip", "queue", "allow", "cancel-previous"]),
    concurrency: z.number().int().nullable(),
    catchUp: z.object({ windowSeconds: z.number().int(), maxRuns: z.number().int() }),
    tags: z.array(z.string()),
    status: z.enum(["active", "paused", "deleted"]),
    version: z.number().int().openapi({ description: "stream version; also the ETag" }),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .openapi("Job");

export const JobPage = z
  .object({ items: z.array(Job), nextCursor: z.string().nullable() })
  .openapi("JobPage");

export const AuditEvent = z
  .object({
    version: z.number().int(),
    type: z.string(),
    eventId: z.string(),
    occurredAt: z.string(),
    actor: z.string(),
    correlationId: z.string(),
    causationId: z.string().nullable(),
    schemaVersion: z.number().int(),
    data: z.record(z.string(), z.unknown()),
    hash: z.string(),
  })
  .openapi("AuditEvent");

export const AuditPage = z
  .object({ items: z.array(AuditEvent), nextFromVersion: z.number().int().nullable() })
  .openapi("AuditPage");

export const SchedulePreview = z
  .object({
    status: z.enum(["active", "paused", "deleted"]),
    schedule: Schedule,
    fires: z.array(
      z.object({
        at: z.string().openapi({ description: "UTC instant" }),
        local: z.string().openapi({ description: "the same instant in the zone, with its offset" }),
        note: z.string().optional().openapi({ description: "set when DST shifted or repeated this time" }),
      }),
    ),
  })
  .openapi("SchedulePreview");

const iso = z.string().openapi({ description: "ISO instant" });

export const RunSummary = z
  .object({
    runId: z.string(),
    jobId: z.string(),
    status: z.enum(RUN_STATUSES),
    trigger: z.enum(["schedule", "catch-up", "manual", "retry", "redrive"]),
    scheduledFor: iso.nullable(),
    dueAt: iso.nullable(),
    attempt: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastErrorClass: z.string().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: iso.nullable(),
    skipReason: z.enum(["overlap", "missed", "paused"]).nullable(),
    missedCount: z.number().int().nullable(),
    missedFrom: iso.nullable(),
    missedTo: iso.nullable(),
    createdAt: iso,
    updatedAt: iso,
    finishedAt: iso.nullable(),
    version: z.number().int(),
  })
  .openapi("RunSummary");

export const AttemptBody = z
  .object({
    bytes: z.number().int().openapi({ description: "bytes stored (at most the runner's read cap)" }),
    sha256: z.string().openapi({ description: "hex SHA-256 of the stored bytes" }),
    contentType: z.string().nullable().openapi({ description: "the response's content-type" }),
    truncated: z.boolean().openapi({
      description: "reading stopped at the cap or the body broke off: the object may not hold the whole body",
    }),
    href: z.string().openapi({ description: "where to get it: /v1/runs/{id}/attempts/{attempt}/body" }),
  })
  .openapi("AttemptBody");

export const Attempt = z
  .object({
    attempt: z.number().int(),
    startedAt: iso,
    deadline: iso.nullable(),
    runner: z.string().nullable(),
    finishedAt: iso.nullable(),
    outcome: z.enum(["succeeded", "failed", "timed-out"]).nullable(),
    statusCode: z.number().int().nullable(),
    errorClass: z.string().nullable(),
    message: z.string().nullable(),
    durationMs: z.number().nullable(),
    responseHeaders: z.record(z.string(), z.string()).nullable(),
    bodyExcerpt: z.string().nullable(),
    bodyBytes: z.number().int().nullable(),
    bodyTruncated: z.boolean().nullable(),
    bodyExcerptReplaced: z
      .boolean()
      .nullable()
      .openapi({
        description:
          "true when NUL or bytes that are not UTF-8 were replaced by U+FFFD to make bodyExcerpt text; " +
          "the stored body (body.href) has the exact bytes. Null before a response arrived",
      }),
    body: AttemptBody.nullable().openapi({
      description: "the stored whole response body; null when none was stored",
    }),
  })
  .openapi("Attempt");

export const Run = RunSummary.extend({ attempts: z.array(Attempt) }).openapi("Run");

export const RunPage = z
  .object({ items: z.array(RunSummary), nextCursor: z.string().nullable() })
  .openapi("RunPage");

export const RedriveResult = z
  .object({
    dryRun: z.boolean(),
    selected: z.array(z.string()),
    redriven: z.array(z.string()),
    failed: z.array(z.object({ runId: z.string(), type: z.string(), detail: z.string() })),
  })
  .openapi("RedriveResult");
