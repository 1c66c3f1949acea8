/**
 * The AnalyticsEngine on AWS: Athena over the Glue tables `events` and `runs` (stacks/lake.ts).
 * A query is started in the configured workgroup (which holds the results location and the
 * scan limit), polled until it ends, and its results paged; FAILED and CANCELLED queries
 * become errors carrying Athena's reason.
 */
import {
  AthenaClient,
  type AthenaClientConfig,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import type { AnalyticsEngine, AnalyticsRow, AnalyticsValue } from "../../ports/analytics-engine.ts";
import { namedQueriesOn } from "./named-queries.ts";

export class AthenaQueryError extends Error {
  override readonly name = "AthenaQueryError";
  constructor(
    readonly queryExecutionId: string,
    readonly state: string,
    reason: string,
  ) {
    super(`Athena query ${queryExecutionId} ${state.toLowerCase()}: ${reason}`);
  }
}

export interface AthenaEngineOptions {
  database: string;
  workgroup: string;
  client?: AthenaClient;
  clientConfig?: AthenaClientConfig;
  /** first wait between polls (doubles up to 2 s) */
  pollMs?: number;
  /** give up (and stop the query) after this long; default 5 minutes */
  timeoutMs?: number;
}

const NUMERIC = new Set([
  "tinyint",
  "smallint",
  "integer",
  "int",
  "bigint",
  "double",
  "float",
  "real",
  "decimal",
]);

function cellValue(type: string | undefined, raw: string | undefined): AnalyticsValue {
  if (raw === undefined) return null;
  if (type && NUMERIC.has(type.toLowerCase())) return Number(raw);
  if (type?.toLowerCase() === "boolean") return raw === "true";
  return raw;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createAthenaEngine(options: AthenaEngineOptions): AnalyticsEngine {
  const client = options.client ?? new AthenaClient(options.clientConfig ?? {});
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;

  async function select(sql: string): Promise<{ columns: string[]; rows: AnalyticsRow[] }> {
    const started = await client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: options.workgroup,
        QueryExecutionContext: { Database: options.database },
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new Error("Athena returned no QueryExecutionId");

    const deadline = Date.now() + timeoutMs;
    let wait = options.pollMs ?? 100;
    for (;;) {
      const { QueryExecution: execution } = await client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = execution?.Status?.State ?? "UNKNOWN";
      if (state === "SUCCEEDED") break;
      if (state === "FAILED" || state === "CANCELLED") {
        const status = execution?.Status;
        const reason = status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage ?? "no reason given";
        throw new AthenaQueryError(id, state, reason);
      }
      if (Date.now() > deadline)
        throw new AthenaQueryError(id, "TIMED_OUT", `still ${state} after ${timeoutMs} ms`);
      await sleep(wait);
      wait = Math.min(wait * 2, 2000);
    }

    const rows: AnalyticsRow[] = [];
    let columns: string[] = [];
    let types: (string | undefined)[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }));
      const info = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      if (first) {
        columns = info.map((c) => c.Name ?? "");
        types = info.map((c) => c.Type);
      }
      const data = page.ResultSet?.Rows ?? [];
      // the first row of the first page of a SELECT repeats the column names
      for (const [index, row] of data.entries()) {
        if (first && index === 0) continue;
        const out: AnalyticsRow = {};
        columns.forEach((name, i) => {
          out[name] = cellValue(types[i], row.Data?.[i]?.VarCharValue);
        });
        rows.push(out);
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return { columns, rows };
  }

  return {
    name: "athena",
    query: select,
    ...namedQueriesOn(select),
    async close() {
      if (!options.client) client.destroy();
    },
  };
}
