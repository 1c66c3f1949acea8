/**
 * The schedule options of the contract (bounds and jitter on every schedule, the DST policy on
 * cron, the catch-up policy on the job): zod pieces to validate them where they enter (the job
 * definition, the API), and `resolveSchedule`, which fills in the defaults and parses the
 * bounds for the schedule math.
 *
 * Messages name the field where the contract puts it ("schedule.jitterSeconds ...",
 * "schedule.dst.repeated ...", "catchUp.maxRuns ...").
 */
import type { DstPolicy } from "@jobledger/events";
import { parseInstant } from "../job/definition.ts";
import { DEFAULT_DST, DEFAULT_JITTER_SECONDS, type JobSchedule } from "./types.ts";

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
