/** OpenAPI pieces shared by routes: the problem-details schema and error responses. */
import { z } from "@hono/zod-openapi";

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "/problems/validation-failed" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

const DESCRIPTIONS: Record<number, string> = {
  400: "malformed request (bad JSON, query, path or header)",
  404: "not found (or not visible to this tenant)",
  409: "conflict: a concurrent change, or not allowed in the current state",
  410: "the job was deleted",
  412: "If-Match does not match the current version",
  413: "body too large",
  415: "body is not JSON",
  422: "the body is well-formed but not valid; `errors` names each field",
};

export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: DESCRIPTIONS[status] ?? "error",
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    ]),
  );
}

/** The header a read answered with an older version than `minVersion` asked for carries. */
export const STALE_HEADER = "Jobledger-Stale";

/** `?minVersion=N` on reads of one resource: wait (up to 5 s) until the read model holds it. */
export const MinVersionQuery = z.object({
  minVersion: z.coerce
    .number()
    .int()
    .min(1)
    .max(2_147_483_647)
    .optional()
    .openapi({
      description:
        "read your own write: wait up to 5 s until the read model holds at least this version (the " +
        "ETag or `version` a command answered); then the answer is what it holds, with " +
        `\`${STALE_HEADER}: true\` when that is still older (404 only when it holds nothing)`,
      example: 2,
    }),
});

/** Response headers of a read that takes `minVersion`. */
export const staleHeaders = {
  [STALE_HEADER]: {
    description: "`true` when `minVersion` was given and the read model still held an older version",
    schema: { type: "string" as const, enum: ["true"] },
  },
};
