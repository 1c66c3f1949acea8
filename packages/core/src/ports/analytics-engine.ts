/**
 * SQL over the analytics lake: DuckDB over the local folder, Athena over S3. The named
 * queries are tenant-scoped by the engine adapter itself (callers pass the tenant, never SQL
 * that filters on it); `query` runs an analyst's own SQL over the `events` and `runs` tables.
 */
export type AnalyticsValue = string | number | boolean | null;
export type AnalyticsRow = Record<string, AnalyticsValue>;

/** A half-open time range [from, to) over `finished_at`. */
export interface AnalyticsRange {
  from: Date;
  to: Date;
}

export interface SuccessRateRow {
  jobId: string;
  /** YYYY-MM-DD (UTC) */
  day: string;
  runs: number;
  succeeded: number;
  /** succeeded / runs, 0..1 */
  successRate: number;
}

export interface LatencyRow {
  jobId: string;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface FailureReasonRow {
  errorClass: string;
  httpStatus: number | null;
  runs: number;
}

export interface RunsPerHourRow {
  /** ISO instant of the hour's start */
  hour: string;
  runs: number;
  succeeded: number;
  failed: number;
}

export interface AnalyticsEngine {
  /** which engine answers, e.g. "duckdb" or "athena" */
  readonly name: string;
  /** an analyst's SQL over `events` and `runs` (not tenant-scoped: for operators' tools) */
  query(sql: string): Promise<{ columns: string[]; rows: AnalyticsRow[] }>;
  successRate(tenant: string, range: AnalyticsRange): Promise<SuccessRateRow[]>;
  latency(tenant: string, range: AnalyticsRange): Promise<LatencyRow[]>;
  failureReasons(tenant: string, range: AnalyticsRange, limit: number): Promise<FailureReasonRow[]>;
  runsPerHour(tenant: string, range: AnalyticsRange): Promise<RunsPerHourRow[]>;
  close(): Promise<void>;
}
