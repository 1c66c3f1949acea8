/**
 * The run command service: load a run's stream (`<tenant>/run/<runId>`), fold it, `decide`,
 * and append the events with the version that was read, so of two racing writers (two
 * schedulers queueing the same fire, two runners starting the same attempt) exactly one wins
 * and the other gets ConcurrentModification (or AlreadyExists / InvalidTransition once it
 * sees the winner's events).
 */
import type {
  DecodedEvent,
  HttpRequestSpec,
  RetryPolicy,
  RunSkipReason,
  RunTrigger,
} from "@jobledger/events";
import { v7 as uuidv7 } from "uuid";
import { NotFound } from "../domain/errors.ts";
import { isStreamSegment } from "../domain/job/stream.ts";
import { decide, fold, type RunCommand, type RunState } from "../domain/run/aggregate.ts";
import type { AttemptOutcome } from "../domain/run/outcome.ts";
import { runStreamId } from "../domain/run/run-id.ts";
import type { Clock } from "../ports/clock.ts";
import type { EventStore } from "../ports/event-store.ts";
import { appendDecided, loadStream } from "./stream-append.ts";

/** Who asks and on whose behalf. */
export interface RunContext {
  tenant: string;
  /** `user:<id>`, `apikey:<id>`, `system:<component>` */
  actor: string;
  /** the request id (X-Request-ID), or the tick's / the causing event's correlation id */
  correlationId: string;
  /** the event that caused this command, if any */
  causationId?: string | null;
}

export interface RunCommandResult {
  /** the run after the command */
  run: RunState;
  /** the events this command appended */
  events: DecodedEvent[];
  /** the run's whole stream after the command */
  history: DecodedEvent[];
}

export interface LoadedRun {
  /** null when the stream is empty */
  state: RunState | null;
  version: number;
  history: DecodedEvent[];
}

export interface QueueRunInput {
  /** `runIdFor(jobId, fire)` for scheduled runs, `newManualRunId()` for manual ones */
  runId: string;
  jobId: string;
  jobVersion: number;
  trigger: RunTrigger;
  scheduledFor: Date | null;
  dueAt: Date;
  request: HttpRequestSpec;
  retry: RetryPolicy;
}

export interface SkipRunInput {
  runId: string;
  jobId: string;
  jobVersion: number;
  scheduledFor: Date;
  reason: RunSkipReason;
  missedCount: number;
  missedFrom: Date | null;
  missedTo: Date | null;
}

export interface RunCommands {
  /** Opens the run with RunQueued (attempt 1). AlreadyExists when the run exists (already queued or skipped). */
  queue(ctx: RunContext, input: QueueRunInput): Promise<RunCommandResult>;
  /** Opens the run with RunSkipped. AlreadyExists when the run exists. */
  skip(ctx: RunContext, input: SkipRunInput): Promise<RunCommandResult>;
  /** AttemptStarted for the queued attempt; InvalidTransition unless queued. */
  startAttempt(ctx: RunContext, runId: string, input: { runner: string }): Promise<RunCommandResult>;
  /** The attempt's outcome, then success, a retry or the dead letters. */
  recordOutcome(
    ctx: RunContext,
    runId: string,
    input: { attempt: number; outcome: AttemptOutcome },
  ): Promise<RunCommandResult>;
  /** The watchdog: AttemptTimedOut once the running attempt's deadline passed, then a retry or the dead letters. */
  timeOutAttempt(ctx: RunContext, runId: string): Promise<RunCommandResult>;
  /** RunQueued for a retry whose time came. */
  requeueRetry(ctx: RunContext, runId: string): Promise<RunCommandResult>;
  cancel(ctx: RunContext, runId: string, input: { reason: string | null }): Promise<RunCommandResult>;
  /** RunRedriven + RunQueued for a dead-lettered run (a fresh retry budget). */
  redrive(ctx: RunContext, runId: string, input: { reason: string | null }): Promise<RunCommandResult>;
  loadRun(tenant: string, runId: string): Promise<LoadedRun>;
}

export interface RunCommandsDeps {
  eventStore: EventStore;
  clock: Clock;
  /** a number in [0, 1) for the retry backoff; Math.random by default */
  random?: () => number;
  /** new event ids; uuid v7 by default */
  newId?: () => string;
}

export function createRunCommands(deps: RunCommandsDeps): RunCommands {
  const { eventStore, clock } = deps;
  const random = deps.random ?? Math.random;
  const newId = deps.newId ?? (() => uuidv7());

  async function loadRun(tenant: string, runId: string): Promise<LoadedRun> {
    if (!isStreamSegment(runId)) return { state: null, version: 0, history: [] };
    const { history, version } = await loadStream(eventStore, runStreamId(tenant, runId));
    return { state: fold(history), version, history };
  }

  async function execute(
    ctx: RunContext,
    runId: string,
    command: (now: Date) => RunCommand,
  ): Promise<RunCommandResult> {
    if (!isStreamSegment(runId)) throw new NotFound(runId, "run");
    const streamId = runStreamId(ctx.tenant, runId);
    const { state, version, history } = await loadRun(ctx.tenant, runId);
    const now = clock.now();
    const decided = decide(command(now), state, { runId });

    const appended = await appendDecided(eventStore, streamId, version, decided, ctx, now, newId);
    const run = fold(appended, state) as RunState;
    return { run, events: appended, history: [...history, ...appended] };
  }

  return {
    queue: (ctx, input) => execute(ctx, input.runId, () => ({ type: "QueueRun", ...withoutRunId(input) })),
    skip: (ctx, input) => execute(ctx, input.runId, () => ({ type: "SkipRun", ...withoutRunId(input) })),
    startAttempt: (ctx, runId, input) =>
      execute(ctx, runId, (now) => ({ type: "StartAttempt", runner: input.runner, now })),
    recordOutcome: (ctx, runId, input) =>
      execute(ctx, runId, (now) => ({
        type: "RecordOutcome",
        attempt: input.attempt,
        outcome: input.outcome,
        now,
        random,
      })),
    timeOutAttempt: (ctx, runId) => execute(ctx, runId, (now) => ({ type: "TimeOutAttempt", now, random })),
    requeueRetry: (ctx, runId) => execute(ctx, runId, (now) => ({ type: "RequeueRetry", now })),
    cancel: (ctx, runId, input) => execute(ctx, runId, () => ({ type: "CancelRun", reason: input.reason })),
    redrive: (ctx, runId, input) =>
      execute(ctx, runId, (now) => ({ type: "RedriveRun", reason: input.reason, now })),
    loadRun,
  };
}

function withoutRunId<T extends { runId: string }>(input: T): Omit<T, "runId"> {
  const { runId: _runId, ...rest } = input;
  return rest;
}
