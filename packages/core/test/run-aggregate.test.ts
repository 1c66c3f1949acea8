/** The Run aggregate: every command, every refusal (given/when/then), and evolve/fold. */
import { describe, expect, it } from "vitest";
import { AlreadyExists, InvalidTransition, NotFound, ValidationFailed } from "../src/domain/errors.ts";
import { ATTEMPT_GRACE_MS, evolve, fold, type RunCommand } from "../src/domain/run/aggregate.ts";
import type { AttemptOutcome } from "../src/domain/run/outcome.ts";
import {
  at,
  clientError,
  given,
  half,
  history,
  JOB_ID,
  networkError,
  ok,
  queueCommand,
  REQUEST,
  RETRY,
  RUN_ID,
  STREAM_ID,
  serverError,
  T0,
  TENANT,
} from "./run-support.ts";

const queue = queueCommand();
const start = (seconds = 1, runner = "runner-1"): RunCommand => ({
  type: "StartAttempt",
  runner,
  now: at(seconds),
});
const record = (attempt: number, outcome = ok(), seconds = 2, random = half): RunCommand => ({
  type: "RecordOutcome",
  attempt,
  outcome,
  now: at(seconds),
  random,
});
const timeOut = (seconds: number): RunCommand => ({ type: "TimeOutAttempt", now: at(seconds), random: half });
const requeue = (seconds: number): RunCommand => ({ type: "RequeueRetry", now: at(seconds) });
const cancel = (reason: string | null = "no longer needed"): RunCommand => ({ type: "CancelRun", reason });
const redrive = (seconds: number, reason: string | null = "fixed the target"): RunCommand => ({
  type: "RedriveRun",
  reason,
  now: at(seconds),
});
const skip: RunCommand = {
  type: "SkipRun",
  jobId: JOB_ID,
  jobVersion: 2,
  scheduledFor: T0,
  reason: "missed",
  missedCount: 12,
  missedFrom: at(-720),
  missedTo: T0,
};
/** A run whose attempt 1 failed with 500 and is scheduled to retry (at(2) + 500 ms with random 0.5). */
const failedOnce = [queue, start(1), record(1, serverError(), 2)] as const;
/** A run dead-lettered after three failed attempts. */
const deadLettered = [
  ...failedOnce,
  requeue(10),
  start(11),
  record(2, serverError(), 12),
  requeue(20),
  start(21),
  record(3, serverError(), 22),
] as const;

describe("QueueRun", () => {
  it("opens the run with RunQueued for attempt 1 and the request snapshot", () => {
    given()
      .when(queue)
      .then([
        {
          type: "RunQueued",
          data: {
            jobId: JOB_ID,
            jobVersion: 1,
            attempt: 1,
            trigger: "schedule",
            scheduledFor: T0.toISOString(),
            dueAt: T0.toISOString(),
            request: REQUEST,
            retry: RETRY,
          },
        },
      ]);
  });

  it("queues manual runs without a fire time", () => {
    given()
      .when(queueCommand({ trigger: "manual", scheduledFor: null }))
      .then([{ type: "RunQueued", data: { trigger: "manual", scheduledFor: null } }]);
  });

  it("refuses a run that exists already (queued or skipped)", () => {
    given(queue)
      .when(queue)
      .thenThrows(AlreadyExists, /^run 0193a1d2-.* already exists$/);
    given(skip).when(queue).thenThrows(AlreadyExists);
  });

  it("refuses retry/redrive triggers, scheduled runs without a fire time, and invalid values", () => {
    given()
      .when(queueCommand({ trigger: "retry" }))
      .thenThrows(ValidationFailed, /trigger schedule, catch-up or manual/);
    given()
      .when(queueCommand({ trigger: "catch-up", scheduledFor: null }))
      .thenThrows(ValidationFailed, /catch-up run needs its fire time/);
    given()
      .when(queueCommand({ jobVersion: 0, dueAt: new Date(Number.NaN) }))
      .thenThrows(ValidationFailed, /jobVersion must be a positive integer; dueAt must be a valid instant/);
  });
});

describe("SkipRun", () => {
  it("opens a skipped run summarising the missed fires", () => {
    given()
      .when(skip)
      .then([
        {
          type: "RunSkipped",
          data: {
            jobId: JOB_ID,
            jobVersion: 2,
            scheduledFor: T0.toISOString(),
            reason: "missed",
            missedCount: 12,
            missedFrom: at(-720).toISOString(),
            missedTo: T0.toISOString(),
          },
        },
      ]);
  });

  it("refuses an existing run and a count below 1", () => {
    given(queue).when(skip).thenThrows(AlreadyExists);
    given()
      .when({ ...skip, missedCount: 0 } as RunCommand)
      .thenThrows(ValidationFailed, /missedCount must be a positive integer/);
  });
});

