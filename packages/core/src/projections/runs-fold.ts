/**
 * The "runs" projection (runs.ts) as a pure fold: the `runs` row and the `run_attempts` rows of
 * a run stream after one event, from the rows before it. It is the one definition of the
 * projection: the live projection (runs.ts) reads and locks the rows, folds one event and
 * writes the rows back; the rebuild's page projector (page-fold.ts) folds a page's events in
 * memory and writes each row once.
 *
 * The fires a run records on its job's schedule (`raiseFire`) are returned, not applied: the
 * caller owns the schedules rows.
 */
import {
  type AttemptBodyRef,
  type DecodedEvent,
  parseStreamId,
  type RunSkipReason,
  type RunTrigger,
} from "@jobledger/events";
import type { TableSpec } from "../adapters/postgres/page-rows.ts";
import { isStorableText } from "../domain/text/storable-text.ts";

/** The run id of an event on `<tenant>/run/<runId>`; the tenant must be the event's own. */
export function runIdOf(event: Pick<DecodedEvent, "streamId" | "tenant" | "type">): string {
  const { tenant, kind, id } = parseStreamId(event.streamId);
  if (kind !== "run" || tenant !== event.tenant) {
    throw new Error(
      `${event.type} on stream "${event.streamId}" does not belong to a run stream "${event.tenant}/run/<runId>" of tenant ${event.tenant}`,
    );
  }
  return id;
}

/** The message an attempt timed out by the watchdog carries. */
export function timedOutMessage(deadline: string): string {
  return `no outcome reported by the attempt's deadline ${deadline}`;
}

/** A row of `runs` as the fold sees it. */
export interface RunRow {
  tenant: string;
  run_id: string;
  job_id: string;
  job_version: number | null;
  status: string;
  trigger: RunTrigger;
  scheduled_for: Date | string | null;
  due_at: Date | string | null;
  attempt: number;
  attempt_base: number;
  deadline: Date | string | null;
  next_attempt_at: Date | string | null;
  last_status_code: number | null;
  last_error_class: string | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  skip_reason: RunSkipReason | null;
  missed_count: number | null;
  missed_from: Date | string | null;
  missed_to: Date | string | null;
  version: number;
}

/** A row of `run_attempts` as the fold sees it. */
export interface AttemptRow {
  tenant: string;
  run_id: string;
  attempt: number;
  started_at: Date;
  deadline: Date | string;
  runner: string;
  finished_at: Date | null;
  outcome: "succeeded" | "failed" | "timed-out" | null;
  status_code: number | null;
  error_class: string | null;
  message: string | null;
  duration_ms: number | null;
  response_headers: Record<string, string> | null;
  body_excerpt: string | null;
  body_bytes: number | null;
  body_truncated: boolean | null;
  /** the excerpt is not the body's exact text (bytes replaced by U+FFFD, ADR 0010); null: no response yet */
  body_excerpt_replaced: boolean | null;
  /** the stored whole body's reference (migration 0004), as the event carries it */
  body_object: AttemptBodyRef | null;
}

export const RUNS_TABLE: TableSpec<RunRow> = {
  table: "runs",
  key: ["tenant", "run_id"],
  columns: {
    tenant: "text",
    run_id: "text",
    job_id: "text",
    job_version: "integer",
    status: "text",
    trigger: "text",
    scheduled_for: "timestamptz",
    due_at: "timestamptz",
    attempt: "integer",
    attempt_base: "integer",
    deadline: "timestamptz",
    next_attempt_at: "timestamptz",
    last_status_code: "integer",
    last_error_class: "text",
    last_error: "text",
    created_at: "timestamptz",
    updated_at: "timestamptz",
    finished_at: "timestamptz",
    skip_reason: "text",
    missed_count: "integer",
    missed_from: "timestamptz",
    missed_to: "timestamptz",
    version: "integer",
  },
};

export const RUN_ATTEMPTS_TABLE: TableSpec<AttemptRow> = {
  table: "run_attempts",
  key: ["tenant", "run_id", "attempt"],
  columns: {
    tenant: "text",
    run_id: "text",
    attempt: "integer",
    started_at: "timestamptz",
    deadline: "timestamptz",
    runner: "text",
    finished_at: "timestamptz",
    outcome: "text",
    status_code: "integer",
    error_class: "text",
    message: "text",
    duration_ms: "double precision",
    response_headers: "jsonb",
    body_excerpt: "text",
    body_bytes: "integer",
    body_truncated: "boolean",
    body_excerpt_replaced: "boolean",
    body_object: "jsonb",
  },
};

