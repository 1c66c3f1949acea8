/**
 * Cron fire times in an IANA time zone, with DST handled by explicit rules rather than a
 * library's defaults.
 *
 * The expression is evaluated by croner on naive wall-clock time (croner with `utcOffset: 0`
 * never meets a time zone), and each matching wall time is mapped to real instants here, from
 * the zone's offsets (see zone.ts):
 * - a wall time that exists once fires once (`regular`);
 * - a wall time in a spring-forward gap (0 instants) fires, under `nonexistent: "run-after"`,
 *   at the same wall time shifted forward by the gap (`shifted`; 02:30 in New York on
 *   2026-03-08 fires at 03:30 EDT = 07:30Z), and not at all under `skip`;
 * - a wall time repeated by a fall-back (2 instants) fires at the earlier instant under
 *   `repeated: "first"`, at both under `both` (`repeated-first`, `repeated-second`).
 * Instants are deduplicated (a shifted 02:30 and a real 03:30 match fire once) and come out
 * strictly ascending.
 *
 * Time is walked in windows of instants; within a window the offset is piecewise constant, so
 * every segment maps wall times to instants monotonically. Empty stretches are skipped by asking
 * croner for the next (or previous) wall-time match, so a yearly expression costs no more than
 * an hourly one. Everything is bounded: croner gives up at year 3000 / 400 years without a
 * match, and a run of windows without a single fire ends the walk.
 */
import { Cron } from "croner";
import { cronProblem, isKnownTimeZone } from "../job/definition.ts";
import { type CronSchedule, DEFAULT_DST, type DstPolicy, type FireKind } from "./types.ts";
import { DAY_MS, offsetAt, offsetSegments } from "./zone.ts";

/** A fire in milliseconds; `wall` is the matching naive wall time (see zone.ts). */
export interface RawFire {
  at: number;
  kind: FireKind;
  wall: number | null;
}

/** Forward windows are this long (instants). */
const WINDOW_MS = 7 * DAY_MS;
/** Backward chunks start this small and grow while they hold few fires. */
const BACK_CHUNK_MIN_MS = 1000;
const BACK_CHUNK_START_MS = 60_000;
/** A walk ends after this many windows in a row without a fire (a wall time that keeps being skipped). */
const MAX_EMPTY_WINDOWS = 1000;

/** The cron expression over naive wall time: matches strictly after / before a wall time. */
class WallCron {
  private readonly cron: Cron;
  constructor(readonly expression: string) {
    const problem = cronProblem(expression);
    if (problem) throw new Error(`cron expression "${expression}" is not valid: ${problem}`);
    // utcOffset 0: croner reads and returns wall times as UTC, so it never applies DST itself.
    this.cron = new Cron(expression, { utcOffset: 0, mode: "5-or-6-parts" });
  }
  /** First matching wall time strictly after `wall`, or null (none before year 3000). */
  next(wall: number): number | null {
    return this.cron.nextRun(new Date(wall))?.getTime() ?? null;
  }
  /** Last matching wall time strictly before `wall`, or null. */
  previous(wall: number): number | null {
    return this.cron.previousRuns(1, new Date(wall))[0]?.getTime() ?? null;
  }
  /** Whether the wall time (whole seconds) matches. */
  matches(wall: number): boolean {
    return this.cron.match(new Date(Math.floor(wall / 1000) * 1000));
  }
}

const compiled = new Map<string, WallCron>();

function wallCron(expression: string): WallCron {
  let cron = compiled.get(expression);
  if (!cron) {
    cron = new WallCron(expression);
    if (compiled.size >= 500) compiled.clear();
    compiled.set(expression, cron);
  }
  return cron;
}

function checkedSpec(spec: CronSchedule): { cron: WallCron; zone: string } {
  if (!isKnownTimeZone(spec.timezone)) {
    throw new RangeError(`time zone "${spec.timezone}" is not a known IANA time zone`);
  }
  return { cron: wallCron(spec.expression), zone: spec.timezone };
}

/** True when the naive wall time (ms as if UTC, see zone.ts) matches the expression. */
export function wallTimeMatches(expression: string, wall: number): boolean {
  return wallCron(expression).matches(wall);
}

