/**
 * UTC offsets of IANA time zones, computed from `Intl.DateTimeFormat` alone (no time-zone
 * library): the offset at an instant, the offset changes (DST and other transitions) around a
 * span of time, and formatting of naive wall-clock times and ISO strings with an offset.
 *
 * "Wall time" here is a naive local date-time encoded as milliseconds as if it were UTC
 * (`Date.UTC(y, m, d, h, mi, s)`), so that wall-clock arithmetic never meets a time zone.
 *
 * Assumption (the same the Temporal polyfill makes): a zone changes its offset at most once
 * within {@link SAMPLE_STEP_MS} and every offset lies strictly within ±24 h. Both hold for
 * every zone in the tz database since 1970.
 */

const SECOND = 1000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Offsets are sampled this far apart; a change between two samples is found by bisection. */
export const SAMPLE_STEP_MS = DAY_MS;
/**
 * How far before and after a span offset changes are looked for, so a gap or overlap that
 * started before the span (and whose effects reach into it) is known: longer than any real
 * offset change (the largest, Pacific/Apia in 2011, was 24 h).
 */
export const TRANSITION_REACH_MS = 26 * HOUR_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** `Date.UTC` without its 0..99 → 1900..1999 year mapping. */
export function wallMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** UTC offset (ms, whole seconds) of `zone` at `instantMs`: local wall time minus UTC. */
export function offsetAt(zone: string, instantMs: number): number {
  const whole = Math.floor(instantMs / SECOND) * SECOND;
  const fields = { era: "AD", year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(zone).formatToParts(whole)) {
    if (part.type === "era") fields.era = part.value;
    else if (part.type in fields) Reflect.set(fields, part.type, Number(part.value));
  }
  const year = fields.era === "BC" || fields.era === "B" ? 1 - fields.year : fields.year;
  return wallMs(year, fields.month, fields.day, fields.hour, fields.minute, fields.second) - whole;
}

/** A stretch of instants `[start, end)` over which the zone's offset stays `offset`. */
export interface OffsetSegment {
  start: number;
  end: number;
  offset: number;
  /** the offset just before `start` when `start` is an offset change, else null */
  before: number | null;
  /** the offset from `end` on when `end` is an offset change, else null */
  after: number | null;
}

/** First whole second in `(lo, hi]` whose offset differs from the offset at `lo`. */
function firstChange(zone: string, lo: number, hi: number, offsetLo: number): number {
  let a = lo;
  let b = hi;
  while (b - a > SECOND) {
    const mid = a + Math.floor((b - a) / (2 * SECOND)) * SECOND;
    if (offsetAt(zone, mid) === offsetLo) a = mid;
    else b = mid;
  }
  return b;
}

/** Offset changes `{ at, before, after }` in `(fromMs, toMs]`, ascending. */
export function offsetChanges(
  zone: string,
  fromMs: number,
  toMs: number,
): { at: number; before: number; after: number }[] {
  const changes: { at: number; before: number; after: number }[] = [];
  let lo = Math.floor(fromMs / SECOND) * SECOND;
  let offsetLo = offsetAt(zone, lo);
  const end = Math.ceil(toMs / SECOND) * SECOND;
  while (lo < end) {
    const hi = Math.min(lo + SAMPLE_STEP_MS, end);
    const offsetHi = offsetAt(zone, hi);
    if (offsetHi === offsetLo) {
      lo = hi;
      continue;
    }
    const at = firstChange(zone, lo, hi, offsetLo);
    const after = offsetAt(zone, at);
    changes.push({ at, before: offsetLo, after });
    lo = at;
    offsetLo = after;
  }
  return changes;
}

/**
 * The constant-offset segments covering `[fromMs, toMs]`, each knowing the offset change at
 * its edges; changes up to {@link TRANSITION_REACH_MS} beyond the span are included so the
 * first and last segment know whether they start right after or end right before one.
 */
export function offsetSegments(zone: string, fromMs: number, toMs: number): OffsetSegment[] {
  const lookFrom = fromMs - TRANSITION_REACH_MS;
  const lookTo = toMs + TRANSITION_REACH_MS;
  const changes = offsetChanges(zone, lookFrom, lookTo);
  const segments: OffsetSegment[] = [];
  let start = Number.NEGATIVE_INFINITY;
  let offset = offsetAt(zone, lookFrom);
  let before: number | null = null;
  for (const change of changes) {
    segments.push({ start, end: change.at, offset, before, after: change.after });
    start = change.at;
    before = offset;
    offset = change.after;
  }
  segments.push({ start, end: Number.POSITIVE_INFINITY, offset, before, after: null });
  return segments.filter((s) => s.end > fromMs && s.start <= toMs);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** "2026-03-08T02:30:00" (".250" appended when there are milliseconds). */
export function formatWall(wall: number): string {
  const d = new Date(wall);
  const year = d.getUTCFullYear();
  const y = year >= 0 && year <= 9999 ? pad(year, 4) : (year < 0 ? "-" : "+") + pad(Math.abs(year), 6);
  const ms = d.getUTCMilliseconds();
  return (
    `${y}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    (ms ? `.${pad(ms, 3)}` : "")
  );
}

/** "+05:30", "-04:00", "+00:00"; seconds are added for the odd historical offset that has them. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const total = Math.abs(offsetMs) / SECOND;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${sign}${pad(h)}:${pad(m)}${s ? `:${pad(s)}` : ""}`;
}

/** The instant as an ISO-8601 local time with its offset in `zone`: "2026-03-08T03:30:00-04:00". */
export function formatInZone(instantMs: number, zone: string): string {
  const offset = offsetAt(zone, instantMs);
  return formatWall(instantMs + offset) + formatOffset(offset);
}
