/**
 * Every metric Jobledger records, by name (see docs/observability.md). Call sites record
 * through these; the installed backend decides where values go.
 */
import { defineCounter, defineGauge, defineHistogram } from "./metrics.ts";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LAG_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 900, 3600];

export const httpRequests = defineCounter({
  name: "jobledger_http_requests_total",
  help: "API requests by method, route pattern and status code",
  labelNames: ["method", "route", "status"],
  unit: "count",
});

export const httpRequestDuration = defineHistogram({
  name: "jobledger_http_request_duration_seconds",
  help: "API request latency by method and route pattern",
  labelNames: ["method", "route"],
  unit: "seconds",
  buckets: LATENCY_BUCKETS,
});

export const eventsAppended = defineCounter({
  name: "jobledger_events_appended_total",
  help: "events appended to the event store, by event type",
  labelNames: ["type"],
  unit: "count",
});

export const runs = defineCounter({
  name: "jobledger_runs_total",
  help: "run lifecycle transitions appended: queued, started, succeeded, failed (an attempt), dead_lettered, skipped, cancelled",
  labelNames: ["outcome"],
  unit: "count",
});

export const scheduleLag = defineHistogram({
  name: "jobledger_schedule_lag_seconds",
  help: "time from a schedule's fire time to its RunQueued being appended",
  labelNames: [],
  unit: "seconds",
  buckets: LAG_BUCKETS,
});

export const consumerMillisBehind = defineGauge({
  name: "jobledger_consumer_millis_behind_latest",
  help: "MillisBehindLatest of a consumer's last GetRecords (largest over its shards)",
  labelNames: ["consumer"],
  unit: "milliseconds",
});

export const consumerRecordsBehind = defineGauge({
  name: "jobledger_consumer_records_behind",
  help: "change records on the stream after a consumer's checkpoint (counted up to a cap)",
  labelNames: ["consumer"],
  unit: "count",
});

export const consumerOldestUnprocessedAge = defineGauge({
  name: "jobledger_consumer_oldest_unprocessed_age_seconds",
  help: "age of the oldest change record a consumer has not checkpointed (0 when caught up)",
  labelNames: ["consumer"],
  unit: "seconds",
});

export const consumerBatches = defineCounter({
  name: "jobledger_consumer_batches_total",
  help: "change-feed batches handled by a consumer, by result (ok, failed)",
  labelNames: ["consumer", "result"],
  unit: "count",
});

/** Change records a consumer could not handle and parked (see docs/runbook.md); alarmed on AWS. */
export const recordsParked = defineCounter({
  name: "jobledger_records_parked_total",
  help: "change records a consumer parked after its tries (their stream waits behind them)",
  labelNames: ["consumer"],
  unit: "count",
});

export const parkedStreams = defineGauge({
  name: "jobledger_parked_streams",
  help: "streams a consumer holds parked right now (as of its last look at the parked records)",
  labelNames: ["consumer"],
  unit: "count",
});

/**
 * Notification deliveries per channel and result (`sent`, `failed`). The notifier calls
 * `notificationDeliveries.inc({ channel, result })` once per delivery attempt.
 */
export const notificationDeliveries = defineCounter({
  name: "jobledger_notification_deliveries_total",
  help: "notification deliveries by channel (email, slack, teams, webpush, webhook) and result (sent, failed)",
  labelNames: ["channel", "result"],
  unit: "count",
});

export const dependencyUp = defineGauge({
  name: "jobledger_dependency_up",
  help: "1 when a dependency answered its last readiness check, else 0",
  labelNames: ["dependency"],
  unit: "count",
});

/** Event type → the run transition it records. */
const RUN_OUTCOMES: Record<string, string> = {
  RunQueued: "queued",
  AttemptStarted: "started",
  RunSucceeded: "succeeded",
  AttemptFailed: "failed",
  AttemptTimedOut: "failed",
  RunDeadLettered: "dead_lettered",
  RunSkipped: "skipped",
  RunCancelled: "cancelled",
};

/** Records one successful append: events by type, and run transitions. */
export function recordAppended(events: ReadonlyArray<{ type: string }>): void {
  for (const event of events) {
    eventsAppended.inc({ type: event.type });
    const outcome = RUN_OUTCOMES[event.type];
    if (outcome) runs.inc({ outcome });
  }
}
