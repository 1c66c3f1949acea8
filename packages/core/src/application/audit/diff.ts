/**
 * A field-level difference between two JSON-like values (pure): every leaf path whose value
 * changed, with the value before and after. Arrays are compared as whole values (a changed
 * list of tags is one change, not one per index), objects member by member.
 */
import { isDeepStrictEqual } from "node:util";

export interface FieldChange {
  /** dotted path, e.g. `request.timeoutMs`; `""` for the root */
  path: string;
  /** undefined when the field did not exist before */
  before: unknown;
  /** undefined when the field no longer exists */
  after: unknown;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);

export function diffValues(before: unknown, after: unknown, path = ""): FieldChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffValues(before[key], after[key], path ? `${path}.${key}` : key));
  }
  return isDeepStrictEqual(before, after) ? [] : [{ path, before, after }];
}
