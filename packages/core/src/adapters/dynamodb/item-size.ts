/**
 * The size DynamoDB counts for an item (against its 400 KB limit), computed from the item in
 * document-client form (plain strings, numbers, byte arrays, lists, maps). It follows
 * AWS's published rules and errs on the large side for numbers.
 */

const utf8Length = (s: string) => Buffer.byteLength(s, "utf8");

function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  if (typeof value === "string") return utf8Length(value);
  // a number takes up to 21 bytes; its digit count + 1 is an upper bound for small ones
  if (typeof value === "number" || typeof value === "bigint") return Math.min(21, String(value).length + 1);
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let size = 0;
    for (const v of value) size += valueSize(v);
    return size;
  }
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === "object") {
    return (
      3 +
      Object.entries(value as Record<string, unknown>).reduce(
        (sum, [k, v]) => (v === undefined ? sum : sum + 1 + utf8Length(k) + valueSize(v)),
        0,
      )
    );
  }
  throw new TypeError(`cannot size a value of type ${typeof value}`);
}

/** Bytes DynamoDB counts for this item: attribute names plus values. */
export function itemSizeBytes(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += utf8Length(name) + valueSize(value);
  }
  return size;
}
