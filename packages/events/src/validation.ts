/**
 * Checking a value against an avsc type before writing it, with every failing field
 * reported by path and in words (avsc's `isValid` with an `errorHook`).
 */
import type avro from "avsc";
import type { ValidationProblem } from "./errors.ts";

/**
 * How writers spell enum symbols that Avro cannot (e.g. `429` is the symbol `status_429`):
 * enum full name to symbol to label, so error messages show what the caller should write.
 */
export type EnumLabels = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** What a type accepts, in words, for error messages. */
export function describeType(type: avro.Type, labels?: EnumLabels): string {
  const name = type.typeName;
  if (name === "logical:timestamp-millis") return "a valid Date";
  if (name.startsWith("union:")) {
    return (type as avro.types.UnwrappedUnionType).types.map((t) => describeType(t, labels)).join(" or ");
  }
  switch (name) {
    case "null":
      return "null";
    case "boolean":
      return "a boolean";
    case "int":
      return "an integer from -2^31 to 2^31-1";
    case "long":
    case "abstract:long":
      return "a safe integer";
    case "float":
    case "double":
      return "a number";
    case "bytes":
      return "bytes (a Buffer)";
    case "string":
      return "a string";
    case "enum": {
      const spelled = labels?.get(type.name ?? "");
      const symbols = (type as avro.types.EnumType).symbols.map((s) => spelled?.get(s) ?? s);
      return `one of ${symbols.map((s) => JSON.stringify(s)).join(", ")}`;
    }
    case "array":
      return "an array";
    case "map":
      return "an object of string keys";
    case "record":
      return "an object";
    default:
      return name;
  }
}

/** A short rendering of a bad value. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : value.toISOString();
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Every problem that stops `value` from being written as `type` (empty when valid). */
export function validateAvroValue(type: avro.Type, value: unknown, labels?: EnumLabels): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  type.isValid(value, {
    errorHook: (path: string[], bad: unknown, badType: avro.Type) => {
      problems.push({
        path: path.join("."),
        message: `expected ${describeType(badType, labels)}, got ${describeValue(bad)}`,
      });
    },
  });
  return problems;
}
