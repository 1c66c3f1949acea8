/**
 * Test helpers for the Job aggregate: valid inputs, and `given(events).when(command).then(...)`,
 * which runs the pure `decide` on the state folded from `events` and checks the result.
 */
import type { JobDefinition } from "@jobledger/events";
import { expect } from "vitest";
import {
  type DecideContext,
  decide,
  fold,
  type JobCommand,
  type JobEvent,
  type JobState,
  type JobStreamEvent,
} from "../src/domain/job/aggregate.ts";
import { JobDefinitionInput, type JobDefinitionInputValue } from "../src/domain/job/definition.ts";
import { EMPTY_ALLOW_LIST } from "../src/domain/job/target-policy.ts";

export const JOB_ID = "0193a6f0-0000-7000-8000-000000000001";
export const STREAM_ID = `acme/job/${JOB_ID}`;

/** A valid create input (only required fields plus what is overridden). */
export function validInput(overrides: Partial<JobDefinitionInputValue> = {}): JobDefinitionInputValue {
  return {
    name: "nightly report",
    request: { method: "POST", url: "https://api.example.com/reports", body: '{"kind":"nightly"}' },
    schedule: { type: "cron", expression: "0 2 * * *", timezone: "Europe/Berlin" },
    ...overrides,
  };
}

/** The definition `validInput(overrides)` parses to. */
export function definitionOf(input: JobDefinitionInputValue = validInput()): JobDefinition {
  return JobDefinitionInput.parse(input);
}

export const created = (definition: JobDefinition = definitionOf()): JobEvent => ({
  type: "JobCreated",
  data: { definition },
});
export const paused = (reason: string | null = null): JobEvent => ({ type: "JobPaused", data: { reason } });
export const resumed = (): JobEvent => ({ type: "JobResumed", data: {} });
export const deleted = (reason: string | null = null): JobEvent => ({ type: "JobDeleted", data: { reason } });

/** Decided events as stored in one stream (stream id and versions added). */
export function stored(events: readonly JobEvent[], from = 1): JobStreamEvent[] {
  return events.map((e, i) => ({ ...e, streamId: STREAM_ID, version: from + i }));
}

type ErrorClass = abstract new (...args: never[]) => Error;

export interface Outcome {
  /** the events decided; fails unless they are exactly `expected` */
  then(expected: JobEvent[]): JobEvent[];
  /** the error thrown; fails unless it is an instance of `errorClass` */
  then<E extends Error>(errorClass: abstract new (...args: never[]) => E): E;
}

export function given(history: readonly JobEvent[] = [], context: Partial<DecideContext> = {}) {
  const state: JobState | null = fold(stored(history));
  const ctx: DecideContext = { allowList: EMPTY_ALLOW_LIST, jobId: JOB_ID, ...context };
  return {
    state,
    when(command: JobCommand): Outcome {
      let decided: JobEvent[] | undefined;
      let thrown: unknown;
      try {
        decided = decide(command, state, ctx);
      } catch (error) {
        thrown = error;
      }
      return {
        // biome-ignore lint/suspicious/noThenProperty: given/when/then is the point of this helper
        then(expected: JobEvent[] | ErrorClass): never {
          if (Array.isArray(expected)) {
            if (thrown) throw thrown;
            expect(decided).toEqual(expected);
            // every decided event must fold onto the state it was decided from
            const after = fold(stored(decided ?? [], (state?.version ?? 0) + 1), state);
            expect(after?.version ?? 0).toBe(history.length + (decided?.length ?? 0));
            return decided as never;
          }
          expect(thrown, `expected ${expected.name}, got events ${JSON.stringify(decided)}`).toBeInstanceOf(
            expected,
          );
          return thrown as never;
        },
      };
    },
  };
}
