/**
 * The AnalyticsEngine over a local lake folder with DuckDB: `events` and `runs` are views over
 * `read_parquet(<root>/<table>/**\/*.parquet, hive_partitioning)`, so `tenant` and `dt` come from
 * the folder names exactly as Athena reads them (both as strings). A view over a glob sees new
 * objects at each query (DuckDB expands the glob when it binds the query), so the views are
 * created once a table has objects; until then a table is an empty typed view, and only the
 * still-empty tables' folders are looked at before a query (no walk of a grown lake per query).
 * A lake emptied under a running engine ("No files found") is looked at again, once.
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

type LakeTable = "events" | "runs";
const TABLES: readonly LakeTable[] = ["events", "runs"];

/** The SQL that defines the `events` and `runs` views over a lake folder, given which tables have objects. */
function viewsSql(root: string, filled: ReadonlySet<LakeTable>): string {
  return TABLES.map((table) => {
    const dir = path.join(path.resolve(root), table);
    const source = filled.has(table)
      ? `SELECT * FROM read_parquet(${sqlString(`${dir}/**/*.parquet`)}, hive_partitioning = true,
             hive_types = {'tenant': VARCHAR, 'dt': VARCHAR}, union_by_name = true)`
      : EMPTY[table];
    return `CREATE OR REPLACE TEMP VIEW ${table} AS ${source};`;
  }).join("\n");
}

/** The SQL that defines the `events` and `runs` views over a lake folder as it is now. */
export function lakeViewsSql(root: string): string {
  return viewsSql(root, new Set(TABLES.filter((t) => hasParquet(path.join(path.resolve(root), t)))));
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
  // tables whose views read the lake's objects; null: the views are not created yet
  let filled: Set<LakeTable> | null = null;
  const ensureViews = async () => {
    const now = new Set(filled ?? []);
    for (const table of TABLES) {
      if (!now.has(table) && hasParquet(path.join(path.resolve(options.root), table))) now.add(table);
    }
    if (filled !== null && now.size === filled.size) return;
    await connection.run(viewsSql(options.root, now));
    filled = now;
  };
  const read = async (sql: string) => {
    const reader = await connection.runAndReadAll(sql);
    return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as AnalyticsRow[] };
  };
  const select = (sql: string) =>
    run(async () => {
      await ensureViews();
      try {
        return await read(sql);
      } catch (error) {
        if (!/No files found/i.test(String(error))) throw error;
        filled = null; // the lake was emptied: look at every table again
        await ensureViews();
        return read(sql);
      }
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
