/**
 * Synthetic lake data for tests and the lake benchmark: `runs` rows (and a few `events` rows
 * per run) for one tenant over a few days, written as Parquet in the lake's layout.
 */
import { randomUUID } from "node:crypto";
import { eventsParquet, runsParquet } from "../src/adapters/lake/parquet.ts";
import type { ObjectStore } from "../src/ports/object-store.ts";
import {
  dayOf,
  type EventRow,
  objectNameOf,
  partitionOf,
  type RunRow,
} from "../src/projections/lake-rows.ts";

export interface SyntheticOptions {
  tenant: string;
  runs: number;
  jobs: number;
  /** first day (UTC midnight) */
  start: Date;
  days: number;
  /** rows per Parquet object */
  rowsPerObject?: number;
  /** also write RunQueued/RunSucceeded events per run */
  withEvents?: boolean;
}

/** A deterministic pseudo-random generator (mulberry32), so generated data is the same each time. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function writeSyntheticLake(
  store: ObjectStore,
  options: SyntheticOptions,
): Promise<{ runs: number; events: number }> {
  const rand = random(42);
  const per = options.rowsPerObject ?? 100_000;
  const jobs = Array.from(
    { length: options.jobs },
    (_, i) => `00000000-0000-7000-8000-${String(i).padStart(12, "0")}`,
  );
  const span = options.days * 24 * 3600 * 1000;
  let runRows: RunRow[] = [];
  let eventRows: EventRow[] = [];
  let events = 0;
  const flush = async (dt: string) => {
    if (runRows.length > 0) {
      await store.put(
        partitionOf("runs", options.tenant, dt) + objectNameOf(runRows.map((r) => r.run_id)),
        runsParquet(runRows),
      );
    }
    if (eventRows.length > 0) {
      await store.put(
        partitionOf("events", options.tenant, dt) + objectNameOf(eventRows.map((r) => r.event_id)),
        eventsParquet(eventRows),
      );
    }
    runRows = [];
    eventRows = [];
  };
  let currentDay: string | null = null;
  for (let i = 0; i < options.runs; i++) {
    // runs spread evenly in time, so each day's rows are contiguous
    const scheduled = new Date(options.start.getTime() + Math.floor((i / options.runs) * span));
    const day = dayOf(scheduled);
    if (currentDay !== null && (day !== currentDay || runRows.length >= per)) await flush(currentDay);
    currentDay = day;
    const jobId = jobs[Math.floor(rand() * jobs.length)]!;
    const roll = rand();
    const status =
      roll < 0.9 ? "succeeded" : roll < 0.97 ? "dead_lettered" : roll < 0.99 ? "cancelled" : "skipped";
    const attempts = status === "skipped" ? 0 : status === "succeeded" ? (rand() < 0.9 ? 1 : 2) : 3;
    const started = status === "skipped" ? null : new Date(scheduled.getTime() + Math.floor(rand() * 500));
    const duration = started ? Math.floor(50 + rand() * rand() * 2000) : null;
    const finished = new Date((started ?? scheduled).getTime() + (duration ?? 0));
    const failure = rand();
    const runId = `run-${i}`;
    runRows.push({
      run_id: runId,
      job_id: jobId,
      status: status as RunRow["status"],
      trigger: "schedule",
      attempts,
      scheduled_at: scheduled,
      started_at: started,
      finished_at: finished,
      duration_ms: duration,
      http_status:
        status === "succeeded"
          ? 200
          : status === "dead_lettered"
            ? failure < 0.5
              ? 500
              : failure < 0.8
                ? 429
                : null
            : null,
      error_class:
        status === "dead_lettered"
          ? failure < 0.5
            ? "http-5xx"
            : failure < 0.8
              ? "http-429"
              : "network"
          : null,
      version: 2 + attempts * 2,
    });
    if (options.withEvents) {
      const streamId = `${options.tenant}/run/${runId}`;
      const base = { stream_id: streamId, schema_version: 1, actor: "system:scheduler", causation_id: null };
      const correlation = randomUUID();
      eventRows.push({
        ...base,
        event_id: randomUUID(),
        version: 1,
        type: "RunQueued",
        occurred_at: scheduled,
        correlation_id: correlation,
        payload: JSON.stringify({ jobId, attempt: 1, trigger: "schedule" }),
      });
      eventRows.push({
        ...base,
        event_id: randomUUID(),
        version: 2,
        type: status === "succeeded" ? "RunSucceeded" : "RunDeadLettered",
        occurred_at: finished,
        correlation_id: correlation,
        payload: JSON.stringify({ attempts }),
      });
      events += 2;
    }
  }
  if (currentDay !== null) await flush(currentDay);
  return { runs: options.runs, events };
}
