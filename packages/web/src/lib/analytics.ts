/**
 * Reads the analytics API's answers into chart series. The readers accept the plausible field
 * names (`hour`/`bucket`, `runs`/`count`, `p95`/`p95Ms`/`latency.p95`) so a small contract change
 * does not blank the page.
 */
export const ANALYTICS_ENDPOINTS = {
  runsPerHour: "/api/v1/analytics/runs-per-hour",
  successRate: "/api/v1/analytics/success-rate",
  latency: "/api/v1/analytics/latency",
} as const;

type Row = Record<string, unknown>;

export interface HourPoint {
  hour: string;
  runs: number;
  succeeded: number | null;
  failed: number | null;
}

export interface JobStat {
  job: string;
  successRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export function rowsOf(data: unknown): Row[] {
  if (Array.isArray(data)) return data.filter((r): r is Row => !!r && typeof r === "object");
  if (data && typeof data === "object") {
    for (const key of ["items", "rows", "hours", "jobs", "data"]) {
      const v = (data as Row)[key];
      if (Array.isArray(v)) return rowsOf(v);
    }
  }
  return [];
}

function pick(row: Row, keys: string[]): unknown {
  for (const k of keys) {
    const path = k.split(".");
    let v: unknown = row;
    for (const p of path) v = v && typeof v === "object" ? (v as Row)[p] : undefined;
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

const numOrNull = (v: unknown): number | null =>
  typeof v === "number"
    ? v
    : typeof v === "string" && v !== "" && !Number.isNaN(Number(v))
      ? Number(v)
      : null;

export function readRunsPerHour(data: unknown): HourPoint[] {
  return rowsOf(data).map((r) => ({
    hour: String(pick(r, ["hour", "bucket", "time", "t", "at", "start"]) ?? ""),
    runs: numOrNull(pick(r, ["runs", "count", "total"])) ?? 0,
    succeeded: numOrNull(pick(r, ["succeeded", "success", "ok"])),
    failed: numOrNull(pick(r, ["failed", "deadLettered", "failures", "errors"])),
  }));
}

export function readJobStats(data: unknown): JobStat[] {
  return rowsOf(data).map((r) => {
    let rate = numOrNull(pick(r, ["successRate", "success_rate", "successPct"]));
    if (rate !== null && rate > 1) rate = rate / 100;
    return {
      job: String(pick(r, ["name", "jobName", "jobId", "job_id"]) ?? "?"),
      successRate: rate,
      p50: numOrNull(pick(r, ["p50", "p50Ms", "latencyP50Ms", "latency.p50", "latencyMs.p50"])),
      p95: numOrNull(pick(r, ["p95", "p95Ms", "latencyP95Ms", "latency.p95", "latencyMs.p95"])),
      p99: numOrNull(pick(r, ["p99", "p99Ms", "latencyP99Ms", "latency.p99", "latencyMs.p99"])),
    };
  });
}

/** success-rate rows are per job per day: sum them per job over the range. */
export function readSuccessRate(data: unknown): JobStat[] {
  const totals = new Map<string, { runs: number; ok: number }>();
  for (const r of rowsOf(data)) {
    const job = String(pick(r, ["name", "jobName", "jobId", "job_id"]) ?? "?");
    const t = totals.get(job) ?? { runs: 0, ok: 0 };
    t.runs += numOrNull(pick(r, ["runs", "count", "total"])) ?? 0;
    t.ok += numOrNull(pick(r, ["succeeded", "successes", "ok"])) ?? 0;
    totals.set(job, t);
  }
  return [...totals].map(([job, t]) => ({
    job,
    successRate: t.runs ? t.ok / t.runs : null,
    p50: null,
    p95: null,
    p99: null,
  }));
}

/** Shows job names instead of ids where the name is known. */
export function withNames(stats: JobStat[], names: Map<string, string>): JobStat[] {
  return stats.map((s) => ({ ...s, job: names.get(s.job) ?? s.job.slice(0, 8) }));
}