describe("StartAttempt", () => {
  it("starts the queued attempt with deadline = now + timeout + grace", () => {
    given(queue)
      .when(start(5, "local:42"))
      .then([
        {
          type: "AttemptStarted",
          data: {
            attempt: 1,
            runner: "local:42",
            deadline: new Date(at(5).getTime() + REQUEST.timeoutMs + ATTEMPT_GRACE_MS).toISOString(),
          },
        },
      ]);
  });

  it("refuses a run that is not queued, and a missing run", () => {
    given(queue, start(1))
      .when(start(2))
      .thenThrows(InvalidTransition, /StartAttempt is not allowed when the run is running/);
    given(...failedOnce)
      .when(start(3))
      .thenThrows(InvalidTransition, /retry-scheduled/);
    given(skip)
      .when(start(3))
      .thenThrows(InvalidTransition, /skipped/);
    given()
      .when(start(1))
      .thenThrows(NotFound, /^run 0193a1d2-.* was not found$/);
  });
});

describe("RecordOutcome", () => {
  it("records what came from the target as storable text: NUL and lone surrogates become U+FFFD, the excerpt is marked", () => {
    const outcome = {
      ...serverError(502),
      message: "HTTP 502, then: reset by pe\u0000r",
      headers: { "x-a\u0000": "v\ud800", "content-type": "image/png" },
      bodyExcerpt: "\u0000PNG",
    } as AttemptOutcome;
    given(queue, start(1))
      .when(record(1, outcome, 2))
      .then([
        {
          type: "AttemptFailed",
          data: {
            attempt: 1,
            message: "HTTP 502, then: reset by pe\uFFFDr",
            headers: { "x-a\uFFFD": "v\uFFFD", "content-type": "image/png" },
            bodyExcerpt: "\uFFFDPNG",
            bodyExcerptReplaced: true,
          },
        },
        { type: "RetryScheduled", data: { attempt: 2 } },
      ]);
    // a storable outcome is recorded as it is, without a mark
    given(queue, start(1))
      .when(record(1, ok(200)))
      .then([
        { type: "AttemptSucceeded", data: { bodyExcerpt: "ok", headers: { "content-type": "text/plain" } } },
        { type: "RunSucceeded", data: { attempts: 1 } },
      ]);
  });

  it("success: AttemptSucceeded with the response facts, then RunSucceeded", () => {
    given(queue, start(1))
      .when(record(1, ok(204)))
      .then([
        {
          type: "AttemptSucceeded",
          data: {
            attempt: 1,
            status: 204,
            durationMs: 120,
            headers: { "content-type": "text/plain" },
            bodyExcerpt: "ok",
            bodyBytes: 2,
            bodyTruncated: false,
          },
        },
        { type: "RunSucceeded", data: { attempts: 1 } },
      ]);
  });

  it("retryable failure: AttemptFailed, then RetryScheduled for the next attempt with jittered backoff", () => {
    given(queue, start(1))
      .when(record(1, serverError(503), 2))
      .then([
        {
          type: "AttemptFailed",
          data: {
            attempt: 1,
            errorClass: "http-5xx",
            status: 503,
            message: "the target answered HTTP 503",
            retryAfterMs: null,
          },
        },
        // cap after attempt 1 = initialDelayMs = 1000; random 0.5 → 500 ms
        {
          type: "RetryScheduled",
          data: { attempt: 2, delayMs: 500, dueAt: new Date(at(2).getTime() + 500).toISOString() },
        },
      ]);
  });

  it("failure that is not retried: dead letter with the reason", () => {
    given(queue, start(1))
      .when(record(1, clientError(404)))
      .then([
        { type: "AttemptFailed", data: { errorClass: "http-4xx", status: 404 } },
        {
          type: "RunDeadLettered",
          data: { attempts: 1, reason: "not-retryable", lastError: "the target answered HTTP 404" },
        },
      ]);
  });

  it("last allowed attempt fails: dead letter, exhausted", () => {
    given(...failedOnce, requeue(10), start(11), record(2, serverError(), 12), requeue(20), start(21))
      .when(record(3, networkError(), 22))
      .then([
        { type: "AttemptFailed", data: { attempt: 3, errorClass: "network", status: null } },
        {
          type: "RunDeadLettered",
          data: { attempts: 3, reason: "exhausted", lastError: "connection refused" },
        },
      ]);
  });

  it("a cancelled run records the outcome of its call only, and stays cancelled", () => {
    const scenario = given(queue, start(1), cancel());
    scenario.when(record(1, ok())).then([{ type: "AttemptSucceeded", data: { attempt: 1, status: 200 } }]);
    scenario.when(record(1, serverError())).then([{ type: "AttemptFailed", data: { attempt: 1 } }]);
    const after = fold(history(queue, start(1), cancel(), record(1, serverError())));
    expect(after).toMatchObject({ status: "cancelled", attempts: [{ attempt: 1, outcome: "failed" }] });
  });

  it("refuses an outcome for an attempt not in flight (wrong number, already recorded, timed out, not started)", () => {
    given(queue, start(1))
      .when(record(2))
      .thenThrows(InvalidTransition, /attempt 2 is not in flight/);
    given(queue, start(1), record(1))
      .when(record(1))
      .thenThrows(InvalidTransition, /succeeded: attempt 1/);
    given(queue, start(1), timeOut(41))
      .when(record(1))
      .thenThrows(InvalidTransition, /retry-scheduled/);
    given(queue)
      .when(record(1))
      .thenThrows(InvalidTransition, /queued/);
    given(queue, cancel())
      .when(record(1))
      .thenThrows(InvalidTransition, /cancelled: attempt 1 is not in flight/);
    given().when(record(1)).thenThrows(NotFound);
  });

  it("counts attempts from the last redrive: a redriven run gets a fresh budget", () => {
    given(...deadLettered, redrive(30), start(31))
      .when(record(4, serverError(), 32))
      .then([
        { type: "AttemptFailed", data: { attempt: 4 } },
        { type: "RetryScheduled", data: { attempt: 5 } },
      ]);
  });
});

