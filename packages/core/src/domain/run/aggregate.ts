/**
 * The Run aggregate as pure functions: `decide(command, state)` turns a command into the events
 * it causes (or throws a domain error), `evolve(state, event)` folds one stored event into the
 * state, `fold(events)` a whole stream. No I/O: time (`now`) and randomness (`random`, for the
 * retry backoff) come in the commands; the command service adds envelopes and stores events.
 *
 * Status: `queued` → `running` → `succeeded` | `retry-scheduled` (→ `queued` when due) |
 * `dead-lettered` (→ redrive → `queued`); `cancelled` from any status that is not terminal;
 * `skipped` (terminal, a fire that did not run, opened by RunSkipped). Terminal: `succeeded`,
 * `cancelled`, `skipped`. A dead-lettered run is parked, not terminal: it can be redriven or
 * cancelled.
 *
 * Attempts are numbered from 1 over the run's whole life; the retry policy counts them from the
 * last redrive (`attempt - attemptBase`), so a redrive grants a fresh `maxAttempts` budget.
 */
import type {
  AttemptErrorClass,
  EventDataMap,
  HttpRequestSpec,
  RetryPolicy,
  RunQueuedData,
  RunSkipReason,
  RunTrigger,
} from "@jobledger/events";
import {
  AlreadyExists,
  InvalidTransition,
  NotFound,
  ValidationFailed,
  type ValidationIssue,
} from "../errors.ts";
import {
  type AttemptOutcome,
  type FailedAttempt,
  failureWithoutResponse,
  storableOutcome,
} from "./outcome.ts";
import { decideRetry } from "./retry-policy.ts";
import { parseRunStreamId } from "./run-id.ts";

