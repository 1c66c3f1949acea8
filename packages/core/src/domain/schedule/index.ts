/**
 * Schedule math for the scheduler, pure (no I/O, no clock): fire times of cron (with explicit
 * DST rules), rate and once schedules, jitter, catch-up after downtime and the API preview.
 * Import as `@jobledger/core/domain/schedule/index`.
 */

export { type MissedFiresInput, type MissedFiresPlan, planMissedFires } from "./catch-up.ts";
export { cronFiresBetween, nextCronFires, wallTimeMatches } from "./cron.ts";
export { CRON_COUNT_CAP, type FireSource, fireSource, firesBetween, nextFireAfter, toFire } from "./fires.ts";
export { dueAt, jitterMs } from "./jitter.ts";
export { type ResolvedSchedule, resolveSchedule } from "./options.ts";
export { type PreviewedFire, previewFires } from "./preview.ts";
export * from "./types.ts";
export { formatInZone, offsetAt } from "./zone.ts";