describe("TimeOutAttempt", () => {
  // start(1): deadline = at(1) + 10 s timeout + 30 s grace = at(41)
  it("times out a running attempt once its deadline passed, then retries as for a timeout", () => {
    given(queue, start(1))
      .when(timeOut(41))
      .then([
        { type: "AttemptTimedOut", data: { attempt: 1, deadline: at(41).toISOString() } },
        {
          type: "RetryScheduled",
          data: { attempt: 2, reason: expect.stringMatching(/^timeout: attempt 2 of 3/) },
        },
      ]);
  });

  it("dead-letters when timeouts are not retried", () => {
    given(queueCommand({ retry: { ...RETRY, retryOn: ["5xx"] } }), start(1))
      .when(timeOut(50))
      .then([
        { type: "AttemptTimedOut" },
        {
          type: "RunDeadLettered",
          data: { reason: "not-retryable", lastError: expect.stringMatching(/before its deadline/) },
        },
      ]);
  });

  it("refuses before the deadline and when nothing runs", () => {
    given(queue, start(1))
      .when(timeOut(40))
      .thenThrows(InvalidTransition, /deadline .* has not passed/);
    given(queue)
      .when(timeOut(100))
      .thenThrows(InvalidTransition, /queued/);
    given(queue, start(1), cancel())
      .when(timeOut(100))
      .thenThrows(InvalidTransition, /cancelled/);
    given().when(timeOut(1)).thenThrows(NotFound);
  });
});

describe("RequeueRetry", () => {
  it("queues the scheduled attempt once it is due, reusing the snapshot", () => {
    // retry due at at(2) + 500 ms
    given(...failedOnce)
      .when({ type: "RequeueRetry", now: new Date(at(2).getTime() + 500) })
      .then([
        {
          type: "RunQueued",
          data: {
            jobId: JOB_ID,
            jobVersion: 1,
            attempt: 2,
            trigger: "retry",
            scheduledFor: T0.toISOString(),
            dueAt: new Date(at(2).getTime() + 500).toISOString(),
            request: null,
            retry: null,
          },
        },
      ]);
  });

  it("refuses before the due time and when no retry is scheduled", () => {
    given(...failedOnce)
      .when(requeue(2))
      .thenThrows(InvalidTransition, /attempt 2 is due at/);
    given(queue)
      .when(requeue(100))
      .thenThrows(InvalidTransition, /queued/);
    given(...deadLettered)
      .when(requeue(100))
      .thenThrows(InvalidTransition, /dead-lettered/);
  });
});

