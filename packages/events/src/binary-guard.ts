/**
 * A bounds check of Avro binary before avsc decodes it. avsc trusts block counts and
 * lengths (a corrupted array count of a billion makes it loop a billion times); this walk
 * follows the writer schema, checks every length, count, enum and union index against the
 * bytes actually there, and that nothing is left over, so corrupted data fails fast with
 * a message saying where.
 */
import type avro from "avsc";

/** Items of a zero-byte type (null, empty record) a block may claim before we call it corrupt. */
const MAX_ZERO_SIZE_ITEMS = 100_000;

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  fail(message: string): never {
    throw new Error(`${message} at byte ${this.pos}`);
  }

  advance(n: number, what: string): void {
    if (n > this.remaining) this.fail(`${what} needs ${n} bytes but only ${this.remaining} remain`);
    this.pos += n;
  }

  /** A zig-zag varint long, as a JS number (exact up to 2^53). */
  long(what: string): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) this.fail(`${what} runs past the end of the data`);
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
    }
    return this.fail(`${what} is a varint longer than 10 bytes`);
  }
}

function kind(type: avro.Type): string {
  if (type.typeName === "abstract:long") return "long";
  return type.typeName.startsWith("logical:") ? "logical" : type.typeName;
}

/** The fewest bytes one value of a type can take (0 for null and empty records). */
function minSize(type: avro.Type, visiting: Set<avro.Type> = new Set()): number {
  switch (kind(type)) {
    case "null":
      return 0;
    case "float":
      return 4;
    case "double":
      return 8;
    case "fixed":
      return (type as avro.types.FixedType).size;
    case "logical":
      return minSize((type as avro.types.LogicalType).underlyingType, visiting);
    case "record":
    case "error": {
      if (visiting.has(type)) return 0;
      visiting.add(type);
      const fields = (type as avro.types.RecordType).fields;
      const sum = fields.reduce((total, field) => total + minSize(field.type, visiting), 0);
      visiting.delete(type);
      return sum;
    }
    default:
      return 1; // boolean, int, long, bytes, string, enum, array, map, union
  }
}

function walk(type: avro.Type, cur: Cursor, path: string): void {
  const at = path === "" ? "value" : path;
  switch (kind(type)) {
    case "null":
      return;
    case "boolean": {
      const b = cur.buf[cur.pos];
      cur.advance(1, `boolean ${at}`);
      if (b !== 0 && b !== 1) cur.fail(`boolean ${at} is ${b}, not 0 or 1`);
      return;
    }
    case "int":
    case "long":
      cur.long(`${kind(type)} ${at}`);
      return;
    case "float":
      cur.advance(4, `float ${at}`);
      return;
    case "double":
      cur.advance(8, `double ${at}`);
      return;
    case "fixed":
      cur.advance((type as avro.types.FixedType).size, `fixed ${at}`);
      return;
    case "bytes":
    case "string":
      walkLengthPrefixed(cur, type.typeName, at);
      return;
    case "enum": {
      const symbols = (type as avro.types.EnumType).symbols;
      const index = cur.long(`enum ${at}`);
      if (index < 0 || index >= symbols.length) {
        cur.fail(`enum ${at} has index ${index}, but ${type.name} has ${symbols.length} symbols`);
      }
      return;
    }
    case "union:unwrapped":
    case "union:wrapped": {
      const branches = (type as avro.types.UnwrappedUnionType).types;
      const index = cur.long(`union ${at}`);
      const branch = branches[index];
      if (branch === undefined) cur.fail(`union ${at} has branch ${index}, but it has ${branches.length}`);
      walk(branch, cur, path);
      return;
    }
    case "array":
      walkBlocks(cur, at, [(type as avro.types.ArrayType).itemsType], (i) => `${path}[${i}]`);
      return;
    case "map":
      walkBlocks(
        cur,
        at,
        [null, (type as avro.types.MapType).valuesType as avro.Type],
        (i) => `${path}{${i}}`,
      );
      return;
    case "record":
    case "error":
      for (const field of (type as avro.types.RecordType).fields) {
        walk(field.type, cur, path === "" ? field.name : `${path}.${field.name}`);
      }
      return;
    case "logical":
      walk((type as avro.types.LogicalType).underlyingType, cur, path);
      return;
    default:
      cur.fail(`schema type ${type.typeName} of ${at} is not supported by the bounds check`);
  }
}

function walkLengthPrefixed(cur: Cursor, typeName: string, at: string): void {
  const length = cur.long(`length of ${at}`);
  if (length < 0) cur.fail(`${typeName} ${at} has negative length ${length}`);
  cur.advance(length, `${typeName} ${at}`);
}

/** Array items or map entries (`null` in `parts` stands for a map key, a string). */
function walkBlocks(
  cur: Cursor,
  at: string,
  parts: readonly (avro.Type | null)[],
  itemPath: (i: number) => string,
): void {
  const itemMin = parts.reduce((sum, part) => sum + (part === null ? 1 : minSize(part)), 0);
  let index = 0;
  for (;;) {
    let count = cur.long(`block count of ${at}`);
    if (count === 0) return;
    if (count < 0) {
      count = -count;
      const size = cur.long(`block size of ${at}`);
      if (size < 0 || size > cur.remaining) cur.fail(`block of ${at} claims ${size} bytes`);
    }
    if (itemMin > 0 ? count * itemMin > cur.remaining : count > MAX_ZERO_SIZE_ITEMS) {
      cur.fail(`block of ${at} claims ${count} items but only ${cur.remaining} bytes remain`);
    }
    for (let i = 0; i < count; i++, index++) {
      for (const part of parts) {
        if (part === null) walkLengthPrefixed(cur, "string", `key of ${itemPath(index)}`);
        else walk(part, cur, itemPath(index));
      }
    }
  }
}

/**
 * Check that `buf` holds exactly one value of `writer` with every length and index in
 * range; throws an Error describing the first problem and its byte offset.
 */
export function assertWellFormed(writer: avro.Type, buf: Buffer): void {
  const cur = new Cursor(buf);
  walk(writer, cur, "");
  if (cur.remaining > 0) throw new Error(`${cur.remaining} bytes of trailing data after the value`);
}
