/** Builders and a given/when/then helper for the run aggregate tests. */
import type { HttpRequestSpec, RetryPolicy } from "@jobledger/events";
import { expect } from "vitest";
import {
  decide,
  fold,
  type QueueRun,
  type RunCommand,
  type RunEvent,
  type RunState,
  type RunStreamEvent,
} from "../src/domain/run/aggregate.ts";
import { type AttemptOutcome, failureWithoutResponse } from "../src/domain/run/outcome.ts";

export const TENANT = "acme";
export const RUN_ID = "0193a1d2-0000-7000-8000-000000000001";
export const STREAM_ID = `${TENANT}/run/${RUN_ID}`;
export const JOB_ID = "0193a1d2-0000-7000-8000-00000000000a";
export const T0 = new Date("2026-11-23T12:00:00.000Z");
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

export const REQUEST: HttpRequestSpec = {
  method: "POST",
  url: "https://api.example.com/hook",
  headers: { "content-type": "application/json" },
  body: "{}",
  timeoutMs: 10_000,
};

export const RETRY: RetryPolicy = {
  maxAttempts: 3,
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  multiplier: 2,
  retryOn: ["network", "timeout", "5xx"],
};

export function queueCommand(overrides: Partial<QueueRun> = {}): QueueRun {
  return {
    type: "QueueRun",
    jobId: JOB_ID,
    jobVersion: 1,
    trigger: "schedule",
    scheduledFor: T0,
    dueAt: T0,
    request: REQUEST,
    retry: RETRY,
    ...overrides,
  };
}

export const ok = (status = 200): AttemptOutcome => ({
  kind: "succeeded",
  status,
  durationMs: 120,
  headers: { "content-type": "text/plain" },
  bodyExcerpt: "ok",
  bodyBytes: 2,
  bodyTruncated: false,
});

export const serverError = (status = 500): AttemptOutcome => ({
  kind: "failed",
  errorClass: "http-5xx",
  status,
  durationMs: 80,
  message: `the target answered HTTP ${status}`,
  headers: {},
  bodyExcerpt: "boom",
  bodyBytes: 4,
  bodyTruncated: false,
  retryAfterMs: null,
});

export const clientError = (status = 400): AttemptOutcome => ({
  ...(serverError(status) as Extract<AttemptOutcome, { kind: "failed" }>),
  errorClass: "http-4xx",
  message: `the target answered HTTP ${status}`,
});

export const networkError = (): AttemptOutcome => failureWithoutResponse("network", "connection refused", 3);

export const half = () => 0.5;

/** Stored events of the run stream: versions and times in order (one second apart by default). */
export function stored(events: readonly RunEvent[], firstVersion = 1, start = T0): RunStreamEvent[] {
  return events.map((event, index) => ({
    ...event,
    streamId: STREAM_ID,
    version: firstVersion + index,
    occurredAt: new Date(start.getTime() + index * 1000),
  }));
}

/**
 * Runs commands one after another from an empty stream (each decided at its `now`, its events
 * stored at that time) and returns every event: the usual way to reach a state.
 */
export function history(...commands: RunCommand[]): RunStreamEvent[] {
  const events: RunStreamEvent[] = [];
  for (const command of commands) {
    const state = fold(events);
    const decided = decide(command, state, { runId: RUN_ID });
    const when = "now" in command ? command.now : new Date(T0.getTime() + events.length * 1000);
    events.push(
      ...decided.map((event, index) => ({
        ...event,
        streamId: STREAM_ID,
        version: events.length + index + 1,
        occurredAt: when,
      })),
    );
  }
  return events;
}

export interface Scenario {
  state: RunState | null;
  when(command: RunCommand): {
    then(expected: Array<{ type: string; data?: unknown }>): RunEvent[];
    thenThrows(error: new (...args: never[]) => Error, message?: RegExp): void;
  };
}

/** given(events).when(command).then(events) */
export function given(...commands: RunCommand[]): Scenario {
  const state = fold(history(...commands));
  return {
    state,
    when(command) {
      return {
        // biome-ignore lint/suspicious/noThenProperty: given/when/then is the point of this helper
        then(expected) {
          const events = decide(command, state, { runId: RUN_ID });
          expect(events).toMatchObject(expected);
          expect(events.map((e) => e.type)).toEqual(expected.map((e) => e.type));
          // what decide emits, evolve accepts
          fold(stored(events, (state?.version ?? 0) + 1), state);
          return events;
        },
        thenThrows(error, message) {
          let thrown: unknown;
          try {
            decide(command, state, { runId: RUN_ID });
          } catch (caught) {
            thrown = caught;
          }
          expect(thrown).toBeInstanceOf(error);
          if (message) expect((thrown as Error).message).toMatch(message);
        },
      };
    },
  };
}
