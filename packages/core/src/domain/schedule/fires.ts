/**
 * Fire times of any schedule (cron, rate, once) within its `startAt` (inclusive) / `endAt`
 * (exclusive) bounds: the next fire, the fires in a range, and a `FireSource` that walks fires
 * forwards or backwards and counts them cheaply (used by catch-up and preview).
 *
 * Rate schedules fire at `anchor + k·everySeconds` (k ≥ 0) where the anchor is `startAt` when
 * set, else the `anchor` argument (the job's creation time). Since fires are always taken
 * strictly after some instant, a job created at T with no `startAt` first fires at
 * T + everySeconds. Once schedules fire at `at`, if it lies within the bounds.
 */
import { cronFireStream, cronFireStreamBackward, type RawFire } from "./cron.ts";
import { type ResolvedSchedule, resolveSchedule } from "./options.ts";
import { countRateFires, firstIndexAfter, lastIndexAtOrBefore, rateFireAt, rateSeries } from "./rate.ts";
import type { Fire, JobSchedule } from "./types.ts";
import { formatWall } from "./zone.ts";

/** Counting cron fires stops here (the count is then a lower bound); rate counts are always exact. */
export const CRON_COUNT_CAP = 5000;

/** A schedule's fires, already bounded by `startAt`/`endAt`. */
export interface FireSource {
  readonly schedule: ResolvedSchedule;
  /** fires strictly after `afterMs`, ascending */
  forward(afterMs: number): Iterable<RawFire>;
  /** fires at or before `atOrBeforeMs`, descending */
  backward(atOrBeforeMs: number): Iterable<RawFire>;
  /** fires in `(fromExclusive, toInclusive]`; `lowerBound` when counting stopped at `cap` */
  count(fromExclusive: number, toInclusive: number, cap: number): { count: number; lowerBound: boolean };
}

function* takeWhile<T>(items: Iterable<T>, keep: (item: T) => boolean): Generator<T> {
  for (const item of items) {
    if (!keep(item)) return;
    yield item;
  }
}

function checkInstant(name: string, d: Date): number {
  const t = d instanceof Date ? d.getTime() : Number.NaN;
  if (Number.isNaN(t)) throw new RangeError(`${name} must be a valid Date`);
  return t;
}

/** Walks of `schedule`'s fires; `anchor` (the job's creation time) anchors rate schedules without `startAt`. */
export function fireSource(schedule: JobSchedule, anchor: Date): FireSource {
  const resolved = resolveSchedule(schedule);
  const { schedule: spec, startMs, endMs, dst } = resolved;

  if (spec.type === "rate") {
    const s = rateSeries(
      Number.isFinite(startMs) ? startMs : checkInstant("anchor", anchor),
      spec.everySeconds,
      endMs,
    );
    const fire = (k: number): RawFire => ({ at: rateFireAt(s, k), kind: "regular", wall: null });
    return {
      schedule: resolved,
      *forward(afterMs) {
        for (let k = firstIndexAfter(s, afterMs); k <= s.lastIndex; k++) yield fire(k);
      },
      *backward(atOrBeforeMs) {
        for (let k = lastIndexAtOrBefore(s, atOrBeforeMs); k >= 0; k--) yield fire(k);
      },
      count: (from, to) => ({ count: countRateFires(s, from, to), lowerBound: false }),
    };
  }

  if (spec.type === "once") {
    const at = Date.parse(spec.at);
    if (Number.isNaN(at)) throw new RangeError(`once schedule "at" is not an instant: ${spec.at}`);
    const fires: RawFire[] = at >= startMs && at < endMs ? [{ at, kind: "regular", wall: null }] : [];
    return {
      schedule: resolved,
      forward: (afterMs) => fires.filter((f) => f.at > afterMs),
      backward: (atOrBeforeMs) => fires.filter((f) => f.at <= atOrBeforeMs),
      count: (from, to) => ({
        count: fires.filter((f) => f.at > from && f.at <= to).length,
        lowerBound: false,
      }),
    };
  }

  const source: FireSource = {
    schedule: resolved,
    forward: (afterMs) =>
      takeWhile(cronFireStream(spec, Math.max(afterMs, startMs - 1), dst), (f) => f.at < endMs),
    backward: (atOrBeforeMs) =>
      takeWhile(cronFireStreamBackward(spec, Math.min(atOrBeforeMs, endMs - 1), dst), (f) => f.at >= startMs),
    count(from, to, cap) {
      let count = 0;
      if (to <= from) return { count, lowerBound: false };
      for (const fire of source.forward(from)) {
        if (fire.at > to) break;
        if (count >= cap) return { count, lowerBound: true };
        count++;
      }
      return { count, lowerBound: false };
    },
  };
  return source;
}

/** A raw fire as the public `Fire`. */
export function toFire(raw: RawFire): Fire {
  return { at: new Date(raw.at), kind: raw.kind, wallTime: raw.wall === null ? null : formatWall(raw.wall) };
}

/**
 * The first fire strictly after `after`, or null when the schedule never fires again
 * (once in the past, past `endAt`, or a cron expression with no future match).
 */
export function nextFireAfter(schedule: JobSchedule, after: Date, anchor: Date): Date | null {
  const t = checkInstant("after", after);
  for (const fire of fireSource(schedule, anchor).forward(t)) return new Date(fire.at);
  return null;
}

/**
 * The fires in `(fromExclusive, toInclusive]`, ascending, at most `limit`; `more` says whether
 * further fires in the range were left out.
 */
export function firesBetween(
  schedule: JobSchedule,
  fromExclusive: Date,
  toInclusive: Date,
  limit: number,
  anchor: Date,
): { fires: Date[]; more: boolean } {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }
  const from = checkInstant("fromExclusive", fromExclusive);
  const to = checkInstant("toInclusive", toInclusive);
  const fires: Date[] = [];
  if (to <= from) return { fires, more: false };
  for (const fire of fireSource(schedule, anchor).forward(from)) {
    if (fire.at > to) break;
    if (fires.length >= limit) return { fires, more: true };
    fires.push(new Date(fire.at));
  }
  return { fires, more: false };
}