export interface RunFold {
  run: RunRow;
  /** the attempt row the event wrote, if any */
  attempt?: AttemptRow;
  /** a fire to raise on the job's schedule (before the run row is written) */
  fire?: { jobId: string; fireAt: string };
}

type Event<T extends DecodedEvent["type"]> = DecodedEvent<T>;

/**
 * True for the events that open a run (RunQueued of a first attempt, RunSkipped): their row
 * replaces whatever row there is (the scheduler's provisional row, or one a rebuild finds), so
 * the fold does not read it.
 */
export function opensRun(event: DecodedEvent): boolean {
  if (event.type === "RunSkipped") return true;
  if (event.type !== "RunQueued") return false;
  const { trigger } = (event as Event<"RunQueued">).data;
  return trigger !== "retry" && trigger !== "redrive";
}

/** The fire a run event records on its job's schedule, if any: see `RunFold.fire`. */
export function fireOf(event: DecodedEvent): { jobId: string; fireAt: string } | null {
  if (!opensRun(event)) return null;
  if (event.type === "RunSkipped") {
    const data = (event as Event<"RunSkipped">).data;
    return { jobId: data.jobId, fireAt: data.scheduledFor };
  }
  const data = (event as Event<"RunQueued">).data;
  if (data.scheduledFor !== null && (data.trigger === "schedule" || data.trigger === "catch-up")) {
    return { jobId: data.jobId, fireAt: data.scheduledFor };
  }
  return null;
}

/**
 * The attempt whose row `foldRun` reads for `event` (the outcomes update the attempt they
 * finish), or null when it reads none; a caller that loads rows per event loads this one.
 */
export function attemptReadBy(event: DecodedEvent): number | null {
  switch (event.type) {
    case "AttemptSucceeded":
    case "AttemptFailed":
    case "AttemptTimedOut":
      return (event as Event<"AttemptSucceeded" | "AttemptFailed" | "AttemptTimedOut">).data.attempt;
    default:
      return null;
  }
}

/**
 * The rows after `event`: `run` the run row before it (null: none yet), `attemptOf` the
 * attempt rows before it. Pure; throws when a row it updates is missing. An event that opens
 * a run (`opensRun`) does not read `run`, and `attemptOf` is asked only for the attempt
 * `attemptReadBy` names.
 */
