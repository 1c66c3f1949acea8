/** Stream versions as entity tags: `ETag: "3"`, and `If-Match` parsed back into a version. */
import { problems } from "./problem.ts";

export const etagOf = (version: number) => `"${version}"`;

/**
 * `If-Match: "3"` → 3. Absent → undefined (no precondition). `*` → undefined as well: the
 * command itself fails with 404 when the job does not exist.
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === "*") return undefined;
  const match = /^\s*"(\d{1,15})"\s*$/.exec(header);
  if (!match) {
    throw problems.validation(
      [{ path: "If-Match", message: 'must be an ETag from this API, e.g. "3" (with the quotes)' }],
      400,
    );
  }
  return Number(match[1]);
}
