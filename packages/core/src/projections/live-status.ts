/**
 * The live read model as a pure mapping: one event → the Redis commands that apply it.
 * The Redis projector runs these commands inside one Lua script together with the
 * per-stream version guard, so an event is applied exactly once and atomically.
 *
 * Commands are string tuples `[command, key, ...args]` from a small set the script allows,
 * plus two of its own: `HMAX key field value` (raise a field) and `DELTRACKED set` (delete
 * every key named in a set, then the set).
 *
 * Counters count attempt outcomes (success, failure incl. time-outs) and attempt latency
 * (durationMs) in per-minute buckets (kept for the last hour) and per-hour buckets (kept
 * for the last day), so "last hour" and "last day" are sums over at most 60 and 24 keys.
 */
import type { DecodedEvent, EventType } from "@jobledger/events";
import type { LiveKeys } from "./live-status-keys.ts";

export type LiveCommand = string[];

/** The feed entry of an event: small facts only (no request, headers or bodies). */
export interface LiveFeedEvent {
  type: EventType;
  streamId: string;
  version: number;
  occurredAt: string;
  jobId: string | null;
  runId: string | null;
  /** type-specific facts, e.g. status, attempt, statusCode, durationMs, errorClass */
  facts: Record<string, string | number | boolean | null>;
}

export interface LiveMappingOptions {
  keys: LiveKeys;
  /** the job a run event belongs to (run events after RunQueued do not carry it); null if unknown */
  jobId: string | null;
  now: Date;
  /** runs kept per job, default 20 */
  latestRuns?: number;
  /** approximate length the feed is trimmed to, default 10 000 */
  feedMaxLen?: number;
  /** seconds a run's hash lives after its last change, default 8 days */
  runTtlSeconds?: number;
}

export const LATEST_RUNS = 20;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Which id an event's stream names: `<tenant>/<kind>/<id>`. */
function streamParts(streamId: string): { kind: string; id: string } {
  const [, kind = "", ...rest] = streamId.split("/");
  return { kind, id: rest.join("/") };
}

export function liveFeedEvent(event: DecodedEvent, jobId: string | null): LiveFeedEvent {
  const { kind, id } = streamParts(event.streamId);
  const data = event.data as unknown as Record<string, unknown>;
  const pick = (...names: string[]) => {
    const facts: LiveFeedEvent["facts"] = {};
    for (const name of names) {
      const value = data[name];
      if (value === undefined) continue;
      facts[name] = typeof value === "object" && value !== null ? JSON.stringify(value) : (value as string);
    }
    return facts;
  };
  const facts: Partial<Record<EventType, () => LiveFeedEvent["facts"]>> = {
    JobCreated: () => ({
      name: (event as DecodedEvent<"JobCreated">).data.definition.name,
      status: "active",
    }),
    JobUpdated: () => ({ changedFields: (event as DecodedEvent<"JobUpdated">).data.changedFields.join(",") }),
    JobPaused: () => ({ ...pick("reason"), status: "paused" }),
    JobResumed: () => ({ status: "active" }),
    JobDeleted: () => ({ ...pick("reason"), status: "deleted" }),
    RunQueued: () => ({ ...pick("attempt", "trigger", "scheduledFor", "dueAt"), status: "queued" }),
    RunSkipped: () => ({ ...pick("scheduledFor", "reason", "missedCount"), status: "skipped" }),
    AttemptStarted: () => ({ ...pick("attempt", "deadline"), status: "running" }),
    AttemptSucceeded: () => pick("attempt", "status", "durationMs"),
    AttemptFailed: () => pick("attempt", "status", "errorClass", "message", "durationMs"),
    AttemptTimedOut: () => pick("attempt", "deadline"),
    RetryScheduled: () => ({ ...pick("attempt", "dueAt", "delayMs", "reason"), status: "retry-scheduled" }),
    RunSucceeded: () => ({ ...pick("attempts"), status: "succeeded" }),
    RunDeadLettered: () => ({ ...pick("attempts", "reason", "lastError"), status: "dead-lettered" }),
    RunCancelled: () => ({ ...pick("reason"), status: "cancelled" }),
    RunRedriven: () => pick("reason"),
    NotificationSent: () => pick("kind", "channel", "destination", "attempts"),
    NotificationFailed: () => pick("kind", "channel", "destination", "attempts", "error", "final"),
  };
  return {
    type: event.type,
    streamId: event.streamId,
    version: event.version,
    occurredAt: event.occurredAt.toISOString(),
    jobId: kind === "job" ? id : jobId,
    runId: kind === "run" ? id : null,
    facts: facts[event.type]?.() ?? {},
  };
}

