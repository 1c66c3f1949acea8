/**
 * The analytics API's queries, written once in the SQL that Athena (Trino) and DuckDB share
 * (DuckDB gets an `approx_percentile` macro). Each takes the tenant-scoped `runs` source the
 * engine adapter builds, so no caller can leave the tenant filter out; the time range is
 * rendered as literals from validated Dates, and pruned by the `dt` partition too.
 */
import type {
  AnalyticsEngine,
  AnalyticsRange,
  AnalyticsRow,
  FailureReasonRow,
  LatencyRow,
  RunsPerHourRow,
  SuccessRateRow,
} from "../../ports/analytics-engine.ts";

/** A SQL string literal ('' doubles a quote; both engines use standard strings). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function timestampLiteral(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new Error("invalid date in an analytics range");
  return `TIMESTAMP '${at.toISOString().replace("T", " ").replace("Z", "")}'`;
}

/** `FROM`-able source of one tenant's finished runs in a range (dt pruned, then exact). */
export function scopedRuns(table: string, tenant: string, range: AnalyticsRange): string {
  const fromDay = range.from.toISOString().slice(0, 10);
  const toDay = range.to.toISOString().slice(0, 10);
  return `(SELECT * FROM ${table} WHERE tenant = ${sqlString(tenant)}
    AND dt BETWEEN ${sqlString(fromDay)} AND ${sqlString(toDay)}
    AND finished_at >= ${timestampLiteral(range.from)} AND finished_at < ${timestampLiteral(range.to)})`;
}

export const namedQueries = {
  successRate: (runs: string) => `
    SELECT job_id, CAST(CAST(finished_at AS DATE) AS VARCHAR) AS day, count(*) AS runs,
           count_if(status = 'succeeded') AS succeeded
    FROM ${runs} r
    WHERE status <> 'skipped'
    GROUP BY 1, 2 ORDER BY 2, 1`,
  latency: (runs: string) => `
    SELECT job_id, count(*) AS runs,
           approx_percentile(duration_ms, 0.5) AS p50, approx_percentile(duration_ms, 0.95) AS p95,
           approx_percentile(duration_ms, 0.99) AS p99
    FROM ${runs} r
    WHERE duration_ms IS NOT NULL
    GROUP BY 1 ORDER BY 1`,
  failureReasons: (runs: string, limit: number) => `
    SELECT coalesce(error_class, status) AS error_class, http_status, count(*) AS runs
    FROM ${runs} r
    WHERE status IN ('dead_lettered', 'cancelled')
    GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT ${Math.max(1, Math.floor(limit))}`,
  runsPerHour: (runs: string) => `
    SELECT CAST(date_trunc('hour', finished_at) AS VARCHAR) AS hour, count(*) AS runs,
           count_if(status = 'succeeded') AS succeeded, count_if(status = 'dead_lettered') AS failed
    FROM ${runs} r
    WHERE status <> 'skipped'
    GROUP BY 1 ORDER BY 1`,
};

type Cell = AnalyticsRow[string] | undefined;
const num = (v: Cell) => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: Cell) => (v === null || v === undefined ? null : Number(v));
/** "2026-11-23 12:00:00[.000]" (UTC) → ISO instant */
const isoOf = (v: Cell) => new Date(`${String(v).replace(" ", "T")}Z`).toISOString();

export const mapRows = {
  successRate: (rows: AnalyticsRow[]): SuccessRateRow[] =>
    rows.map((r) => ({
      jobId: String(r.job_id),
      day: String(r.day),
      runs: num(r.runs),
      succeeded: num(r.succeeded),
      successRate: num(r.runs) === 0 ? 0 : num(r.succeeded) / num(r.runs),
    })),
  latency: (rows: AnalyticsRow[]): LatencyRow[] =>
    rows.map((r) => ({
      jobId: String(r.job_id),
      runs: num(r.runs),
      p50Ms: num(r.p50),
      p95Ms: num(r.p95),
      p99Ms: num(r.p99),
    })),
  failureReasons: (rows: AnalyticsRow[]): FailureReasonRow[] =>
    rows.map((r) => ({
      errorClass: String(r.error_class),
      httpStatus: numOrNull(r.http_status),
      runs: num(r.runs),
    })),
  runsPerHour: (rows: AnalyticsRow[]): RunsPerHourRow[] =>
    rows.map((r) => ({
      hour: isoOf(r.hour),
      runs: num(r.runs),
      succeeded: num(r.succeeded),
      failed: num(r.failed),
    })),
};

/**
 * The tenant-scoped named queries of an engine, given how it runs SQL: the same SQL and row
 * mapping on every engine, the tenant and time range always applied here.
 */
export function namedQueriesOn(
  select: (sql: string) => Promise<{ rows: AnalyticsRow[] }>,
): Pick<AnalyticsEngine, "successRate" | "latency" | "failureReasons" | "runsPerHour"> {
  const scoped = (tenant: string, range: AnalyticsRange) => scopedRuns("runs", tenant, range);
  return {
    async successRate(tenant, range) {
      return mapRows.successRate((await select(namedQueries.successRate(scoped(tenant, range)))).rows);
    },
    async latency(tenant, range) {
      return mapRows.latency((await select(namedQueries.latency(scoped(tenant, range)))).rows);
    },
    async failureReasons(tenant, range, limit) {
      return mapRows.failureReasons(
        (await select(namedQueries.failureReasons(scoped(tenant, range), limit))).rows,
      );
    },
    async runsPerHour(tenant, range) {
      return mapRows.runsPerHour((await select(namedQueries.runsPerHour(scoped(tenant, range)))).rows);
    },
  };
}