describe("CancelRun", () => {
  it("cancels a run in any status that is not terminal", () => {
    const expected = [{ type: "RunCancelled", data: { reason: "no longer needed" } }];
    given(queue).when(cancel("  no longer needed ")).then(expected);
    given(queue, start(1)).when(cancel()).then(expected);
    given(...failedOnce)
      .when(cancel())
      .then(expected);
    given(...deadLettered)
      .when(cancel())
      .then(expected);
    given(queue)
      .when(cancel(""))
      .then([{ type: "RunCancelled", data: { reason: null } }]);
  });

  it("refuses terminal runs and over-long reasons", () => {
    given(queue, start(1), record(1))
      .when(cancel())
      .thenThrows(InvalidTransition, /CancelRun is not allowed when the run is succeeded/);
    given(queue, cancel())
      .when(cancel())
      .thenThrows(InvalidTransition, /cancelled/);
    given(skip)
      .when(cancel())
      .thenThrows(InvalidTransition, /skipped/);
    given(queue)
      .when(cancel("x".repeat(501)))
      .thenThrows(ValidationFailed, /at most 500 characters/);
    given().when(cancel()).thenThrows(NotFound);
  });
});

describe("RedriveRun", () => {
  it("queues the next attempt of a dead-lettered run now", () => {
    given(...deadLettered)
      .when(redrive(30))
      .then([
        { type: "RunRedriven", data: { reason: "fixed the target" } },
        {
          type: "RunQueued",
          data: { attempt: 4, trigger: "redrive", dueAt: at(30).toISOString(), request: null },
        },
      ]);
  });

  it("refuses runs that are not dead-lettered", () => {
    given(queue)
      .when(redrive(1))
      .thenThrows(InvalidTransition, /RedriveRun is not allowed when the run is queued/);
    given(queue, start(1), record(1))
      .when(redrive(5))
      .thenThrows(InvalidTransition, /succeeded/);
    given().when(redrive(1)).thenThrows(NotFound);
  });
});

describe("evolve and fold", () => {
  it("follows a run through failure, retry and success, keeping the attempts timeline", () => {
    const events = history(...failedOnce, requeue(10), start(11), record(2, ok(), 12));
    const state = fold(events);
    expect(state).toMatchObject({
      runId: RUN_ID,
      tenant: TENANT,
      jobId: JOB_ID,
      status: "succeeded",
      trigger: "schedule",
      scheduledFor: T0,
      dueAt: new Date(at(2).getTime() + 500),
      attempt: 2,
      attemptBase: 0,
      request: REQUEST,
      retry: RETRY,
      deadline: null,
      nextAttemptAt: null,
      finishedAt: at(12),
      version: events.length,
      lastError: "the target answered HTTP 500",
      attempts: [
        {
          attempt: 1,
          runner: "runner-1",
          startedAt: at(1),
          finishedAt: at(2),
          outcome: "failed",
          status: 500,
          errorClass: "http-5xx",
        },
        {
          attempt: 2,
          startedAt: at(11),
          finishedAt: at(12),
          outcome: "succeeded",
          status: 200,
          errorClass: null,
        },
      ],
    });
  });

  it("tracks the deadline while running, the next attempt while retry-scheduled, and the redrive base", () => {
    expect(fold(history(queue, start(1)))).toMatchObject({ status: "running", deadline: at(41) });
    expect(fold(history(...failedOnce))).toMatchObject({
      status: "retry-scheduled",
      attempt: 2,
      deadline: null,
      nextAttemptAt: new Date(at(2).getTime() + 500),
    });
    expect(fold(history(...deadLettered))).toMatchObject({
      status: "dead-lettered",
      attempt: 3,
      finishedAt: at(22),
    });
    expect(fold(history(...deadLettered, redrive(30)))).toMatchObject({
      status: "queued",
      trigger: "schedule",
      attempt: 4,
      attemptBase: 3,
      finishedAt: null,
    });
  });

  it("holds the skip facts of a skipped fire", () => {
    expect(fold(history(skip))).toMatchObject({
      status: "skipped",
      attempt: 0,
      request: null,
      dueAt: null,
      skip: { reason: "missed", missedCount: 12, missedFrom: at(-720), missedTo: T0 },
      finishedAt: T0,
    });
  });

  it("refuses events the state cannot take, versions out of order, and foreign streams", () => {
    const [queued] = history(queue);
    const state = fold([queued!]);
    expect(() =>
      evolve(state, {
        type: "RunSucceeded",
        data: { attempts: 1 },
        streamId: STREAM_ID,
        version: 2,
        occurredAt: T0,
      }),
    ).toThrow(InvalidTransition);
    expect(() => evolve(state, { ...queued!, version: 3 })).toThrow(
      /expected version 2, got event version 3/,
    );
    expect(() => evolve(null, { ...queued!, streamId: `${TENANT}/job/${JOB_ID}` })).toThrow(
      /not a run stream id/,
    );
    expect(() => evolve(null, { ...queued!, type: "JobCreated" })).toThrow(/JobCreated is not a run event/);
    expect(fold([])).toBeNull();
  });
});