/** The Redis commands that apply `event` to the live read model (version guard excluded). */
export function liveCommands(event: DecodedEvent, options: LiveMappingOptions): LiveCommand[] {
  const { keys } = options;
  const tenant = event.tenant;
  const latestRuns = options.latestRuns ?? LATEST_RUNS;
  const at = event.occurredAt.toISOString();
  const atMs = event.occurredAt.getTime();
  const { kind, id } = streamParts(event.streamId);
  const out: LiveCommand[] = [];
  const feed = liveFeedEvent(event, options.jobId);
  const jobId = feed.jobId;

  if (kind === "job") {
    const job = keys.job(tenant, id);
    out.push(["HSET", job, "version", String(event.version), "updatedAt", at]);
    switch (event.type) {
      case "JobCreated":
        out.push([
          "HSET",
          job,
          "status",
          "active",
          "name",
          (event as DecodedEvent<"JobCreated">).data.definition.name,
        ]);
        break;
      case "JobUpdated": {
        const name = (event as DecodedEvent<"JobUpdated">).data.changes.name;
        if (name !== undefined) out.push(["HSET", job, "name", name]);
        break;
      }
      case "JobPaused":
        out.push(["HSET", job, "status", "paused"]);
        break;
      case "JobResumed":
        out.push(["HSET", job, "status", "active"]);
        break;
      case "JobDeleted":
        out.push(["HSET", job, "status", "deleted"]);
        break;
      default:
        break;
    }
    out.push(["DEL", keys.cachedJob(tenant, id)], ["DELTRACKED", keys.cachedJobLists(tenant)]);
  } else if (kind === "run") {
    out.push(...runCommands(event, id, jobId, options, latestRuns, atMs, at));
  }

  out.push([
    "XADD",
    keys.feed(tenant),
    "MAXLEN",
    "~",
    String(options.feedMaxLen ?? 10_000),
    "*",
    "event",
    JSON.stringify(feed),
  ]);
  return out;
}

function runCommands(
  event: DecodedEvent,
  runId: string,
  jobId: string | null,
  options: LiveMappingOptions,
  latestRuns: number,
  atMs: number,
  at: string,
): LiveCommand[] {
  const { keys, now } = options;
  const tenant = event.tenant;
  const run = keys.run(tenant, runId);
  const running = keys.running(tenant);
  const out: LiveCommand[] = [];
  const set = (...fields: (string | number | null)[]) => {
    const args: string[] = [];
    const dels: string[] = [];
    for (let i = 0; i < fields.length; i += 2) {
      const value = fields[i + 1];
      if (value === null || value === undefined) dels.push(String(fields[i]));
      else args.push(String(fields[i]), String(value));
    }
    if (args.length > 0) out.push(["HSET", run, ...args]);
    if (dels.length > 0) out.push(["HDEL", run, ...dels]);
  };
  const outcome = (ok: boolean, durationMs: number | null) => {
    out.push(["SREM", running, runId]);
    if (jobId !== null) out.push(...counterCommands(keys, tenant, jobId, atMs, now, ok, durationMs));
  };
  const finished = (status: string) => {
    set("status", status, "finishedAt", at, "nextAttemptAt", null);
    out.push(["SREM", running, runId]);
  };

  switch (event.type) {
    case "RunQueued": {
      const data = (event as DecodedEvent<"RunQueued">).data;
      if (data.trigger === "retry" || data.trigger === "redrive") {
        set("status", "queued", "attempt", data.attempt, "dueAt", data.dueAt, "nextAttemptAt", null);
        break;
      }
      set(
        "jobId",
        data.jobId,
        "status",
        "queued",
        "trigger",
        data.trigger,
        "attempt",
        data.attempt,
        "queuedAt",
        at,
        "scheduledFor",
        data.scheduledFor,
        "dueAt",
        data.dueAt,
      );
      out.push(...latestRunCommands(keys, tenant, data.jobId, runId, atMs, latestRuns));
      break;
    }
    case "RunSkipped": {
      const data = (event as DecodedEvent<"RunSkipped">).data;
      set(
        "jobId",
        data.jobId,
        "status",
        "skipped",
        "trigger",
        "schedule",
        "attempt",
        0,
        "queuedAt",
        at,
        "finishedAt",
        at,
        "scheduledFor",
        data.scheduledFor,
        "skipReason",
        data.reason,
      );
      out.push(...latestRunCommands(keys, tenant, data.jobId, runId, atMs, latestRuns));
      break;
    }
    case "AttemptStarted": {
      const data = (event as DecodedEvent<"AttemptStarted">).data;
      set("status", "running", "attempt", data.attempt, "startedAt", at, "deadline", data.deadline);
      out.push(["SADD", running, runId]);
      break;
    }
    case "AttemptSucceeded": {
      const data = (event as DecodedEvent<"AttemptSucceeded">).data;
      set(
        "lastStatusCode",
        data.status,
        "lastErrorClass",
        null,
        "lastError",
        null,
        "durationMs",
        data.durationMs,
      );
      outcome(true, data.durationMs);
      break;
    }
    case "AttemptFailed": {
      const data = (event as DecodedEvent<"AttemptFailed">).data;
      set(
        "lastStatusCode",
        data.status,
        "lastErrorClass",
        data.errorClass,
        "lastError",
        data.message,
        "durationMs",
        data.durationMs,
      );
      outcome(false, data.durationMs);
      break;
    }
    case "AttemptTimedOut":
      set(
        "lastStatusCode",
        null,
        "lastErrorClass",
        "timeout",
        "lastError",
        "attempt timed out",
        "durationMs",
        null,
      );
      outcome(false, null);
      break;
    case "RetryScheduled": {
      const data = (event as DecodedEvent<"RetryScheduled">).data;
      set("status", "retry-scheduled", "nextAttemptAt", data.dueAt);
      out.push(["SREM", running, runId]);
      break;
    }
    case "RunSucceeded":
      finished("succeeded");
      break;
    case "RunDeadLettered":
      set("lastError", (event as DecodedEvent<"RunDeadLettered">).data.lastError);
      finished("dead-lettered");
      break;
    case "RunCancelled":
      finished("cancelled");
      break;
    case "RunRedriven":
      set("finishedAt", null);
      break;
    default:
      break;
  }
  out.push(["EXPIRE", run, String(options.runTtlSeconds ?? 8 * 24 * 3600)]);
  return out;
}

