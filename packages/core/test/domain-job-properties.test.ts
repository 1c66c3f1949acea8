/** Properties of the Job aggregate and its validation, checked with fast-check. */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError, Gone } from "../src/domain/errors.ts";
import { decide, fold, type JobCommand, type JobEvent, type JobState } from "../src/domain/job/aggregate.ts";
import {
  DST_NONEXISTENT,
  DST_REPEATED,
  HTTP_METHODS,
  JobDefinitionInput,
  type JobDefinitionInputValue,
  type JobPatchInputValue,
  OVERLAP_POLICIES,
  RETRY_ON,
} from "../src/domain/job/definition.ts";
import { JOB_FIELDS } from "../src/domain/job/patch.ts";
import { EMPTY_ALLOW_LIST } from "../src/domain/job/target-policy.ts";
import { stored } from "./domain-job-support.ts";

const context = { allowList: EMPTY_ALLOW_LIST };

const zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe"];
const crons = ["* * * * *", "0 2 * * *", "*/15 9-17 * * MON-FRI", "30 0 1 * *", "0 */10 * * * *"];
const hosts = ["api.example.com", "hooks.example.org", "8.8.8.8", "[2606:4700::1111]", "example.net:8443"];

const name = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);
const headerName = fc.stringMatching(/^X-[A-Za-z0-9]{1,12}$/);
const headers = fc
  .dictionary(headerName, fc.stringMatching(/^[ -~]{0,30}$/), { maxKeys: 5 })
  .filter((h) => new Set(Object.keys(h).map((k) => k.toLowerCase())).size === Object.keys(h).length);

const request = fc
  .record({
    method: fc.constantFrom(...HTTP_METHODS),
    url: fc
      .tuple(fc.constantFrom("http", "https"), fc.constantFrom(...hosts), fc.webPath())
      .map(([s, h, p]) => `${s}://${h}${p}`),
    headers,
    body: fc.option(fc.string({ maxLength: 200 }), { nil: null }),
    timeoutMs: fc.integer({ min: 1, max: 900_000 }),
  })
  .map((r) => (r.method === "GET" || r.method === "HEAD" ? { ...r, body: null } : r));

const instant = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString());
const shiftedBy = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const jitterSeconds = fc.integer({ min: 0, max: 3600 });
/** Optional bounds, start before end when both are given. */
const bounds = fc
  .record({ startAt: fc.option(instant, { nil: null }), endAt: fc.option(instant, { nil: null }) })
  .filter(({ startAt, endAt }) => startAt === null || endAt === null || startAt < endAt);
/** Drop some keys so defaults get exercised too. */
const someOf = <T extends object>(value: T, keep: readonly boolean[]): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter((_, i) => keep[i] !== false)) as Partial<T>;
const keep = fc.array(fc.boolean(), { minLength: 6, maxLength: 6 });

const schedule = fc.oneof(
  fc
    .record({
      type: fc.constant("cron" as const),
      expression: fc.constantFrom(...crons),
      timezone: fc.constantFrom(...zones),
      bounds,
      jitterSeconds,
      dst: fc.record(
        { nonexistent: fc.constantFrom(...DST_NONEXISTENT), repeated: fc.constantFrom(...DST_REPEATED) },
        { requiredKeys: [] },
      ),
      keep,
    })
    .map(({ bounds: b, keep: k, ...cron }) => ({
      type: cron.type,
      expression: cron.expression,
      timezone: cron.timezone,
      ...someOf({ ...b, jitterSeconds: cron.jitterSeconds, dst: cron.dst }, k),
    })),
  fc
    .record({
      type: fc.constant("rate" as const),
      everySeconds: fc.integer({ min: 1, max: 31 * 86_400 }),
      bounds,
      jitterSeconds,
      keep,
    })
    .map(({ bounds: b, keep: k, ...rate }) => ({
      type: rate.type,
      everySeconds: rate.everySeconds,
      ...someOf({ ...b, jitterSeconds: Math.min(rate.jitterSeconds, rate.everySeconds - 1) }, k),
    })),
  fc
    .record({
      type: fc.constant("once" as const),
      at: instant,
      before: fc.option(fc.integer({ min: 0, max: 86_400_000 }), { nil: null }),
      after: fc.option(fc.integer({ min: 1, max: 86_400_000 }), { nil: null }),
      jitterSeconds,
      keep,
    })
    .map(({ before, after, keep: k, ...once }) => ({
      type: once.type,
      at: once.at,
      ...someOf(
        {
          startAt: before === null ? null : shiftedBy(once.at, -before),
          endAt: after === null ? null : shiftedBy(once.at, after),
          jitterSeconds: once.jitterSeconds,
        },
        k,
      ),
    })),
);

