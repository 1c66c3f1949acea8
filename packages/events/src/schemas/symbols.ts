/**
 * Enum spellings: Avro enum symbols cannot start with a digit or hold `-`, so a TS value
 * such as `"429"` or `"cancel-previous"` travels as a symbol (`status_429`,
 * `cancel_previous`). A `SymbolMap` converts both ways and tells error messages how
 * writers spell each symbol.
 */
import { EventDecodingError } from "../errors.ts";
import type { EnumLabels } from "../validation.ts";
import type { Problems } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";

export interface SymbolMap<T extends string> {
  /** full Avro name of the enum, e.g. `jobledger.events.RunTrigger` */
  readonly enumName: string;
  /** TS value to Avro symbol */
  readonly toAvro: ReadonlyMap<T, string>;
  /** Avro symbol to TS value */
  readonly fromAvro: ReadonlyMap<string, T>;
}

/**
 * A mapping for the enum `name` (in our namespace) from `[value, symbol]` pairs. Values
 * that are valid symbols may be listed alone (`"skip"` for `["skip", "skip"]`).
 */
export function symbolMap<T extends string>(name: string, pairs: readonly (T | readonly [T, string])[]) {
  const toAvro = new Map<T, string>(pairs.map((p) => (typeof p === "string" ? [p, p] : [p[0], p[1]])));
  const fromAvro = new Map<string, T>([...toAvro].map(([value, symbol]) => [symbol, value]));
  return { enumName: `${NAMESPACE}.${name}`, toAvro, fromAvro } as const satisfies SymbolMap<T>;
}

/** Labels of the enums of one schema, for `EventSchema.enumLabels`. */
export function enumLabels(...maps: readonly SymbolMap<string>[]): EnumLabels {
  return new Map(maps.map((m) => [m.enumName, m.fromAvro as ReadonlyMap<string, string>]));
}

/**
 * Map a TS value to its Avro symbol. Anything else passes through for the schema check
 * to report, except an Avro symbol given as a value (`cancel_previous`), which the schema
 * would accept, so it is reported here.
 */
export function toSymbol(map: SymbolMap<string>, value: unknown, path: string, problems: Problems): unknown {
  if (typeof value !== "string") return value;
  const symbol = map.toAvro.get(value);
  if (symbol !== undefined) return symbol;
  if (map.fromAvro.has(value)) {
    const expected = [...map.toAvro.keys()].map((k) => JSON.stringify(k)).join(", ");
    problems.push({ path, message: `expected one of ${expected}, got ${JSON.stringify(value)}` });
  }
  return value;
}

/** The TS value of a stored symbol; throws EventDecodingError for a symbol it does not know. */
export function fromSymbol<T extends string>(map: SymbolMap<T>, symbol: unknown, what: string): T {
  const value = typeof symbol === "string" ? map.fromAvro.get(symbol) : undefined;
  if (value === undefined) throw new EventDecodingError(`unknown ${what} symbol ${String(symbol)}`);
  return value;
}
