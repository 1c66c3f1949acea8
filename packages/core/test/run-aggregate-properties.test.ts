/**
 * Properties of the Run aggregate over random command sequences: what decide emits, evolve
 * accepts; the version is the number of events folded; terminal statuses are never left; the
 * attempts timeline stays consistent with the status.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../src/domain/errors.ts";
import {
  ACTIVE_RUN_STATUSES,
  decide,
  evolve,
  isTerminal,
  openAttempt,
  type RunCommand,
  type RunState,
} from "../src/domain/run/aggregate.ts";
import type { AttemptOutcome } from "../src/domain/run/outcome.ts";
import {
  clientError,
  networkError,
  ok,
  queueCommand,
  RETRY,
  RUN_ID,
  STREAM_ID,
  serverError,
  T0,
} from "./run-support.ts";

type Step =
  | { kind: "queue"; manual: boolean }
  | { kind: "skip" }
  | { kind: "start" }
  | { kind: "record"; attemptOffset: number; outcome: AttemptOutcome }
  | { kind: "timeOut" }
  | { kind: "requeue" }
  | { kind: "cancel" }
  | { kind: "redrive" };

const outcome = fc.constantFrom(
  ok(),
  ok(201),
  serverError(),
  serverError(503),
  clientError(),
  networkError(),
);
/** weighted towards the commands that move a run forward, so long histories (redrives) are common */
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("queue" as const), manual: fc.boolean() }), weight: 2 },
  { arbitrary: fc.constant({ kind: "skip" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "start" as const }), weight: 4 },
  {
    arbitrary: fc.record({
      kind: fc.constant("record" as const),
      attemptOffset: fc.constantFrom(0, 0, 0, -1, 1),
      outcome,
    }),
    weight: 4,
  },
  { arbitrary: fc.constant({ kind: "timeOut" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "requeue" as const }), weight: 3 },
  { arbitrary: fc.constant({ kind: "cancel" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "redrive" as const }), weight: 3 },
);
/** each step happens this many ms after the previous one (0 ms to 2 minutes) */
const delay = fc.integer({ min: 0, max: 120_000 });

function commandOf(s: Step, state: RunState | null, now: Date, random: () => number): RunCommand {
  switch (s.kind) {
    case "queue":
      return queueCommand({
        trigger: s.manual ? "manual" : "schedule",
        scheduledFor: s.manual ? null : T0,
        retry: { ...RETRY, maxAttempts: 4, retryOn: ["5xx", "timeout"] },
      });
    case "skip":
      return {
        type: "SkipRun",
        jobId: "job",
        jobVersion: 1,
        scheduledFor: T0,
        reason: "overlap",
        missedCount: 1,
        missedFrom: null,
        missedTo: null,
      };
    case "start":
      return { type: "StartAttempt", runner: "r", now };
    case "record":
      return {
        type: "RecordOutcome",
        attempt: (state?.attempt ?? 1) + s.attemptOffset,
        outcome: s.outcome,
        now,
        random,
      };
    case "timeOut":
      return { type: "TimeOutAttempt", now, random };
    case "requeue":
      return { type: "RequeueRetry", now };
    case "cancel":
      return { type: "CancelRun", reason: null };
    case "redrive":
      return { type: "RedriveRun", reason: null, now };
  }
}

function checkConsistent(state: RunState): void {
  const open = openAttempt(state);
  if (state.status === "running") {
    expect(open?.attempt).toBe(state.attempt);
    expect(state.deadline).toEqual(open?.deadline);
  } else {
    expect(state.deadline).toBeNull();
  }
  if (open !== null) expect(["running", "cancelled"]).toContain(state.status);
  expect(state.nextAttemptAt === null).toBe(state.status !== "retry-scheduled");
  // attempts are numbered 1, 2, … in the timeline and never ahead of the current attempt
  expect(state.attempts.map((a) => a.attempt)).toEqual(state.attempts.map((_, i) => i + 1));
  expect(state.attempts.length).toBeLessThanOrEqual(state.attempt);
  expect(state.attemptBase).toBeLessThanOrEqual(state.attempt);
  expect(state.finishedAt === null).toBe(ACTIVE_RUN_STATUSES.includes(state.status));
}

describe("run aggregate properties", () => {
  it("any sequence of commands keeps version = events folded and never leaves a terminal status", () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(step, delay), { maxLength: 60, size: "large" }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (steps, r) => {
          const random = () => r;
          let state: RunState | null = null;
          let folded = 0;
          let clock = T0.getTime();
          for (const [s, wait] of steps) {
            clock += wait;
            const now = new Date(clock);
            let events: ReturnType<typeof decide>;
            try {
              events = decide(commandOf(s, state, now, random), state, { runId: RUN_ID });
            } catch (error) {
              // refusals are domain errors with a message, never crashes
              expect(error).toBeInstanceOf(DomainError);
              continue;
            }
            expect(events.length).toBeGreaterThan(0);
            const before: RunState | null = state;
            for (const event of events) {
              folded++;
              state = evolve(state, { ...event, streamId: STREAM_ID, version: folded, occurredAt: now });
            }
            const after = state as RunState | null;
            expect(after?.version).toBe(folded);
            if (before !== null && isTerminal(before.status)) expect(after?.status).toBe(before.status);
            if (after) {
              checkConsistent(after);
              reached.add(after.attemptBase > 0 ? `${after.status} (redriven)` : after.status);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
    // the generator reaches every status, redrives included
    expect([...reached].sort()).toEqual(
      expect.arrayContaining([
        "cancelled",
        "dead-lettered",
        "queued",
        "queued (redriven)",
        "retry-scheduled",
        "running",
        "skipped",
        "succeeded",
      ]),
    );
  });

  it("a run always reaches an end: retries are bounded by maxAttempts from each redrive", () => {
    fc.assert(
      fc.property(fc.array(outcome, { minLength: 1, maxLength: 12 }), (outcomes) => {
        let state: RunState | null = null;
        let version = 0;
        let now = T0.getTime();
        const apply = (command: RunCommand) => {
          for (const event of decide(command, state, { runId: RUN_ID })) {
            state = evolve(state, {
              ...event,
              streamId: STREAM_ID,
              version: ++version,
              occurredAt: new Date(now),
            });
          }
        };
        apply(queueCommand());
        for (const o of outcomes) {
          const current = state as RunState | null;
          if (current?.status !== "queued") break;
          now += 1000;
          apply({ type: "StartAttempt", runner: "r", now: new Date(now) });
          apply({
            type: "RecordOutcome",
            attempt: current.attempt,
            outcome: o,
            now: new Date(now),
            random: () => 0.99,
          });
          const after = state as RunState | null;
          if (after?.status === "retry-scheduled") {
            now += 120_000;
            apply({ type: "RequeueRetry", now: new Date(now) });
          }
        }
        const final = state as RunState | null;
        expect(final?.attempt).toBeLessThanOrEqual(RETRY.maxAttempts);
        if (final?.status === "succeeded") expect(final.attempts.at(-1)?.outcome).toBe("succeeded");
        if (final?.status === "dead-lettered") expect(final.attempts.at(-1)?.outcome).toBe("failed");
      }),
    );
  });
});
