/**
 * Turns request validation failures into problem details: body issues are 422 with one entry
 * per field, path/query/header issues are 400.
 */

import { validationIssues } from "@jobledger/core/domain/job/definition";
import type { Context } from "hono";
import type { ZodError } from "zod";
import { problemResponse, problems } from "./problem.ts";

export function validationHook(
  result:
    | { success: true; data: unknown; target: string }
    | { success: false; error: ZodError; target: string },
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  const issues = validationIssues(result.error);
  const where = result.target === "json" ? "" : `${result.target}.`;
  const located = issues.map((i) => ({ ...i, path: `${where}${i.path}`.replace(/\.$/, "") }));
  return problemResponse(c, problems.validation(located, result.target === "json" ? 422 : 400));
}
