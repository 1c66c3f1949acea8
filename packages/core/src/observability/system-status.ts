/**
 * What the console's system page shows (`GET /v1/system/status`): projector lag per
 * consumer, schedule lag, and throughput counted since this process started. Each part is a
 * source the runtime provides; a part it cannot measure is `null` (on Lambda, consumer lag
 * is CloudWatch's IteratorAge and throughput is in the EMF metrics).
 */
import type pg from "pg";
import type { ConsumerLag } from "./consumer-lag.ts";
import { metricsBackend } from "./metrics.ts";
import type { PrometheusBackend } from "./prometheus.ts";

export interface ScheduleLag {
  /** active schedules of the tenant whose next fire is due but not yet queued */
  overdueSchedules: number;
  /** now − the oldest such due time, in seconds (0 when none is overdue) */
  lagSeconds: number;
}

export interface Throughput {
  /** since this process started */
  sinceSeconds: number;
  eventsAppended: number;
  httpRequests: number;
  /** run transitions by outcome (queued, started, succeeded, failed, dead_lettered, skipped, cancelled) */
  runs: Record<string, number>;
}

export interface SystemStatusSources {
  consumerLag: (() => Promise<ConsumerLag[]>) | null;
  scheduleLag: ((tenant: string, now: Date) => Promise<ScheduleLag>) | null;
}

/** The overdue schedules of one tenant, from the schedules read model. */
export function postgresScheduleLag(pool: pg.Pool) {
  return async (tenant: string, now: Date): Promise<ScheduleLag> => {
    const { rows } = await pool.query<{ overdue: string; oldest: Date | null }>(
      `SELECT count(*) AS overdue, min(next_due_at) AS oldest FROM schedules
        WHERE tenant = $1 AND status = 'active' AND next_due_at IS NOT NULL AND next_due_at <= $2`,
      [tenant, now],
    );
    const row = rows[0];
    const oldest = row?.oldest ? new Date(row.oldest).getTime() : null;
    return {
      overdueSchedules: Number(row?.overdue ?? 0),
      lagSeconds: oldest === null ? 0 : Math.max(0, (now.getTime() - oldest) / 1000),
    };
  };
}

const startedAt = Date.now();

/** The installed Prometheus backend, if this process keeps one (the local runtime). */
export function prometheusBackend(): PrometheusBackend | null {
  const backend = metricsBackend() as Partial<PrometheusBackend> | null;
  return backend && typeof backend.scrape === "function" ? (backend as PrometheusBackend) : null;
}

/** Counter totals since start, read from the Prometheus registry; null without one. */
export async function throughput(): Promise<Throughput | null> {
  const backend = prometheusBackend();
  if (!backend) return null;
  const values = async (name: string) => (await backend.registry.getSingleMetric(name)?.get())?.values ?? [];
  const sum = async (name: string) => (await values(name)).reduce((n, v) => n + v.value, 0);
  const runs: Record<string, number> = {};
  for (const v of await values("jobledger_runs_total")) {
    const outcome = String(v.labels.outcome);
    runs[outcome] = (runs[outcome] ?? 0) + v.value;
  }
  return {
    sinceSeconds: Math.round((Date.now() - startedAt) / 1000),
    eventsAppended: await sum("jobledger_events_appended_total"),
    httpRequests: await sum("jobledger_http_requests_total"),
    runs,
  };
}
