/**
 * The AnalyticsEngine over a local lake folder with DuckDB: `events` and `runs` are views over
 * `read_parquet(<root>/<table>/**\/*.parquet, hive_partitioning)`, so `tenant` and `dt` come from
 * the folder names exactly as Athena reads them (both as strings). The views are rebuilt
 * before each query so new objects are seen; an empty table is an empty typed view.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { AnalyticsEngine, AnalyticsRow } from "../../ports/analytics-engine.ts";
import { namedQueriesOn, sqlString } from "./named-queries.ts";

const EMPTY: Record<"events" | "runs", string> = {
  events: `SELECT NULL::VARCHAR AS event_id, NULL::VARCHAR AS stream_id, NULL::BIGINT AS version,
    NULL::VARCHAR AS type, NULL::INTEGER AS schema_version, NULL::TIMESTAMP AS occurred_at,
    NULL::VARCHAR AS actor, NULL::VARCHAR AS correlation_id, NULL::VARCHAR AS causation_id,
    NULL::VARCHAR AS payload, NULL::VARCHAR AS tenant, NULL::VARCHAR AS dt WHERE false`,
  runs: `SELECT NULL::VARCHAR AS run_id, NULL::VARCHAR AS job_id, NULL::VARCHAR AS status,
    NULL::VARCHAR AS trigger, NULL::INTEGER AS attempts, NULL::TIMESTAMP AS scheduled_at,
    NULL::TIMESTAMP AS started_at, NULL::TIMESTAMP AS finished_at, NULL::BIGINT AS duration_ms,
    NULL::INTEGER AS http_status, NULL::VARCHAR AS error_class, NULL::BIGINT AS version,
    NULL::VARCHAR AS tenant, NULL::VARCHAR AS dt WHERE false`,
};

function hasParquet(dir: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { recursive: true }).some((entry) => String(entry).endsWith(".parquet"));
}

/** The SQL that defines the `events` and `runs` views over a lake folder. */
export function lakeViewsSql(root: string): string {
  return (["events", "runs"] as const)
    .map((table) => {
      const dir = path.join(path.resolve(root), table);
      const source = hasParquet(dir)
        ? `SELECT * FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}, hive_partitioning = true,
             hive_types = {'tenant': VARCHAR, 'dt': VARCHAR}, union_by_name = true)`
        : EMPTY[table];
      return `CREATE OR REPLACE TEMP VIEW ${table} AS ${source};`;
    })
    .join("\n");
}

export interface DuckDbEngineOptions {
  /** the lake folder (holding `events/` and `runs/`) */
  root: string;
}

export async function createDuckDbEngine(options: DuckDbEngineOptions): Promise<AnalyticsEngine> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection: DuckDBConnection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  // Athena's name for a percentile; DuckDB's exact quantile keeps small results stable
  await connection.run("CREATE MACRO approx_percentile(x, p) AS quantile_cont(x, p)");

  // one DuckDB connection runs one statement at a time: queue them
  let queue: Promise<unknown> = Promise.resolve();
  const run = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const select = (sql: string) =>
    run(async () => {
      await connection.run(lakeViewsSql(options.root));
      const reader = await connection.runAndReadAll(sql);
      return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as AnalyticsRow[] };
    });

  return {
    name: "duckdb",
    query: select,
    ...namedQueriesOn(select),
    async close() {
      await queue;
      connection.closeSync();
      instance.closeSync();
    },
  };
}
