/**
 * The Avro `timestamp-millis` logical type (a `long` of milliseconds since the Unix
 * epoch) mapped to a JS `Date`; avsc has no built-in mapping.
 */
import avro from "avsc";
import { exactLongType } from "./exact-long.ts";

type LogicalTypeArgs = ConstructorParameters<typeof avro.types.LogicalType>;

export class TimestampMillisType extends avro.types.LogicalType {
  /** The underlying long is our exact long (avsc builds it from this same schema object). */
  constructor(schema: LogicalTypeArgs[0], opts?: LogicalTypeArgs[1]) {
    const outerHook = opts?.typeHook as ((s: unknown, o: unknown) => avro.Type | undefined) | undefined;
    super(schema, {
      ...opts,
      typeHook: (s: unknown, o: unknown) => (s === schema ? exactLongType : outerHook?.(s, o)),
    });
  }
  protected override _fromValue(value: unknown): Date {
    return new Date(value as number | Date);
  }

  /** undefined marks the value invalid (avsc reports it through `isValid`'s errorHook) */
  protected override _toValue(value: unknown): number | undefined {
    if (!(value instanceof Date)) return undefined;
    const ms = value.getTime();
    return Number.isNaN(ms) ? undefined : ms;
  }

  /** Readable from another timestamp-millis or from a plain long. */
  protected override _resolve(writer: avro.Type): ((value: unknown) => Date) | undefined {
    if (avro.Type.isType(writer, "logical:timestamp-millis", "long", "abstract:long")) {
      return (value) => this._fromValue(value);
    }
    return undefined;
  }
}
