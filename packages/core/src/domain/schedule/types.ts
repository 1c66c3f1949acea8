/**
 * The schedule as the scheduler sees it. The contract (`@jobledger/events`) puts the options in
 * the schedule itself: every kind carries `startAt` (inclusive), `endAt` (exclusive) and
 * `jitterSeconds`, cron also carries its `dst` policy, and the job definition carries the
 * catch-up policy. The math here takes the same shapes with those options optional (defaults
 * apply), so a contract `ScheduleSpec` is passed as it is. Also: the defaults, the limits, and
 * the shape of one computed fire. Types and constants only; the math lives in sibling modules.
 */
import type { CatchUpPolicy, DstPolicy, ScheduleBounds, ScheduleSpec } from "@jobledger/events";

export type { CatchUpPolicy, DstPolicy, ScheduleBounds, ScheduleSpec };

/** Cron in an IANA zone; `dst` defaults to {@link DEFAULT_DST}. */
export type CronSchedule = {
  type: "cron";
  expression: string;
  timezone: string;
  dst?: DstPolicy;
} & Partial<ScheduleBounds>;
/** Every `everySeconds`, anchored on `startAt` or on the job's creation time. */
export type RateSchedule = { type: "rate"; everySeconds: number } & Partial<ScheduleBounds>;
/** Once, at the ISO-8601 instant `at`. */
export type OnceSchedule = { type: "once"; at: string } & Partial<ScheduleBounds>;
/** A schedule as the math takes it; every `ScheduleSpec` is one. */
export type JobSchedule = CronSchedule | RateSchedule | OnceSchedule;

// Compile-time check: the contract's ScheduleSpec is accepted as it is.
const specIsSchedule: ScheduleSpec extends JobSchedule ? true : false = true;
void specIsSchedule;

/** Spring-forward gaps fire after the gap (02:30 → 03:30); fall-back repeats fire once, at the first. */
export const DEFAULT_DST: Readonly<DstPolicy> = Object.freeze({
  nonexistent: "run-after",
  repeated: "first",
});
/** After downtime, run the newest missed fire if it is at most an hour old. */
export const DEFAULT_CATCH_UP: Readonly<CatchUpPolicy> = Object.freeze({ windowSeconds: 3600, maxRuns: 1 });
export const DEFAULT_JITTER_SECONDS = 0;

export const SCHEDULE_LIMITS = {
  jitterSecondsMax: 3600,
  /** 7 days */
  catchUpWindowSecondsMax: 7 * 86_400,
  catchUpMaxRunsMax: 100,
  previewCountMax: 100,
} as const;

/**
 * Why an instant is a fire:
 * - `regular`: the wall time matched and exists once;
 * - `shifted`: the matched wall time fell in a DST gap and `run-after` moved it forward;
 * - `repeated-first` / `repeated-second`: the matched wall time happens twice (fall back) and
 *   this is its earlier / later occurrence.
 * Rate and once fires are always `regular`.
 */
export type FireKind = "regular" | "shifted" | "repeated-first" | "repeated-second";

/** One computed fire time. */
export interface Fire {
  /** the instant the job fires (before jitter) */
  at: Date;
  kind: FireKind;
  /**
   * Cron only: the wall-clock time in the schedule's zone that matched the expression
   * ("2026-03-08T02:30:00"); differs from the fire's local time only for `shifted` fires.
   */
  wallTime: string | null;
}
