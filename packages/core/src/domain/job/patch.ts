/**
 * Applying a patch to a job definition and finding what really changed. Top-level fields
 * replace (`schedule` whole, with its bounds, jitter and DST rules; `concurrency: null`
 * clears it); `request`, `retry` and `catchUp` merge one level deep (a given
 * `request.headers` replaces the whole header set). The merged result is a candidate only:
 * the caller validates it whole.
 */
import { isDeepStrictEqual } from "node:util";
import { JOB_FIELDS, type JobDefinition, type JobField, type JobUpdatedData } from "@jobledger/events";
import type { JobPatch } from "./definition.ts";

/** Every field of a definition, in the order they are reported (the schema's order). */
export { JOB_FIELDS };

/** Fields whose value may be null (cleared); the others always hold a value. */
const NULLABLE_FIELDS: ReadonlySet<JobField> = new Set(["description", "concurrency"]);

const given = <T extends object>(partial: T): Partial<T> =>
  Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The definition a patch asks for (not yet validated as a whole). */
export function mergePatch(current: JobDefinition, patch: JobPatch): JobDefinition {
  const { request, retry, catchUp, ...rest } = patch;
  return {
    ...current,
    ...given(rest),
    request: request ? { ...current.request, ...given(request) } : current.request,
    retry: retry ? { ...current.retry, ...given(retry) } : current.retry,
    catchUp: catchUp ? { ...current.catchUp, ...given(catchUp) } : current.catchUp,
  };
}

/** The fields whose values differ (deep comparison; header order does not matter). */
export function diffDefinitions(
  before: JobDefinition,
  after: JobDefinition,
): { changes: Partial<JobDefinition>; changedFields: JobField[] } {
  const changedFields = JOB_FIELDS.filter((field) => !isDeepStrictEqual(before[field], after[field]));
  const changes = Object.fromEntries(
    changedFields.map((field) => [field, after[field]]),
  ) as Partial<JobDefinition>;
  return { changes, changedFields };
}

/**
 * A definition with a JobUpdated applied. Only `changedFields` are taken from `changes`: a
 * decoder may fill fields that did not change with null, and a description or concurrency
 * cleared to null must still be applied.
 */
export function applyChanges(definition: JobDefinition, update: JobUpdatedData): JobDefinition {
  const next: JobDefinition = { ...definition };
  for (const field of update.changedFields) {
    const value = update.changes[field];
    if ((value === undefined || value === null) && !NULLABLE_FIELDS.has(field)) {
      throw new Error(`JobUpdated names ${field} as changed but carries no value for it`);
    }
    Object.assign(next, { [field]: value ?? null });
  }
  return next;
}
