/**
 * The one rule for text Jobledger stores (ADR 0010): **storable text is well-formed Unicode
 * without U+0000.** Postgres `text` cannot hold NUL (`invalid byte sequence for encoding
 * "UTF8": 0x00`), `jsonb` refuses `\u0000` (`unsupported Unicode escape sequence`), and a
 * lone surrogate (a UTF-16 half without its pair) is written by `JSON.stringify` as a
 * `\udXXX` escape that jsonb refuses too and that no UTF-8 encoder can write faithfully.
 *
 * Where it is applied:
 * - input we may refuse (API bodies, query and path values, credential claims) is checked
 *   with {@link findUnstorable} / {@link isStorableText} and refused (422, 400, 401);
 * - values from outside that we must record (a target's response excerpt, headers, error
 *   messages quoting them) and any text a projector writes are made storable with
 *   {@link toStorableText} / {@link toStorableValue}: each offending code unit becomes
 *   U+FFFD, the Unicode replacement character;
 * - response bytes are decoded with {@link decodeStorableUtf8}, which also says whether
 *   anything was replaced (undecodable bytes or NUL), so the excerpt can be marked.
 *
 * Pure: no I/O, no dependencies.
 */

/** U+FFFD, what every code unit that cannot be stored becomes. */
export const REPLACEMENT_CHARACTER = "\uFFFD";

/** NUL, or a surrogate not paired (with the `u` flag a paired one is a single code point). */
const UNSTORABLE = /[\0\p{Cs}]/u;
const UNSTORABLE_ALL = /[\0\p{Cs}]/gu;

/** true when `text` may be stored as it is. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** `text` with NUL and every lone surrogate replaced by U+FFFD (the same string when storable). */
export function toStorableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, REPLACEMENT_CHARACTER) : text;
}

/** Why a text cannot be stored, worded for a field named `field`. */
export function unstorableReason(text: string, field: string): string | null {
  if (text.includes("\u0000")) return `${field} must not contain the NUL character (U+0000)`;
  if (!isStorableText(text)) return `${field} must be well-formed Unicode (it holds an unpaired surrogate)`;
  return null;
}

/** One place in a value that cannot be stored: a dotted path and what is wrong there. */
export interface UnstorableText {
  /** dotted path of the offending string or key ("request.headers.x-a", "tags.0"); "" for the value itself */
  path: string;
  message: string;
}

const MAX_REPORTED = 20;

/**
 * Every string and object key of a JSON value that cannot be stored, with dotted paths as the
 * domain's validation issues have them (at most 20; a deeply nested value is walked iteratively).
 */
export function findUnstorable(value: unknown, base = ""): UnstorableText[] {
  const found: UnstorableText[] = [];
  const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);
  const stack: Array<[unknown, string]> = [[value, base]];
  while (stack.length > 0 && found.length < MAX_REPORTED) {
    const [item, path] = stack.pop()!;
    if (typeof item === "string") {
      const reason = unstorableReason(item, path === "" ? "the value" : path);
      if (reason) found.push({ path, message: reason });
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], join(path, String(i))]);
    } else if (item !== null && typeof item === "object") {
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, inner] = entries[i]!;
        if (!isStorableText(key)) {
          const at = join(path, toStorableText(key));
          found.push({
            path: at,
            message: `${path === "" ? "a field name" : `a key of ${path}`} must be well-formed Unicode without NUL (U+0000)`,
          });
        } else {
          stack.push([inner, join(path, key)]);
        }
      }
    }
  }
  return found.slice(0, MAX_REPORTED);
}

/**
 * A JSON-like value with every string and object key made storable ({@link toStorableText}).
 * Values that are already storable are returned as they are (no copy); Dates and other
 * non-plain objects are kept (JSON.stringify writes them through `toJSON`).
 */
export function toStorableValue<T>(value: T): T {
  return storable(value, 0) as T;
}

function storable(value: unknown, depth: number): unknown {
  if (typeof value === "string") return toStorableText(value);
  if (depth > 256 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const next = storable(value[i], depth + 1);
      if (next !== value[i]) {
        copy ??= value.slice();
        copy[i] = next;
      }
    }
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const k = toStorableText(key);
    const v = storable(inner, depth + 1);
    if (k !== key || v !== inner) changed = true;
    // two keys that differ only in what was replaced: the first one stays
    if (!Object.hasOwn(out, k)) out[k] = v;
  }
  return changed ? out : value;
}

/**
 * Bytes decoded as UTF-8 into storable text: undecodable bytes become U+FFFD (as the WHATWG
 * decoder does) and so does NUL. `replaced` is true when the text differs from a faithful
 * decoding, i.e. when the bytes were not storable UTF-8 text.
 */
export function decodeStorableUtf8(bytes: Uint8Array): { text: string; replaced: boolean } {
  let text: string;
  let replaced = false;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder("utf-8").decode(bytes);
    replaced = true;
  }
  if (text.includes("\u0000")) {
    text = text.replaceAll("\u0000", REPLACEMENT_CHARACTER);
    replaced = true;
  }
  return { text, replaced };
}
