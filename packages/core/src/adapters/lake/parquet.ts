/**
 * Lake rows to Parquet bytes with apache-arrow + parquet-wasm (zstd): no native binary, so the
 * same writer runs in Lambda and locally. Timestamps are UTC milliseconds without a zone
 * (Athena `timestamp`, DuckDB `TIMESTAMP`).
 */
import {
  type DataType,
  Int32,
  Int64,
  Table,
  TimestampMillisecond,
  tableFromIPC,
  tableToIPC,
  Utf8,
  type Vector,
  vectorFromArray,
} from "apache-arrow";
import {
  Compression,
  readParquet,
  Table as WasmTable,
  WriterPropertiesBuilder,
  writeParquet,
} from "parquet-wasm/node";
import { type EventRow, type RunRow, runRowKey } from "../../projections/lake-rows.ts";

type Kind = "string" | "int" | "bigint" | "timestamp";

const EVENT_COLUMNS: [keyof EventRow, Kind][] = [
  ["event_id", "string"],
  ["stream_id", "string"],
  ["version", "bigint"],
  ["type", "string"],
  ["schema_version", "int"],
  ["occurred_at", "timestamp"],
  ["actor", "string"],
  ["correlation_id", "string"],
  ["causation_id", "string"],
  ["payload", "string"],
];

const RUN_COLUMNS: [keyof RunRow, Kind][] = [
  ["run_id", "string"],
  ["job_id", "string"],
  ["status", "string"],
  ["trigger", "string"],
  ["attempts", "int"],
  ["scheduled_at", "timestamp"],
  ["started_at", "timestamp"],
  ["finished_at", "timestamp"],
  ["duration_ms", "bigint"],
  ["http_status", "int"],
  ["error_class", "string"],
  ["version", "bigint"],
];

function vectorOf(kind: Kind, values: unknown[]): Vector<DataType> {
  switch (kind) {
    case "string":
      return vectorFromArray(values as (string | null)[], new Utf8());
    case "int":
      return vectorFromArray(values as (number | null)[], new Int32());
    case "bigint":
      return vectorFromArray(
        values.map((v) => (v === null || v === undefined ? null : BigInt(v as number))),
        new Int64(),
      );
    case "timestamp":
      return vectorFromArray(
        values.map((v) => (v === null || v === undefined ? null : (v as Date).getTime())),
        new TimestampMillisecond(),
      );
  }
}

function arrowTable<R extends object>(columns: [keyof R, Kind][], rows: readonly R[]): Table {
  const vectors: Record<string, Vector<DataType>> = {};
  for (const [name, kind] of columns) {
    vectors[name as string] = vectorOf(
      kind,
      rows.map((row) => row[name]),
    );
  }
  return new Table(vectors);
}

function toParquet(table: Table): Uint8Array {
  const wasmTable = WasmTable.fromIPCStream(tableToIPC(table, "stream"));
  const props = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setCreatedBy("jobledger lake")
    .build();
  return writeParquet(wasmTable, props);
}

export function eventsParquet(rows: readonly EventRow[]): Uint8Array {
  return toParquet(arrowTable(EVENT_COLUMNS, rows));
}

export function runsParquet(rows: readonly RunRow[]): Uint8Array {
  return toParquet(arrowTable(RUN_COLUMNS, rows));
}

/**
 * The key of each row of a lake object, as the lake dedupes by: `event_id` for `events`,
 * `<run_id>@<version>` for `runs` (a redriven run finishes again at a higher version).
 */
export function rowKeysOf(table: "events" | "runs", bytes: Uint8Array): string[] {
  const columns = table === "events" ? ["event_id"] : ["run_id", "version"];
  const arrow = tableFromIPC(readParquet(bytes, { columns }).intoIPCStream());
  const keys: string[] = [];
  if (table === "events") {
    const ids = arrow.getChild("event_id");
    for (let i = 0; i < arrow.numRows; i++) keys.push(String(ids?.get(i)));
  } else {
    const runs = arrow.getChild("run_id");
    const versions = arrow.getChild("version");
    for (let i = 0; i < arrow.numRows; i++)
      keys.push(runRowKey(String(runs?.get(i)), Number(versions?.get(i))));
  }
  return keys;
}

export const PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet";