const retry = fc
  .record({
    maxAttempts: fc.integer({ min: 1, max: 50 }),
    delays: fc.tuple(fc.integer({ min: 1, max: 86_400_000 }), fc.integer({ min: 1, max: 86_400_000 })),
    multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
    retryOn: fc.subarray([...RETRY_ON], { minLength: 1 }),
  })
  .map(({ delays: [a, b], ...r }) => ({ ...r, initialDelayMs: Math.min(a, b), maxDelayMs: Math.max(a, b) }));

const tags = fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,10}$/), { maxLength: 20 });

const definitionInput: fc.Arbitrary<JobDefinitionInputValue> = fc.record(
  {
    name,
    description: fc.option(fc.string({ maxLength: 100 }), { nil: null }),
    request,
    schedule,
    retry,
    overlap: fc.constantFrom(...OVERLAP_POLICIES),
    concurrency: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
    catchUp: fc.record(
      { windowSeconds: fc.integer({ min: 0, max: 7 * 86_400 }), maxRuns: fc.integer({ min: 0, max: 100 }) },
      { requiredKeys: [] },
    ),
    tags,
  },
  { requiredKeys: ["name", "request", "schedule"] },
);

/** Headers after a merge patch's headers (names match ignoring case; given wins). */
function mergedHeaders(
  current: Record<string, string>,
  given: Record<string, string | null> | null | undefined,
): Record<string, string> {
  if (!given) return current;
  const names = new Set(Object.keys(given).map((n) => n.toLowerCase()));
  const kept = Object.entries(current).filter(([n]) => !names.has(n.toLowerCase()));
  const set = Object.entries(given).filter((e): e is [string, string] => e[1] !== null);
  return Object.fromEntries([...kept, ...set]);
}

/** A patch of 1..n fields drawn from another valid definition. */
const patchFrom = (other: JobDefinitionInputValue): fc.Arbitrary<JobPatchInputValue> =>
  fc.subarray([...JOB_FIELDS], { minLength: 1 }).map((fields) => {
    const full = JobDefinitionInput.parse(other);
    return Object.fromEntries(fields.map((f) => [f, full[f]])) as JobPatchInputValue;
  });

const command: fc.Arbitrary<JobCommand> = fc.oneof(
  fc.record({
    type: fc.constant("PauseJob" as const),
    reason: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
  }),
  fc.constant({ type: "ResumeJob" as const }),
  fc.record({ type: fc.constant("DeleteJob" as const), reason: fc.constant(null) }),
  definitionInput.chain(patchFrom).map((patch) => ({ type: "UpdateJob" as const, patch })),
);

describe("validation", () => {
  it("accepts every generated definition, and its output validates to itself", () => {
    fc.assert(
      fc.property(definitionInput, (input) => {
        const once = JobDefinitionInput.parse(input);
        expect(JobDefinitionInput.parse(once)).toEqual(once);
      }),
    );
  });
});

