/**
 * What is due when the scheduler looks at a job at `now`, possibly after downtime: the fires
 * after the last one already handled, split into those that still run (at most `maxRuns` of the
 * most recent ones no older than `windowSeconds`) and the rest, which are skipped and only
 * summarised (count, first, last) — never enumerated, so a year-long outage of an
 * every-second job costs the same as a minute's.
 *
 * A fire exactly at `now` is due (it runs, if the policy allows any run). Counting skipped fires
 * is arithmetic for rate schedules; for cron it stops at a cap and says `countIsLowerBound`.
 */

import type { RawFire } from "./cron.ts";
import { CRON_COUNT_CAP, fireSource } from "./fires.ts";
import { type CatchUpPolicy, DEFAULT_CATCH_UP, type JobSchedule, SCHEDULE_LIMITS } from "./types.ts";

export interface MissedFiresInput {
  schedule: JobSchedule;
  /** the job's creation time: anchors rate schedules without `startAt`, and bounds the first look */
  anchor: Date;
  /** the last nominal fire already handled; null when none was (fires after `anchor` count) */
  lastFireAt: Date | null;
  now: Date;
  /** the job definition's `catchUp`; defaults to `{ windowSeconds: 3600, maxRuns: 1 }` */
  policy?: CatchUpPolicy;
  /** cron only: stop counting skipped fires here (default {@link CRON_COUNT_CAP}) */
  countCap?: number;
}

export interface MissedFiresPlan {
  /** fires to run now, ascending: at most `maxRuns`, the most recent inside the window */
  run: Date[];
  /** every other fire in `(lastFireAt, now]` */
  skipped: {
    count: number;
    first: Date | null;
    last: Date | null;
    /** true when counting stopped at the cap: at least `count` fires were skipped */
    countIsLowerBound: boolean;
  };
  /** the first fire strictly after `now`, or null when the schedule has ended */
  nextFireAt: Date | null;
}

function checkPolicy(policy: CatchUpPolicy): void {
  const { windowSeconds, maxRuns } = policy;
  if (!Number.isFinite(windowSeconds) || windowSeconds < 0) {
    throw new RangeError(`catchUp.windowSeconds must be a non-negative number, got ${windowSeconds}`);
  }
  if (!Number.isInteger(maxRuns) || maxRuns < 0 || maxRuns > SCHEDULE_LIMITS.catchUpMaxRunsMax) {
    throw new RangeError(
      `catchUp.maxRuns must be an integer from 0 to ${SCHEDULE_LIMITS.catchUpMaxRunsMax}, got ${maxRuns}`,
    );
  }
}

function first<T>(items: Iterable<T>): T | null {
  for (const item of items) return item;
  return null;
}

export function planMissedFires(input: MissedFiresInput): MissedFiresPlan {
  const { schedule, anchor, lastFireAt, now } = input;
  const source = fireSource(schedule, anchor);
  const policy = input.policy ?? DEFAULT_CATCH_UP;
  checkPolicy(policy);
  const nowMs = now.getTime();
  const sinceMs = (lastFireAt ?? anchor).getTime();
  if (Number.isNaN(nowMs) || Number.isNaN(sinceMs))
    throw new RangeError("now, lastFireAt and anchor must be valid Dates");
  const windowStart = nowMs - policy.windowSeconds * 1000;

  // Newest first: the run set, then the newest fire that does not run (the last skipped).
  const run: RawFire[] = [];
  let lastSkipped: RawFire | null = null;
  for (const fire of source.backward(nowMs)) {
    if (fire.at <= sinceMs) break;
    if (fire.at < windowStart || run.length >= policy.maxRuns) {
      lastSkipped = fire;
      break;
    }
    run.push(fire);
  }
  run.reverse();

  let skipped: MissedFiresPlan["skipped"] = { count: 0, first: null, last: null, countIsLowerBound: false };
  if (lastSkipped) {
    const firstSkipped = first(source.forward(sinceMs))!; // exists: lastSkipped is after sinceMs
    const { count, lowerBound } = source.count(sinceMs, lastSkipped.at, input.countCap ?? CRON_COUNT_CAP);
    skipped = {
      count,
      first: new Date(firstSkipped.at),
      last: new Date(lastSkipped.at),
      countIsLowerBound: lowerBound,
    };
  }

  const next = first(source.forward(Math.max(nowMs, sinceMs)));
  return {
    run: run.map((f) => new Date(f.at)),
    skipped,
    nextFireAt: next ? new Date(next.at) : null,
  };
}
