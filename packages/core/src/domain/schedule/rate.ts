/**
 * Fixed-rate fire times by arithmetic: fire k is at `anchor + k·period` (k = 0, 1, 2, ...),
 * before an optional exclusive end. Finding, counting and walking fires never loops over the
 * fires in between, so an outage of years at one fire per second costs the same as one minute.
 */

/** A rate series: `anchor + k·period` for 0 ≤ k ≤ `lastIndex`. */
export interface RateSeries {
  anchor: number;
  period: number;
  /** index of the last fire before the end bound (Infinity when unbounded, -1 when none) */
  lastIndex: number;
}

export function rateSeries(anchor: number, everySeconds: number, endExclusive: number): RateSeries {
  if (!Number.isFinite(everySeconds) || everySeconds <= 0) {
    throw new RangeError(`rate everySeconds must be a positive number, got ${everySeconds}`);
  }
  if (!Number.isFinite(anchor)) throw new RangeError("rate anchor must be a valid instant");
  const period = everySeconds * 1000;
  const lastIndex = Number.isFinite(endExclusive)
    ? Math.ceil((endExclusive - anchor) / period) - 1
    : Infinity;
  return { anchor, period, lastIndex: Math.max(lastIndex, -1) };
}

export const rateFireAt = (s: RateSeries, k: number): number => s.anchor + k * s.period;

/** Index of the first fire strictly after `t` (may exceed `lastIndex`: none). */
export function firstIndexAfter(s: RateSeries, t: number): number {
  if (t < s.anchor) return 0;
  let k = Math.floor((t - s.anchor) / s.period) + 1;
  // guard against floating-point rounding at the boundary
  while (k > 0 && rateFireAt(s, k - 1) > t) k--;
  while (rateFireAt(s, k) <= t) k++;
  return k;
}

/** Index of the last fire at or before `t`, capped at `lastIndex` (-1: none). */
export function lastIndexAtOrBefore(s: RateSeries, t: number): number {
  return Math.min(firstIndexAfter(s, t) - 1, s.lastIndex);
}

/** Number of fires in `(fromExclusive, toInclusive]`. */
export function countRateFires(s: RateSeries, fromExclusive: number, toInclusive: number): number {
  const first = firstIndexAfter(s, fromExclusive);
  const last = lastIndexAtOrBefore(s, toInclusive);
  return Math.max(0, last - first + 1);
}
