/**
 * Applying a patch to a job definition and finding what really changed.
 *
 * A patch is a JSON Merge Patch (RFC 7396) of the definition: objects merge recursively
 * (`{ schedule: { expression } }` keeps the schedule's zone, jitter, bounds and DST rules),
 * `null` removes a field so that it returns to its default (`schedule.jitterSeconds: null` →
 * 0, `description: null` → null; a required field removed is then refused by name), arrays
 * (`tags`, `retry.retryOn`) and other values replace. Two rules of our own, both because a
 * plain merge would produce a definition no one meant:
 * - header names are case-insensitive, so `request.headers` entries match the current ones
 *   ignoring case (`{ "x-team": null }` removes `X-Team`);
 * - `schedule.type` is the schedule's discriminator: a patch that changes it drops the
 *   fields only the old kind has (`expression`, `timezone`, `dst` of cron; `everySeconds` of
 *   rate; `at` of once), as Kubernetes does for unions; the shared `startAt`, `endAt` and
 *   `jitterSeconds` still merge.
 * The merged result is a candidate only: the caller validates it whole (parseJobDefinition),
 * which fills the defaults back in and names every field that is now wrong.
 *
 * Why no library: json-merge-patch (1.0.2, last released 2021) mutates its target and stops
 * merging, silently, at a `constructor` or `prototype` key (both valid header names).
 */
import { isDeepStrictEqual } from "node:util";
import { JOB_FIELDS, type JobDefinition, type JobField, type JobUpdatedData } from "@jobledger/events";
import type { JobPatch } from "./definition.ts";

/** Every field of a definition, in the order they are reported (the schema's order). */
export { JOB_FIELDS };

/** Fields whose value may be null (cleared); the others always hold a value. */
const NULLABLE_FIELDS: ReadonlySet<JobField> = new Set(["description", "concurrency"]);

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Sets an own property, also for a key such as "__proto__" (plain assignment would not). */
const setOwn = (target: JsonObject, key: string, value: unknown) =>
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });

/**
 * RFC 7396 MergePatch(target, patch), leaving both untouched: a patch that is not an object
 * replaces the target; an object patch merges key by key, null removing the key. Keys
 * holding `undefined` (never in parsed JSON) count as absent.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) {
      delete result[key];
    } else {
      setOwn(result, key, applyMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
    }
  }
  return result;
}

/** Fields each kind of schedule has beside `type`, `startAt`, `endAt` and `jitterSeconds`. */
const OWN_SCHEDULE_FIELDS = { cron: ["expression", "timezone", "dst"], rate: ["everySeconds"], once: ["at"] };

/**
 * The definition a patch asks for (not yet validated as a whole): RFC 7396 merge, with
 * header names matched ignoring case and a changed `schedule.type` dropping the old kind's
 * own fields (see the top of this file).
 */
export function mergePatch(current: JobDefinition, patch: JobPatch): unknown {
  let target: JsonObject = { ...current };
  const headers = patch.request?.headers;
  if (isObject(headers)) {
    const given = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
    const kept = Object.entries(current.request.headers).filter(([name]) => !given.has(name.toLowerCase()));
    target = { ...target, request: { ...current.request, headers: Object.fromEntries(kept) } };
  }
  const type = patch.schedule?.type;
  if (typeof type === "string" && type !== current.schedule.type) {
    const dropped = new Set<string>(OWN_SCHEDULE_FIELDS[current.schedule.type]);
    const shared = Object.entries(current.schedule).filter(([field]) => !dropped.has(field));
    target = { ...target, schedule: Object.fromEntries(shared) };
  }
  return applyMergePatch(target, patch);
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
