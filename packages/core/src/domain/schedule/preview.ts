/**
 * The next fires of a schedule as the API shows them (`GET /v1/jobs/{id}/schedule/preview`):
 * each with its UTC instant, its local time with offset, and a note when DST moved or repeated
 * it. Local times are in the schedule's zone for cron, UTC for rate/once, unless a display
 * zone is given.
 */
import { isKnownTimeZone } from "../job/definition.ts";
import type { RawFire } from "./cron.ts";
import { fireSource } from "./fires.ts";
import { type JobSchedule, SCHEDULE_LIMITS } from "./types.ts";
import { formatInZone, formatWall } from "./zone.ts";

export interface PreviewedFire {
  /** ISO-8601 UTC ("2026-03-08T07:30:00.000Z") */
  at: string;
  /** ISO-8601 local time with offset ("2026-03-08T03:30:00-04:00") */
  local: string;
  /** why DST changed this fire, when it did */
  note?: string;
}

/** "02:30" (or "02:30:15" when the wall time has seconds). */
function clock(wall: number): string {
  const text = formatWall(wall).slice(11, 19);
  return text.endsWith(":00") ? text.slice(0, 5) : text;
}

function noteFor(fire: RawFire): string | undefined {
  switch (fire.kind) {
    case "shifted":
      return `shifted: ${clock(fire.wall!)} does not exist (DST gap)`;
    case "repeated-first":
      return "repeated wall time (DST fall-back), first occurrence";
    case "repeated-second":
      return "repeated wall time (DST fall-back), second occurrence";
    default:
      return undefined;
  }
}

/**
 * The next `count` (1..100) fires strictly after `after`. `anchor` is the job's creation time
 * (anchors rate schedules without `startAt`); `timezone` overrides the zone of `local`.
 */
export function previewFires(
  schedule: JobSchedule,
  anchor: Date,
  after: Date,
  count: number,
  timezone?: string,
): PreviewedFire[] {
  if (!Number.isInteger(count) || count < 1 || count > SCHEDULE_LIMITS.previewCountMax) {
    throw new RangeError(
      `count must be an integer from 1 to ${SCHEDULE_LIMITS.previewCountMax}, got ${count}`,
    );
  }
  const zone = timezone ?? (schedule.type === "cron" ? schedule.timezone : "UTC");
  if (!isKnownTimeZone(zone)) throw new RangeError(`time zone "${zone}" is not a known IANA time zone`);
  const afterMs = after.getTime();
  if (Number.isNaN(afterMs)) throw new RangeError("after must be a valid Date");

  const out: PreviewedFire[] = [];
  for (const fire of fireSource(schedule, anchor).forward(afterMs)) {
    const note = noteFor(fire);
    out.push({
      at: new Date(fire.at).toISOString(),
      local: formatInZone(fire.at, zone),
      ...(note ? { note } : {}),
    });
    if (out.length >= count) break;
  }
  return out;
}
