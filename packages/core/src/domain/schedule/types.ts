/**
 * The schedule as the scheduler sees it: the job's `ScheduleSpec` (cron in an IANA zone,
 * fixed rate, or once) plus the options a job carries about when it fires (start/end bounds,
 * jitter, DST rules, catch-up after downtime), their limits and defaults, and the shape of one
 * computed fire. Types and constants only; the math lives in the sibling modules.
 */
import type { ScheduleSpec } from "@jobledger/events";

export type { ScheduleSpec };
export type CronSpec = Extract<ScheduleSpec, { type: "cron" }>;
export type RateSpec = Extract<ScheduleSpec, { type: "rate" }>;
export type OnceSpec = Extract<ScheduleSpec, { type: "once" }>;

/**
 * What a cron schedule does with wall-clock times the zone's offset changes skip or repeat.
 * - `nonexistent` (spring forward, the wall time never happens): `run-after` fires at the same
 *   wall time shifted forward by the gap (02:30 → 03:30 when 02:00 jumps to 03:00); `skip` does
 *   not fire that day.
 * - `repeated` (fall back, the wall time happens twice): `first` fires at the earlier instant
 *   only; `both` fires at both.
 */
export interface DstPolicy {
  nonexistent: "run-after" | "skip";
  repeated: "first" | "both";
}

/**
 * What happens to fires missed while the scheduler was down: at most `maxRuns` of the most
 * recent fires no older than `windowSeconds` still run; every other missed fire is skipped.
 */
export interface CatchUpPolicy {
  windowSeconds: number;
  maxRuns: number;
}

/** Options a job carries beside its `ScheduleSpec`; every one has a default. */
export interface ScheduleOptions {
  /** ISO-8601 instant; no fire before it (inclusive). Null or absent: no lower bound. */
  startAt?: string | null;
  /** ISO-8601 instant; no fire at or after it (exclusive). Null or absent: no upper bound. */
  endAt?: string | null;
  /** Each run is delayed by a deterministic 0..jitterSeconds (exclusive) after its fire time. */
  jitterSeconds?: number;
  /** Cron only: what to do in DST gaps and overlaps. */
  dst?: DstPolicy;
  /** What to do with fires missed during downtime. */
  catchUp?: CatchUpPolicy;
}

/** The schedule as the scheduler evaluates it. */
export interface JobSchedule extends ScheduleOptions {
  spec: ScheduleSpec;
}

export const DEFAULT_DST: Readonly<DstPolicy> = Object.freeze({ nonexistent: "run-after", repeated: "first" });
export const DEFAULT_CATCH_UP: Readonly<CatchUpPolicy> = Object.freeze({ windowSeconds: 3600, maxRuns: 1 });
export const DEFAULT_JITTER_SECONDS = 0;

export const SCHEDULE_LIMITS = {
  jitterSecondsMax: 3600,
  /** 31 days */
  catchUpWindowSecondsMax: 31 * 86_400,
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
