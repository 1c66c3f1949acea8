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