describe("decide / fold", () => {
  it("after any command sequence: version = number of events, fold equals step-by-step state", () => {
    fc.assert(
      fc.property(definitionInput, fc.array(command, { maxLength: 15 }), (input, commands) => {
        const history: JobEvent[] = [...decide({ type: "CreateJob", definition: input }, null, context)];
        let state = fold(stored(history)) as JobState;
        for (const cmd of commands) {
          let decided: JobEvent[];
          try {
            decided = decide(cmd, state, context);
          } catch (error) {
            // the only refusal a valid command meets is a deleted job
            expect(error).toBeInstanceOf(Gone);
            expect(state.status).toBe("deleted");
            continue;
          }
          state = fold(stored(decided, state.version + 1), state) as JobState;
          history.push(...decided);
        }
        expect(state.version).toBe(history.length);
        expect(fold(stored(history))).toEqual(state);
        // exactly one JobCreated, first; nothing after a JobDeleted
        expect(history.filter((e) => e.type === "JobCreated")).toHaveLength(1);
        const deletedAt = history.findIndex((e) => e.type === "JobDeleted");
        if (deletedAt !== -1) expect(deletedAt).toBe(history.length - 1);
      }),
    );
  });

  it("an update with the current values yields no events", () => {
    fc.assert(
      fc.property(definitionInput, (input) => {
        const state = fold(stored(decide({ type: "CreateJob", definition: input }, null, context)));
        return fc.assert(
          fc.property(patchFrom(input), (patch) => {
            expect(decide({ type: "UpdateJob", patch }, state, context)).toEqual([]);
          }),
          { numRuns: 5 },
        );
      }),
      { numRuns: 50 },
    );
  });

  it("an update changes exactly the differing fields, and repeating it changes nothing", () => {
    fc.assert(
      fc.property(definitionInput, definitionInput.chain(patchFrom), (input, patch) => {
        const state = fold(
          stored(decide({ type: "CreateJob", definition: input }, null, context)),
        ) as JobState;
        const events = decide({ type: "UpdateJob", patch }, state, context);
        const after = fold(stored(events, 2), state) as JobState;
        // patches are drawn from parsed definitions, so their values are already normal; the
        // headers merge by name (case-insensitive), every other field replaces
        const headers = mergedHeaders(state.definition.request.headers, patch.request?.headers);
        const request = patch.request ? { ...patch.request, headers } : state.definition.request;
        expect(after.definition).toEqual({ ...state.definition, ...patch, request });
        const differing = JOB_FIELDS.filter(
          (f) => !isDeepStrictEqual(state.definition[f], after.definition[f]),
        );
        if (differing.length === 0) {
          expect(events).toEqual([]);
        } else {
          expect(events).toEqual([
            {
              type: "JobUpdated",
              data: {
                changes: Object.fromEntries(differing.map((f) => [f, after.definition[f]])),
                changedFields: differing,
              },
            },
          ]);
        }
        expect(decide({ type: "UpdateJob", patch }, after, context)).toEqual([]);
      }),
    );
  });

  it("pause and resume are idempotent", () => {
    fc.assert(
      fc.property(
        definitionInput,
        fc.array(fc.constantFrom("PauseJob", "ResumeJob"), { maxLength: 10 }),
        (input, types) => {
          let state = fold(
            stored(decide({ type: "CreateJob", definition: input }, null, context)),
          ) as JobState;
          for (const type of types) {
            const events = decide({ type } as JobCommand, state, context);
            const target = type === "PauseJob" ? "paused" : "active";
            expect(events.length).toBe(state.status === target ? 0 : 1);
            state = fold(stored(events, state.version + 1), state) as JobState;
            expect(state.status).toBe(target);
            expect(decide({ type } as JobCommand, state, context)).toEqual([]);
          }
        },
      ),
    );
  });

  it("decide never throws anything but domain errors, whatever the input", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (definition, patch) => {
        for (const run of [
          () => decide({ type: "CreateJob", definition }, null, context),
          () =>
            decide(
              { type: "UpdateJob", patch },
              fold(
                stored(
                  decide(
                    {
                      type: "CreateJob",
                      definition: {
                        name: "n",
                        request: { method: "GET", url: "https://a.example" },
                        schedule: { type: "rate", everySeconds: 5 },
                      },
                    },
                    null,
                    context,
                  ),
                ),
              ),
              context,
            ),
        ]) {
          try {
            run();
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
          }
        }
      }),
    );
  });
});
