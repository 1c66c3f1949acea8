/**
 * The schedule options of the contract (bounds and jitter on every schedule, the DST policy on
 * cron, the catch-up policy on the job): zod pieces to validate them where they enter (the job
 * definition, the API), and `resolveSchedule`, which fills in the defaults and parses the
 * bounds for the schedule math.
 *
 * Messages name the field where the contract puts it ("schedule.jitterSeconds ...",
 * "schedule.dst.repeated ...", "catchUp.maxRuns ...").
 */
import type { CatchUpPolicy, DstPolicy, ScheduleBounds } from "@jobledger/events";
import { z } from "zod";
import { parseInstant } from "../job/definition.ts";
import { DEFAULT_DST, DEFAULT_JITTER_SECONDS, type JobSchedule, SCHEDULE_LIMITS } from "./types.ts";

const instant = (field: string) =>
  z
    .string({ error: `${field} must be an ISO-8601 instant string or null` })
    .transform((value, ctx) => {
      const parsed = parseInstant(value);
      if (!parsed) {
        ctx.addIssue({
          code: "custom",
          message: `${field} must be an ISO-8601 instant with an offset or Z (e.g. 2026-11-23T12:00:00Z)`,
        });
        return z.NEVER;
      }
      return parsed.toISOString();
    })
    .nullable();

const int = (field: string, min: number, max: number) =>
  z
    .number({ error: `${field} must be a number` })
    .int(`${field} must be an integer`)
    .min(min, `${field} must be from ${min} to ${max}`)
    .max(max, `${field} must be from ${min} to ${max}`);

/**
 * Fields every schedule kind carries, with their defaults: spread them into each schedule
 * object and add {@link checkScheduleBounds}. `startAt`/`endAt` are normalised to `toISOString()`.
 */
export const scheduleBoundsFields = {
  startAt: instant("schedule.startAt").default(null).describe("no fire before this instant (inclusive)"),
  endAt: instant("schedule.endAt").default(null).describe("no fire at or after this instant (exclusive)"),
  jitterSeconds: int("schedule.jitterSeconds", 0, SCHEDULE_LIMITS.jitterSecondsMax)
    .default(DEFAULT_JITTER_SECONDS)
    .describe("each run is delayed by a deterministic 0..jitterSeconds after its fire time"),
};

/** Refinement for an object holding {@link scheduleBoundsFields}: the end must follow the start. */
export function checkScheduleBounds(
  bounds: { startAt: string | null; endAt: string | null },
  ctx: z.RefinementCtx,
): void {
  if (bounds.startAt && bounds.endAt && Date.parse(bounds.startAt) >= Date.parse(bounds.endAt)) {
    ctx.addIssue({
      code: "custom",
      path: ["endAt"],
      message: "schedule.endAt must be later than schedule.startAt",
    });
  }
}

/** The bounds alone (for validating them apart from a schedule). */
export const ScheduleBoundsInput = z.strictObject(scheduleBoundsFields).superRefine(checkScheduleBounds);

export const DstPolicyInput = z.strictObject({
  nonexistent: z.enum(["run-after", "skip"], {
    error: "schedule.dst.nonexistent must be one of run-after, skip",
  }),
  repeated: z.enum(["first", "both"], { error: "schedule.dst.repeated must be one of first, both" }),
});

export const CatchUpPolicyInput = z.strictObject({
  windowSeconds: int("catchUp.windowSeconds", 0, SCHEDULE_LIMITS.catchUpWindowSecondsMax),
  maxRuns: int("catchUp.maxRuns", 0, SCHEDULE_LIMITS.catchUpMaxRunsMax),
});

// Compile-time checks that the schemas produce exactly the contract's shapes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameBounds: Same<z.output<typeof ScheduleBoundsInput>, ScheduleBounds> = true;
const sameDst: Same<z.output<typeof DstPolicyInput>, DstPolicy> = true;
const sameCatchUp: Same<z.output<typeof CatchUpPolicyInput>, CatchUpPolicy> = true;
void [sameBounds, sameDst, sameCatchUp];

/** A schedule with every option decided: bounds as epoch ms (±Infinity when absent). */
export interface ResolvedSchedule {
  schedule: JobSchedule;
  /** inclusive lower bound of fire instants */
  startMs: number;
  /** exclusive upper bound of fire instants */
  endMs: number;
  jitterSeconds: number;
  /** cron only; the default for the others */
  dst: DstPolicy;
}

function bound(field: string, value: string | null | undefined, none: number): number {
  if (value === null || value === undefined) return none;
  const parsed = parseInstant(value);
  if (!parsed) throw new RangeError(`schedule.${field} "${value}" is not an ISO-8601 instant`);
  return parsed.getTime();
}

/** Fills in defaults and parses the bounds; throws a RangeError on a bound that is not an instant. */
export function resolveSchedule(schedule: JobSchedule): ResolvedSchedule {
  return {
    schedule,
    startMs: bound("startAt", schedule.startAt, Number.NEGATIVE_INFINITY),
    endMs: bound("endAt", schedule.endAt, Number.POSITIVE_INFINITY),
    jitterSeconds: schedule.jitterSeconds ?? DEFAULT_JITTER_SECONDS,
    dst: (schedule.type === "cron" ? schedule.dst : undefined) ?? DEFAULT_DST,
  };
}