/** The fires with instants in `(from, to]` (to − from may be any length), ascending. */
function* windowFires(
  cron: WallCron,
  zone: string,
  dst: DstPolicy,
  from: number,
  to: number,
): Generator<RawFire> {
  for (const seg of offsetSegments(zone, from, to)) {
    const lo = Math.max(from, seg.start - 1); // exclusive
    const hi = Math.min(to, seg.end - 1); // inclusive
    if (lo >= hi) continue;
    const o = seg.offset;

    // Wall times in the gap this segment starts with, fired `gap` later (run-after).
    const shifted: RawFire[] = [];
    if (seg.before !== null && o > seg.before && dst.nonexistent === "run-after") {
      const p = seg.before;
      const lastWall = Math.min(hi + p, seg.start + o - 1);
      for (let w = cron.next(lo + p); w !== null && w <= lastWall; w = cron.next(w)) {
        shifted.push({ at: w - p, kind: "shifted", wall: w });
      }
    }

    let i = 0;
    for (let w = cron.next(lo + o); w !== null && w <= hi + o; w = cron.next(w)) {
      let kind: FireKind = "regular";
      if (seg.before !== null && seg.before > o && w < seg.start + seg.before) {
        // this segment follows a fall-back: the wall time already happened once
        if (dst.repeated === "first") continue;
        kind = "repeated-second";
      } else if (seg.after !== null && seg.after < o && w >= seg.end + seg.after) {
        kind = "repeated-first";
      }
      const at = w - o;
      for (; i < shifted.length && shifted[i]!.at <= at; i++) {
        if (shifted[i]!.at < at) yield shifted[i]!;
      }
      yield { at, kind, wall: w };
    }
    for (; i < shifted.length; i++) yield shifted[i]!;
  }
}

/** Every fire strictly after `afterMs`, ascending (lazy; stop pulling when done). */
export function* cronFireStream(
  spec: CronSchedule,
  afterMs: number,
  dst: DstPolicy = spec.dst ?? DEFAULT_DST,
): Generator<RawFire> {
  const { cron, zone } = checkedSpec(spec);
  let cursor = afterMs;
  let empty = 0;
  while (empty < MAX_EMPTY_WINDOWS) {
    // Any fire after `cursor` comes from a wall time later than cursor's wall time minus
    // 2 days (offsets differ by < 2 days) and lies within a day of it (|offset| < 1 day).
    const first = cron.next(cursor + offsetAt(zone, cursor) - 2 * DAY_MS);
    if (first === null) return;
    cursor = Math.max(cursor, first - DAY_MS);
    const end = cursor + WINDOW_MS;
    let any = false;
    for (const fire of windowFires(cron, zone, dst, cursor, end)) {
      any = true;
      yield fire;
    }
    empty = any ? 0 : empty + 1;
    cursor = end;
  }
}

/** Every fire at or before `atOrBeforeMs`, descending (lazy). */
export function* cronFireStreamBackward(
  spec: CronSchedule,
  atOrBeforeMs: number,
  dst: DstPolicy = spec.dst ?? DEFAULT_DST,
): Generator<RawFire> {
  const { cron, zone } = checkedSpec(spec);
  let cursor = atOrBeforeMs; // inclusive
  let size = BACK_CHUNK_START_MS;
  let empty = 0;
  while (empty < MAX_EMPTY_WINDOWS) {
    const last = cron.previous(cursor + offsetAt(zone, cursor) + 2 * DAY_MS);
    if (last === null) return;
    cursor = Math.min(cursor, last + DAY_MS);
    const chunk = [...windowFires(cron, zone, dst, cursor - size, cursor)];
    for (let i = chunk.length - 1; i >= 0; i--) yield chunk[i]!;
    empty = chunk.length ? 0 : empty + 1;
    cursor -= size;
    if (chunk.length < 32) size = Math.min(size * 4, WINDOW_MS);
    else if (chunk.length > 512) size = Math.max(Math.floor(size / 4), BACK_CHUNK_MIN_MS);
  }
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
}

/** The next `count` fires strictly after `after`, ascending (fewer when the expression ends). */
export function nextCronFires(
  spec: CronSchedule,
  after: Date,
  count: number,
  dst: DstPolicy = spec.dst ?? DEFAULT_DST,
): Date[] {
  checkCount("count", count);
  const out: Date[] = [];
  if (count === 0) return out;
  for (const fire of cronFireStream(spec, after.getTime(), dst)) {
    out.push(new Date(fire.at));
    if (out.length >= count) break;
  }
  return out;
}

/**
 * The fires in `(fromExclusive, toInclusive]`, ascending, at most `limit`; `more` says whether
 * further fires in the range were left out.
 */
export function cronFiresBetween(
  spec: CronSchedule,
  fromExclusive: Date,
  toInclusive: Date,
  limit: number,
  dst: DstPolicy = spec.dst ?? DEFAULT_DST,
): { fires: Date[]; more: boolean } {
  checkCount("limit", limit);
  const fires: Date[] = [];
  const to = toInclusive.getTime();
  if (to <= fromExclusive.getTime()) return { fires, more: false };
  for (const fire of cronFireStream(spec, fromExclusive.getTime(), dst)) {
    if (fire.at > to) break;
    if (fires.length >= limit) return { fires, more: true };
    fires.push(new Date(fire.at));
  }
  return { fires, more: false };
}
