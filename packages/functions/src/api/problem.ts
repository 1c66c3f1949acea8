/**
 * RFC 9457 problem details: the one shape every error of the API takes, and the mapping
 * from domain and adapter errors to HTTP statuses. Problem `type`s are stable relative URIs
 * (`/problems/<slug>`) documented in docs/api.md.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface FieldIssue {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldIssue[];
  [extension: string]: unknown;
}

/** An error that already knows its HTTP problem; thrown anywhere in the API. */
export class ProblemError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly slug: string,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

export const problemType = (slug: string) => `/problems/${slug}`;

export function problemResponse(c: Context, error: ProblemError): Response {
  const body: Problem = {
    type: problemType(error.slug),
    title: error.title,
    status: error.status,
    detail: error.message,
    instance: c.req.path,
    ...error.extensions,
  };
  const requestId = c.get("requestId" as never) as string | undefined;
  if (requestId) body.requestId = requestId;
  const headers: Record<string, string> = { "Content-Type": "application/problem+json" };
  // the rest of an oversized body is never read: the connection cannot be reused
  if (error.status === 413) headers.Connection = "close";
  return c.body(JSON.stringify(body), error.status, headers);
}

export const problems = {
  validation: (errors: FieldIssue[], status: ContentfulStatusCode = 422) =>
    new ProblemError(
      status,
      "validation-failed",
      "The request is not valid",
      errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; "),
      { errors },
    ),
  malformedJson: (detail: string) =>
    new ProblemError(400, "malformed-json", "The body is not valid JSON", detail),
  notFound: (what: string) => new ProblemError(404, "not-found", "Not found", `${what} was not found`),
  gone: (what: string) => new ProblemError(410, "gone", "Gone", `${what} was deleted`),
  preconditionFailed: (current: number) =>
    new ProblemError(
      412,
      "precondition-failed",
      "The resource has changed",
      `If-Match does not match the current version ${current}`,
      { currentVersion: current },
    ),
  conflict: (detail: string) => new ProblemError(409, "conflict", "Conflict", detail),
  invalidTransition: (detail: string) =>
    new ProblemError(409, "invalid-transition", "Not allowed now", detail),
  tooLarge: (limit: number) =>
    new ProblemError(
      413,
      "payload-too-large",
      "The body is too large",
      `bodies are limited to ${limit} bytes`,
    ),
  unsupportedMediaType: () =>
    new ProblemError(
      415,
      "unsupported-media-type",
      "Unsupported media type",
      "send the body as application/json",
    ),
  idempotencyMismatch: () =>
    new ProblemError(
      422,
      "idempotency-key-reused",
      "Idempotency-Key reused",
      "this Idempotency-Key was used before with a different request",
    ),
  apiKeyAlreadyCreated: (id: string) =>
    new ProblemError(
      409,
      "api-key-already-created",
      "API key already created",
      `the API key ${id} was created by the first request with this Idempotency-Key; its secret ` +
        "was shown once and is not shown again: use that key, or revoke it and create another",
      { id, location: `/v1/api-keys/${id}` },
    ),
  idempotencyInProgress: () =>
    new ProblemError(
      409,
      "idempotency-key-in-progress",
      "Request in progress",
      "a request with this Idempotency-Key is still being processed; retry later",
    ),
  internal: () =>
    new ProblemError(500, "internal", "Internal error", "an unexpected error occurred; it has been logged"),
  unavailable: (detail: string) => new ProblemError(503, "unavailable", "Service unavailable", detail),
};
