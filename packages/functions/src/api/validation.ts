/**
 * Turns request validation failures into problem details: body issues are 422 with one entry
 * per field, path/query/header issues are 400.
 */
import type { Context } from "hono";
import type { ZodError } from "zod";
import { type FieldIssue, problemResponse, problems } from "./problem.ts";

export function zodIssues(error: ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: base ? `${base}.${key}` : key, message: "unknown field" }));
    }
    return [{ path: base, message: issue.message }];
  });
}

export function validationHook(
  result:
    | { success: true; data: unknown; target: string }
    | { success: false; error: ZodError; target: string },
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  const issues = zodIssues(result.error);
  const where = result.target === "json" ? "" : `${result.target}.`;
  const located = issues.map((i) => ({ ...i, path: `${where}${i.path}`.replace(/\.$/, "") }));
  return problemResponse(c, problems.validation(located, result.target === "json" ? 422 : 400));
}
