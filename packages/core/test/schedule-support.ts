/**
 * Test helpers for the schedule math, computed independently of the code under test: UTC
 * offsets read from Intl's `longOffset` names (the code uses `formatToParts` fields), and the
 * offset changes of a year found by an hourly scan.
 */
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset in minutes of `zone` at `instant`, from Intl's "GMT+10:30" name. */
export function intlOffsetMinutes(zone: string, instant: Date | number): number {
  let f = offsetFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
    offsetFormatters.set(zone, f);
  }
  const name = f.formatToParts(new Date(instant)).find((p) => p.type === "timeZoneName")?.value ?? "";
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!m) throw new Error(`unexpected offset name ${name}`);
  if (!m[1]) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** The offset changes of `zone` in `year`, to the minute: `{ at, before, after }` (minutes). */
export function intlTransitions(zone: string, year: number): { at: Date; before: number; after: number }[] {
  const out: { at: Date; before: number; after: number }[] = [];
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const hour = 3_600_000;
  for (let t = start; t < end; t += hour) {
    const before = intlOffsetMinutes(zone, t);
    const after = intlOffsetMinutes(zone, t + hour);
    if (before === after) continue;
    let lo = t;
    let hi = t + hour;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (intlOffsetMinutes(zone, mid) === before) lo = mid;
      else hi = mid;
    }
    out.push({ at: new Date(hi), before, after });
  }
  return out;
}

/** The local wall time of `instant` in `zone` as "YYYY-MM-DDTHH:MM:SS" (from the offset above). */
export function localWall(zone: string, instant: Date | number): string {
  const t = new Date(instant).getTime();
  return new Date(t + intlOffsetMinutes(zone, t) * 60_000).toISOString().slice(0, 19);
}

export const iso = (dates: readonly Date[]) => dates.map((d) => d.toISOString());