function latestRunCommands(
  keys: LiveKeys,
  tenant: string,
  jobId: string,
  runId: string,
  atMs: number,
  latestRuns: number,
): LiveCommand[] {
  const runs = keys.jobRuns(tenant, jobId);
  return [
    ["ZADD", runs, String(atMs), runId],
    ["ZREMRANGEBYRANK", runs, "0", String(-(latestRuns + 1))],
  ];
}

/** Bucket updates for one attempt outcome; buckets already past their window are left out. */
function counterCommands(
  keys: LiveKeys,
  tenant: string,
  jobId: string,
  atMs: number,
  now: Date,
  ok: boolean,
  durationMs: number | null,
): LiveCommand[] {
  const out: LiveCommand[] = [];
  const minute = Math.floor(atMs / MINUTE_MS);
  const hour = Math.floor(atMs / HOUR_MS);
  const buckets: [string, number][] = [
    [keys.minute(tenant, jobId, minute), (minute + 1) * MINUTE_MS + HOUR_MS],
    [keys.hour(tenant, jobId, hour), (hour + 1) * HOUR_MS + 24 * HOUR_MS],
  ];
  for (const [key, expiresAtMs] of buckets) {
    if (expiresAtMs <= now.getTime()) continue;
    out.push(["HINCRBY", key, ok ? "successes" : "failures", "1"]);
    if (durationMs !== null) {
      out.push(["HINCRBY", key, "latencySumMs", String(Math.round(durationMs))]);
      out.push(["HINCRBY", key, "latencyCount", "1"]);
      out.push(["HMAX", key, "latencyMaxMs", String(Math.round(durationMs))]);
    }
    // relative to the injected clock (Redis expires by its own wall time)
    out.push(["PEXPIRE", key, String(expiresAtMs - now.getTime())]);
  }
  return out;
}

/** Minute and hour bucket numbers that make up "the last hour" and "the last day" at `now`. */
export function counterWindows(now: Date): { minutes: number[]; hours: number[] } {
  const minuteNow = Math.floor(now.getTime() / MINUTE_MS);
  const hourNow = Math.floor(now.getTime() / HOUR_MS);
  return {
    minutes: Array.from({ length: 60 }, (_, i) => minuteNow - i),
    hours: Array.from({ length: 24 }, (_, i) => hourNow - i),
  };
}