export const RUN_STATUSES = [
  "queued",
  "running",
  "retry-scheduled",
  "succeeded",
  "dead-lettered",
  "cancelled",
  "skipped",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses a run never leaves. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ["succeeded", "cancelled", "skipped"];
/** Statuses that count against a job's concurrency (the run is in flight or will be). */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ["queued", "running", "retry-scheduled"];

export const isTerminal = (status: RunStatus): boolean => TERMINAL_RUN_STATUSES.includes(status);

/** Added to the request's timeout to give an attempt's deadline (the watchdog's limit). */
export const ATTEMPT_GRACE_MS = 30_000;
export const RUN_REASON_MAX = 500;

/** One attempt of the timeline: started by a runner, finished by an outcome or the watchdog. */
export interface AttemptFacts {
  attempt: number;
  runner: string;
  startedAt: Date;
  deadline: Date;
  /** null while the attempt is in flight */
  finishedAt: Date | null;
  outcome: "succeeded" | "failed" | "timed-out" | null;
  /** HTTP status, when a response arrived */
  status: number | null;
  errorClass: AttemptErrorClass | null;
  message: string | null;
  durationMs: number | null;
}

/** Why a skipped run did not run. */
export interface RunSkip {
  reason: RunSkipReason;
  missedCount: number;
  missedFrom: Date | null;
  missedTo: Date | null;
}

export interface RunState {
  runId: string;
  tenant: string;
  jobId: string;
  jobVersion: number;
  status: RunStatus;
  /** why the run exists (from the RunQueued or RunSkipped that opened it) */
  trigger: RunTrigger;
  /** nominal fire time of scheduled runs; null for manual ones */
  scheduledFor: Date | null;
  /** when the current attempt may start; null for skipped runs */
  dueAt: Date | null;
  /** the current attempt (the one queued, running, just finished, or scheduled to retry); 0 when skipped */
  attempt: number;
  /** attempts made before the last redrive (0 until redriven) */
  attemptBase: number;
  /** what to send (snapshot of the first RunQueued); null for skipped runs */
  request: HttpRequestSpec | null;
  retry: RetryPolicy | null;
  /** the running attempt's deadline; null unless running */
  deadline: Date | null;
  /** when a scheduled retry is due; null unless retry-scheduled */
  nextAttemptAt: Date | null;
  attempts: AttemptFacts[];
  skip: RunSkip | null;
  /** the last failure's message (attempt failure, timeout, dead letter) */
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** when the run reached succeeded, dead-lettered, cancelled or skipped */
  finishedAt: Date | null;
  /** number of events folded = the stream version */
  version: number;
}

// ---- commands -----------------------------------------------------------------------------------

export type QueueRun = {
  type: "QueueRun";
  jobId: string;
  jobVersion: number;
  trigger: RunTrigger;
  scheduledFor: Date | null;
  dueAt: Date;
  request: HttpRequestSpec;
  retry: RetryPolicy;
};
export type SkipRun = {
  type: "SkipRun";
  jobId: string;
  jobVersion: number;
  scheduledFor: Date;
  reason: RunSkipReason;
  missedCount: number;
  missedFrom: Date | null;
  missedTo: Date | null;
};
export type StartAttempt = { type: "StartAttempt"; runner: string; now: Date };
export type RecordOutcome = {
  type: "RecordOutcome";
  attempt: number;
  outcome: AttemptOutcome;
  now: Date;
  /** a number in [0, 1) for the backoff jitter */
  random: () => number;
};
export type TimeOutAttempt = { type: "TimeOutAttempt"; now: Date; random: () => number };
export type RequeueRetry = { type: "RequeueRetry"; now: Date };
export type CancelRun = { type: "CancelRun"; reason: string | null };
export type RedriveRun = { type: "RedriveRun"; reason: string | null; now: Date };
export type RunCommand =
  | QueueRun
  | SkipRun
  | StartAttempt
  | RecordOutcome
  | TimeOutAttempt
  | RequeueRetry
  | CancelRun
  | RedriveRun;

export const RUN_EVENT_TYPES = [
  "RunQueued",
  "AttemptStarted",
  "AttemptSucceeded",
  "AttemptFailed",
  "AttemptTimedOut",
  "RetryScheduled",
  "RunSucceeded",
  "RunDeadLettered",
  "RunCancelled",
  "RunRedriven",
  "RunSkipped",
] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

/** An event as decided: type and payload (the service wraps it in an envelope). */
export type RunEvent = { [T in RunEventType]: { type: T; data: EventDataMap[T] } }[RunEventType];

/** What `evolve` needs of a stored event (a DecodedEvent fits). */
export interface RunStreamEvent {
  type: string;
  data: unknown;
  streamId: string;
  occurredAt: Date;
  /** when given, checked against the state's version + 1 */
  version?: number;
}

export interface RunDecideContext {
  /** the run's id, for error messages */
  runId?: string;
}

// ---- decide -------------------------------------------------------------------------------------

const iso = (date: Date) => date.toISOString();
const isValidDate = (value: unknown): value is Date =>
  value instanceof Date && !Number.isNaN(value.getTime());

function refuse(command: RunCommand["type"], state: RunState, detail?: string): never {
  throw new InvalidTransition(command, state.status, "run", detail);
}

function existing(state: RunState | null, context: RunDecideContext): RunState {
  if (state === null) throw new NotFound(context.runId, "run");
  return state;
}

function validReason(reason: unknown): string | null {
  if (reason === undefined || reason === null) return null;
  if (typeof reason !== "string") {
    throw new ValidationFailed([{ path: "reason", message: "reason must be a string or null" }]);
  }
  const trimmed = reason.trim();
  if (trimmed.length > RUN_REASON_MAX) {
    throw new ValidationFailed([
      { path: "reason", message: `reason must be at most ${RUN_REASON_MAX} characters` },
    ]);
  }
  return trimmed === "" ? null : trimmed;
}

function checkOpening(command: QueueRun | SkipRun): void {
  const issues: ValidationIssue[] = [];
  if (typeof command.jobId !== "string" || command.jobId === "") {
    issues.push({ path: "jobId", message: "jobId must be a non-empty string" });
  }
  if (!Number.isInteger(command.jobVersion) || command.jobVersion < 1) {
    issues.push({ path: "jobVersion", message: "jobVersion must be a positive integer" });
  }
  if (command.type === "QueueRun") {
    if (!["schedule", "catch-up", "manual"].includes(command.trigger)) {
      issues.push({
        path: "trigger",
        message: `a run is queued with trigger schedule, catch-up or manual, not ${command.trigger}`,
      });
    }
    if (command.trigger !== "manual" && !isValidDate(command.scheduledFor)) {
      issues.push({
        path: "scheduledFor",
        message: `a ${command.trigger} run needs its fire time (scheduledFor)`,
      });
    }
    if (command.scheduledFor !== null && !isValidDate(command.scheduledFor)) {
      issues.push({ path: "scheduledFor", message: "scheduledFor must be a valid instant or null" });
    }
    if (!isValidDate(command.dueAt)) issues.push({ path: "dueAt", message: "dueAt must be a valid instant" });
    if (!Number.isFinite(command.request?.timeoutMs) || command.request.timeoutMs <= 0) {
      issues.push({ path: "request.timeoutMs", message: "request.timeoutMs must be a positive number" });
    }
    if (!Number.isInteger(command.retry?.maxAttempts) || command.retry.maxAttempts < 1) {
      issues.push({ path: "retry.maxAttempts", message: "retry.maxAttempts must be a positive integer" });
    }
  } else {
    if (!isValidDate(command.scheduledFor)) {
      issues.push({ path: "scheduledFor", message: "scheduledFor must be a valid instant" });
    }
    if (!Number.isInteger(command.missedCount) || command.missedCount < 1) {
      issues.push({ path: "missedCount", message: "missedCount must be a positive integer" });
    }
    for (const field of ["missedFrom", "missedTo"] as const) {
      if (command[field] !== null && !isValidDate(command[field])) {
        issues.push({ path: field, message: `${field} must be a valid instant or null` });
      }
    }
  }
  if (issues.length > 0) throw new ValidationFailed(issues);
}

/** The attempt in flight (started, no outcome yet), if any. */
export function openAttempt(state: RunState): AttemptFacts | null {
  const last = state.attempts.at(-1);
  return last && last.finishedAt === null ? last : null;
}

/** What follows a failed (or timed-out) attempt: a retry or the dead letters. */
function afterFailure(run: RunState, failure: FailedAttempt, now: Date, random: () => number): RunEvent {
  if (run.retry === null)
    throw new Error(`run ${run.runId} has no retry policy (its first RunQueued lacks one)`);
  const decision = decideRetry({
    policy: run.retry,
    attempt: run.attempt - run.attemptBase,
    outcome: failure,
    now,
    random,
  });
  if (decision.retry) {
    return {
      type: "RetryScheduled",
      data: {
        attempt: run.attempt + 1,
        dueAt: iso(decision.dueAt),
        delayMs: decision.delayMs,
        reason: decision.reason,
      },
    };
  }
  return {
    type: "RunDeadLettered",
    data: { attempts: run.attempt, reason: decision.reason, lastError: failure.message },
  };
}

function outcomeEvent(attempt: number, outcome: AttemptOutcome): RunEvent {
  const facts = {
    attempt,
    durationMs: outcome.durationMs,
    headers: outcome.headers,
    bodyExcerpt: outcome.bodyExcerpt,
    bodyBytes: outcome.bodyBytes,
    bodyTruncated: outcome.bodyTruncated,
    // the reference to the stored whole body (the runner stored it before recording)
    ...(outcome.body ? { body: outcome.body } : {}),
    ...(outcome.bodyExcerptReplaced ? { bodyExcerptReplaced: true } : {}),
  };
  if (outcome.kind === "succeeded")
    return { type: "AttemptSucceeded", data: { ...facts, status: outcome.status } };
  return {
    type: "AttemptFailed",
    data: {
      ...facts,
      errorClass: outcome.errorClass,
      status: outcome.status,
      message: outcome.message,
      retryAfterMs: outcome.retryAfterMs,
    },
  };
}

/**
 * The events a command causes on a run in `state` (null before it exists). Every accepted
 * command causes at least one event. Throws NotFound, AlreadyExists, InvalidTransition or
 * ValidationFailed.
 */
export function decide(
  command: RunCommand,
  state: RunState | null,
  context: RunDecideContext = {},
): RunEvent[] {
  switch (command.type) {
    case "QueueRun": {
      if (state !== null) throw new AlreadyExists(state.runId, "run");
      checkOpening(command);
      const data: RunQueuedData = {
        jobId: command.jobId,
        jobVersion: command.jobVersion,
        attempt: 1,
        trigger: command.trigger,
        scheduledFor: command.scheduledFor === null ? null : iso(command.scheduledFor),
        dueAt: iso(command.dueAt),
        request: command.request,
        retry: command.retry,
      };
      return [{ type: "RunQueued", data }];
    }
    case "SkipRun": {
      if (state !== null) throw new AlreadyExists(state.runId, "run");
      checkOpening(command);
      return [
        {
          type: "RunSkipped",
          data: {
            jobId: command.jobId,
            jobVersion: command.jobVersion,
            scheduledFor: iso(command.scheduledFor),
            reason: command.reason,
            missedCount: command.missedCount,
            missedFrom: command.missedFrom === null ? null : iso(command.missedFrom),
            missedTo: command.missedTo === null ? null : iso(command.missedTo),
          },
        },
      ];
    }
    case "StartAttempt": {
      const run = existing(state, context);
      if (run.status !== "queued") refuse(command.type, run);
      if (run.request === null) throw new Error(`run ${run.runId} is queued without a request snapshot`);
      if (typeof command.runner !== "string" || command.runner === "") {
        throw new ValidationFailed([{ path: "runner", message: "runner must be a non-empty string" }]);
      }
      const deadline = new Date(command.now.getTime() + run.request.timeoutMs + ATTEMPT_GRACE_MS);
      return [
        {
          type: "AttemptStarted",
          data: { attempt: run.attempt, runner: command.runner, deadline: iso(deadline) },
        },
      ];
    }
    case "RecordOutcome": {
      const run = existing(state, context);
      const open = openAttempt(run);
      if (
        open === null ||
        open.attempt !== command.attempt ||
        (run.status !== "running" && run.status !== "cancelled")
      ) {
        refuse(command.type, run, `attempt ${command.attempt} is not in flight`);
      }
      // what came from the target is recorded as storable text (ADR 0010)
      const outcome = storableOutcome(command.outcome);
      const recorded = outcomeEvent(command.attempt, outcome);
      // a cancelled run keeps the facts of its last call, and stays cancelled
      if (run.status === "cancelled") return [recorded];
      if (outcome.kind === "succeeded") {
        return [recorded, { type: "RunSucceeded", data: { attempts: run.attempt } }];
      }
      return [recorded, afterFailure(run, outcome, command.now, command.random)];
    }
    case "TimeOutAttempt": {
      const run = existing(state, context);
      const open = openAttempt(run);
      if (run.status !== "running" || open === null) refuse(command.type, run);
      if (open.deadline.getTime() > command.now.getTime()) {
        refuse(command.type, run, `attempt ${open.attempt}'s deadline ${iso(open.deadline)} has not passed`);
      }
      const failure = failureWithoutResponse(
        "timeout",
        `runner ${open.runner} reported no outcome of attempt ${open.attempt} before its deadline ${iso(open.deadline)}`,
        open.deadline.getTime() - open.startedAt.getTime(),
      );
      return [
        { type: "AttemptTimedOut", data: { attempt: open.attempt, deadline: iso(open.deadline) } },
        afterFailure(run, failure, command.now, command.random),
      ];
    }
    case "RequeueRetry": {
      const run = existing(state, context);
      if (run.status !== "retry-scheduled" || run.nextAttemptAt === null) refuse(command.type, run);
      if (run.nextAttemptAt.getTime() > command.now.getTime()) {
        refuse(command.type, run, `attempt ${run.attempt} is due at ${iso(run.nextAttemptAt)}`);
      }
      return [{ type: "RunQueued", data: requeued(run, run.attempt, "retry", run.nextAttemptAt) }];
    }
    case "CancelRun": {
      const run = existing(state, context);
      if (isTerminal(run.status)) refuse(command.type, run);
      return [{ type: "RunCancelled", data: { reason: validReason(command.reason) } }];
    }
    case "RedriveRun": {
      const run = existing(state, context);
      if (run.status !== "dead-lettered") refuse(command.type, run);
      return [
        { type: "RunRedriven", data: { reason: validReason(command.reason) } },
        { type: "RunQueued", data: requeued(run, run.attempt + 1, "redrive", command.now) },
      ];
    }
    default: {
      const unknownCommand: never = command;
      throw new Error(`unknown run command ${JSON.stringify(unknownCommand)}`);
    }
  }
}

/** A later RunQueued (retry, redrive): no snapshot, the first one's is reused. */
function requeued(run: RunState, attempt: number, trigger: "retry" | "redrive", dueAt: Date): RunQueuedData {
  return {
    jobId: run.jobId,
    jobVersion: run.jobVersion,
    attempt,
    trigger,
    scheduledFor: run.scheduledFor === null ? null : iso(run.scheduledFor),
    dueAt: iso(dueAt),
    request: null,
    retry: null,
  };
}

// ---- evolve -------------------------------------------------------------------------------------

const dateOrNull = (value: string | null | undefined) => (value ? new Date(value) : null);

function allow(
  condition: boolean,
  state: RunState | null,
  event: string,
  detail?: string,
): asserts condition {
  if (!condition) throw new InvalidTransition(event, state?.status ?? "none", "run", detail);
}

/** The state with the open attempt replaced by `finish(open)`. */
function finishAttempt(
  run: RunState,
  attempt: number,
  event: string,
  finish: (open: AttemptFacts) => AttemptFacts,
) {
  const open = openAttempt(run);
  allow(open !== null && open.attempt === attempt, run, event, `attempt ${attempt} is not in flight`);
  return [...run.attempts.slice(0, -1), finish(open)];
}

/** The state after one stored event. Throws InvalidTransition for an event the state cannot take. */
export function evolve(state: RunState | null, event: RunStreamEvent): RunState {
  const expected = (state?.version ?? 0) + 1;
  if (event.version !== undefined && event.version !== expected) {
    throw new Error(`${event.streamId}: expected version ${expected}, got event version ${event.version}`);
  }
  const version = expected;
  const at = event.occurredAt;
  const touched = { version, updatedAt: at };
  switch (event.type) {
    case "RunQueued": {
      const data = event.data as EventDataMap["RunQueued"];
      if (state === null) {
        allow(
          data.attempt === 1 && data.request !== null && data.retry !== null,
          state,
          "RunQueued",
          "a run opens with attempt 1 and its request",
        );
        const ids = parseRunStreamId(event.streamId);
        if (!ids) throw new Error(`"${event.streamId}" is not a run stream id (<tenant>/run/<runId>)`);
        return {
          runId: ids.runId,
          tenant: ids.tenant,
          jobId: data.jobId,
          jobVersion: data.jobVersion,
          status: "queued",
          trigger: data.trigger,
          scheduledFor: dateOrNull(data.scheduledFor),
          dueAt: new Date(data.dueAt),
          attempt: 1,
          attemptBase: 0,
          request: data.request,
          retry: data.retry,
          deadline: null,
          nextAttemptAt: null,
          attempts: [],
          skip: null,
          lastError: null,
          createdAt: at,
          updatedAt: at,
          finishedAt: null,
          version,
        };
      }
      const retry =
        data.trigger === "retry" && state.status === "retry-scheduled" && data.attempt === state.attempt;
      // RunRedriven (just before, same commit) raised attemptBase to the attempt count
      const redrive =
        data.trigger === "redrive" &&
        state.status === "dead-lettered" &&
        state.attemptBase === state.attempt &&
        data.attempt === state.attempt + 1;
      allow(retry || redrive, state, "RunQueued", `${data.trigger} of attempt ${data.attempt}`);
      return {
        ...state,
        ...touched,
        status: "queued",
        attempt: data.attempt,
        dueAt: new Date(data.dueAt),
        nextAttemptAt: null,
        finishedAt: null,
      };
    }
    case "AttemptStarted": {
      const data = event.data as EventDataMap["AttemptStarted"];
      allow(state?.status === "queued" && data.attempt === state.attempt, state, "AttemptStarted");
      const deadline = new Date(data.deadline);
      const attempt: AttemptFacts = {
        attempt: data.attempt,
        runner: data.runner,
        startedAt: at,
        deadline,
        finishedAt: null,
        outcome: null,
        status: null,
        errorClass: null,
        message: null,
        durationMs: null,
      };
      return { ...state, ...touched, status: "running", deadline, attempts: [...state.attempts, attempt] };
    }
    case "AttemptSucceeded":
    case "AttemptFailed": {
      const data = event.data as EventDataMap["AttemptSucceeded"] | EventDataMap["AttemptFailed"];
      allow(state?.status === "running" || state?.status === "cancelled", state, event.type);
      const failed = event.type === "AttemptFailed" ? (data as EventDataMap["AttemptFailed"]) : null;
      const attempts = finishAttempt(state, data.attempt, event.type, (open) => ({
        ...open,
        finishedAt: at,
        outcome: failed ? "failed" : "succeeded",
        status: data.status,
        errorClass: failed?.errorClass ?? null,
        message: failed?.message ?? null,
        durationMs: data.durationMs,
      }));
      return {
        ...state,
        ...touched,
        attempts,
        deadline: null,
        lastError: failed ? failed.message : state.lastError,
      };
    }
    case "AttemptTimedOut": {
      const data = event.data as EventDataMap["AttemptTimedOut"];
      allow(state?.status === "running", state, "AttemptTimedOut");
      const message = `no outcome reported before the deadline ${data.deadline}`;
      const attempts = finishAttempt(state, data.attempt, event.type, (open) => ({
        ...open,
        finishedAt: at,
        outcome: "timed-out",
        errorClass: "timeout",
        message,
        durationMs: open.deadline.getTime() - open.startedAt.getTime(),
      }));
      return { ...state, ...touched, attempts, deadline: null, lastError: message };
    }
    case "RetryScheduled": {
      const data = event.data as EventDataMap["RetryScheduled"];
      allow(
        state?.status === "running" && openAttempt(state) === null && data.attempt === state.attempt + 1,
        state,
        "RetryScheduled",
      );
      return {
        ...state,
        ...touched,
        status: "retry-scheduled",
        attempt: data.attempt,
        nextAttemptAt: new Date(data.dueAt),
        deadline: null,
      };
    }
    case "RunSucceeded": {
      const last = state?.attempts.at(-1);
      allow(state?.status === "running" && last?.outcome === "succeeded", state, "RunSucceeded");
      return { ...state, ...touched, status: "succeeded", deadline: null, finishedAt: at };
    }
    case "RunDeadLettered": {
      const data = event.data as EventDataMap["RunDeadLettered"];
      const last = state?.attempts.at(-1);
      allow(
        state?.status === "running" && (last?.outcome === "failed" || last?.outcome === "timed-out"),
        state,
        "RunDeadLettered",
      );
      return {
        ...state,
        ...touched,
        status: "dead-lettered",
        deadline: null,
        finishedAt: at,
        lastError: data.lastError,
      };
    }
    case "RunCancelled":
      allow(state !== null && !isTerminal(state.status), state, "RunCancelled");
      return {
        ...state,
        ...touched,
        status: "cancelled",
        deadline: null,
        nextAttemptAt: null,
        finishedAt: at,
      };
    case "RunRedriven":
      allow(state?.status === "dead-lettered", state, "RunRedriven");
      return { ...state, ...touched, attemptBase: state.attempt, finishedAt: null };
    case "RunSkipped": {
      const data = event.data as EventDataMap["RunSkipped"];
      allow(state === null, state, "RunSkipped");
      const ids = parseRunStreamId(event.streamId);
      if (!ids) throw new Error(`"${event.streamId}" is not a run stream id (<tenant>/run/<runId>)`);
      return {
        runId: ids.runId,
        tenant: ids.tenant,
        jobId: data.jobId,
        jobVersion: data.jobVersion,
        status: "skipped",
        trigger: "schedule",
        scheduledFor: new Date(data.scheduledFor),
        dueAt: null,
        attempt: 0,
        attemptBase: 0,
        request: null,
        retry: null,
        deadline: null,
        nextAttemptAt: null,
        attempts: [],
        skip: {
          reason: data.reason,
          missedCount: data.missedCount,
          missedFrom: dateOrNull(data.missedFrom),
          missedTo: dateOrNull(data.missedTo),
        },
        lastError: null,
        createdAt: at,
        updatedAt: at,
        finishedAt: at,
        version,
      };
    }
    default:
      throw new Error(`${event.streamId}: ${event.type} is not a run event`);
  }
}

/** The state after a stream's events, in order (null for an empty stream). */
export function fold(events: Iterable<RunStreamEvent>, initial: RunState | null = null): RunState | null {
  let state = initial;
  for (const event of events) state = evolve(state, event);
  return state;
}