export function foldRun(
  run: RunRow | null,
  attemptOf: (attempt: number) => AttemptRow | null,
  event: DecodedEvent,
): RunFold {
  const runId = runIdOf(event);
  const missing = (table: string): never => {
    throw new Error(
      `${event.type} (version ${event.version}) of ${event.streamId} found no ${table} row: was the run's earlier history applied?`,
    );
  };
  const updated = (): RunRow => ({
    ...(run ?? missing("run")),
    version: event.version,
    updated_at: event.occurredAt,
  });
  const finished = (attempt: number): AttemptRow => ({
    ...(attemptOf(attempt) ?? missing(`attempt ${attempt}`)),
    finished_at: event.occurredAt,
  });
  const opened = (
    values: Omit<RunRow, "tenant" | "run_id" | "version" | "created_at" | "updated_at">,
  ): RunRow => ({
    tenant: event.tenant,
    run_id: runId,
    version: event.version,
    created_at: event.occurredAt,
    updated_at: event.occurredAt,
    ...values,
  });

  switch (event.type) {
    case "RunQueued": {
      const data = (event as Event<"RunQueued">).data;
      if (data.trigger === "retry" || data.trigger === "redrive") {
        return {
          run: {
            ...updated(),
            status: "queued",
            attempt: data.attempt,
            due_at: data.dueAt,
            next_attempt_at: null,
            deadline: null,
            finished_at: null,
          },
        };
      }
      const fire = fireOf(event);
      return {
        run: opened({
          job_id: data.jobId,
          job_version: data.jobVersion,
          status: "queued",
          trigger: data.trigger,
          scheduled_for: data.scheduledFor,
          due_at: data.dueAt,
          attempt: data.attempt,
          attempt_base: 0,
          deadline: null,
          next_attempt_at: null,
          last_status_code: null,
          last_error_class: null,
          last_error: null,
          finished_at: null,
          skip_reason: null,
          missed_count: null,
          missed_from: null,
          missed_to: null,
        }),
        ...(fire ? { fire } : {}),
      };
    }
    case "RunSkipped": {
      const data = (event as Event<"RunSkipped">).data;
      const fire = fireOf(event);
      return {
        ...(fire ? { fire } : {}),
        run: opened({
          job_id: data.jobId,
          job_version: data.jobVersion,
          status: "skipped",
          trigger: "schedule",
          scheduled_for: data.scheduledFor,
          due_at: null,
          attempt: 0,
          attempt_base: 0,
          deadline: null,
          next_attempt_at: null,
          last_status_code: null,
          last_error_class: null,
          last_error: null,
          finished_at: event.occurredAt,
          skip_reason: data.reason,
          missed_count: data.missedCount,
          missed_from: data.missedFrom,
          missed_to: data.missedTo,
        }),
      };
    }
    case "AttemptStarted": {
      const data = (event as Event<"AttemptStarted">).data;
      return {
        run: {
          ...updated(),
          status: "running",
          attempt: data.attempt,
          deadline: data.deadline,
          next_attempt_at: null,
        },
        attempt: {
          tenant: event.tenant,
          run_id: runId,
          attempt: data.attempt,
          started_at: event.occurredAt,
          deadline: data.deadline,
          runner: data.runner,
          finished_at: null,
          outcome: null,
          status_code: null,
          error_class: null,
          message: null,
          duration_ms: null,
          response_headers: null,
          body_excerpt: null,
          body_bytes: null,
          body_truncated: null,
          body_excerpt_replaced: null,
          body_object: null,
        },
      };
    }
    case "AttemptSucceeded": {
      const data = (event as Event<"AttemptSucceeded">).data;
      const attempt: AttemptRow = {
        ...finished(data.attempt),
        outcome: "succeeded",
        status_code: data.status,
        error_class: null,
        message: null,
        ...responseFacts(data),
      };
      // the status stays: RunSucceeded follows (or the run was cancelled meanwhile)
      return {
        attempt,
        run: {
          ...updated(),
          deadline: null,
          last_status_code: data.status,
          last_error_class: null,
          last_error: null,
        },
      };
    }
    case "AttemptFailed": {
      const data = (event as Event<"AttemptFailed">).data;
      const attempt: AttemptRow = {
        ...finished(data.attempt),
        outcome: "failed",
        status_code: data.status,
        error_class: data.errorClass,
        message: data.message,
        ...responseFacts(data),
      };
      return {
        attempt,
        run: {
          ...updated(),
          deadline: null,
          last_status_code: data.status,
          last_error_class: data.errorClass,
          last_error: data.message,
        },
      };
    }
    case "AttemptTimedOut": {
      const data = (event as Event<"AttemptTimedOut">).data;
      const message = timedOutMessage(data.deadline);
      const attempt: AttemptRow = {
        ...finished(data.attempt),
        outcome: "timed-out",
        status_code: null,
        error_class: "timeout",
        message,
      };
      return {
        attempt,
        run: {
          ...updated(),
          deadline: null,
          last_status_code: null,
          last_error_class: "timeout",
          last_error: message,
        },
      };
    }
    case "RetryScheduled": {
      const data = (event as Event<"RetryScheduled">).data;
      return { run: { ...updated(), status: "retry-scheduled", next_attempt_at: data.dueAt } };
    }
    case "RunSucceeded":
      return {
        run: {
          ...updated(),
          status: "succeeded",
          finished_at: event.occurredAt,
          next_attempt_at: null,
          deadline: null,
        },
      };
    case "RunDeadLettered": {
      const data = (event as Event<"RunDeadLettered">).data;
      return {
        run: {
          ...updated(),
          status: "dead-lettered",
          finished_at: event.occurredAt,
          next_attempt_at: null,
          deadline: null,
          last_error: data.lastError,
        },
      };
    }
    case "RunCancelled":
      return {
        run: {
          ...updated(),
          status: "cancelled",
          finished_at: event.occurredAt,
          next_attempt_at: null,
          deadline: null,
        },
      };
    case "RunRedriven": {
      // the RunQueued of the next attempt follows and sets the status
      const before = updated();
      return { run: { ...before, attempt_base: before.attempt, finished_at: null } };
    }
    default:
      throw new Error(`the runs projection does not handle ${event.type}`);
  }
}

function responseFacts(
  data: Event<"AttemptSucceeded" | "AttemptFailed">["data"],
): Pick<
  AttemptRow,
  | "duration_ms"
  | "response_headers"
  | "body_excerpt"
  | "body_bytes"
  | "body_truncated"
  | "body_excerpt_replaced"
  | "body_object"
> {
  return {
    duration_ms: data.durationMs,
    response_headers: data.headers,
    body_excerpt: data.bodyExcerpt,
    body_bytes: data.bodyBytes,
    body_truncated: data.bodyTruncated,
    // marked by the runner (v3), or an excerpt recorded before the rule that the writer replaces
    body_excerpt_replaced: data.bodyExcerptReplaced === true || !isStorableText(data.bodyExcerpt),
    body_object: data.body ? data.body : null,
  };
}
