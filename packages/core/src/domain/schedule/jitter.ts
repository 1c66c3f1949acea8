/**
 * Deterministic jitter: a delay in `[0, jitterSeconds·1000)` ms derived from a SHA-256 of the
 * job id and the nominal fire time, so every scheduler (and every retry of a tick) computes the
 * same due time for the same fire, while different jobs firing at the same instant spread out.
 */
import { createHash } from "node:crypto";
import { SCHEDULE_LIMITS } from "./types.ts";

const TWO_POW_48 = 2 ** 48;

/** Jitter in whole milliseconds, in `[0, jitterSeconds·1000)`; 0 when `jitterSeconds` is 0. */
export function jitterMs(jobId: string, fireAt: Date, jitterSeconds: number): number {
  if (
    !Number.isFinite(jitterSeconds) ||
    jitterSeconds < 0 ||
    jitterSeconds > SCHEDULE_LIMITS.jitterSecondsMax
  ) {
    throw new RangeError(
      `jitterSeconds must be from 0 to ${SCHEDULE_LIMITS.jitterSecondsMax}, got ${jitterSeconds}`,
    );
  }
  const t = fireAt.getTime();
  if (Number.isNaN(t)) throw new RangeError("fireAt must be a valid Date");
  const range = Math.floor(jitterSeconds * 1000);
  if (range <= 0) return 0;
  const digest = createHash("sha256").update(`${jobId}\n${t}`).digest();
  // 48 uniform bits scaled to the range: bias below 2^-26 for any range up to an hour
  return Math.floor((digest.readUIntBE(0, 6) / TWO_POW_48) * range);
}

/** When the run for `fireAt` is due: the fire time plus its jitter. */
export function dueAt(jobId: string, fireAt: Date, jitterSeconds: number): Date {
  return new Date(fireAt.getTime() + jitterMs(jobId, fireAt, jitterSeconds));
}
