/**
 * Names of runs: deterministic run ids for scheduled fires (`runIdFor`), fresh ids for manual
 * runs (`newManualRunId`), and run stream ids `<tenant>/run/<runId>`.
 *
 * A scheduled fire's run id is the UUID v5 of `"<jobId>@<fire time ISO>"` in a fixed
 * namespace, so every scheduler (and every repeat of a tick) that handles the same fire
 * appends to the same stream with expected version 0: exactly one append wins.
 */
import { v5 as uuidv5, v7 as uuidv7 } from "uuid";
import { isStreamSegment } from "../job/stream.ts";

/** The namespace of scheduled run ids. Never change it: existing run ids would no longer match. */
export const RUN_ID_NAMESPACE = "cc522282-f86f-465a-8f74-57fee41af970";

/** The run id of a job's fire at `scheduledFor` (UUID v5, stable across processes and releases). */
export function runIdFor(jobId: string, scheduledFor: Date): string {
  const at = scheduledFor.getTime();
  if (Number.isNaN(at)) throw new RangeError(`runIdFor: scheduledFor is not a valid Date (job ${jobId})`);
  if (jobId === "") throw new RangeError("runIdFor: the job id is empty");
  return uuidv5(`${jobId}@${scheduledFor.toISOString()}`, RUN_ID_NAMESPACE);
}

/** A new id for a run outside the schedule (manual trigger): UUID v7. */
export function newManualRunId(): string {
  return uuidv7();
}

/** `<tenant>/run/<runId>`; throws when a part is empty or holds "/". */
export function runStreamId(tenant: string, runId: string): string {
  if (!isStreamSegment(tenant))
    throw new Error(`invalid tenant ${JSON.stringify(tenant)}: empty or holds "/"`);
  if (!isStreamSegment(runId)) throw new Error(`invalid run id ${JSON.stringify(runId)}: empty or holds "/"`);
  return `${tenant}/run/${runId}`;
}

/** The tenant and run id of a run stream id, or null when it is not one. */
export function parseRunStreamId(streamId: string): { tenant: string; runId: string } | null {
  const parts = streamId.split("/");
  if (parts.length !== 3 || parts[1] !== "run") return null;
  const [tenant = "", , runId = ""] = parts;
  return isStreamSegment(tenant) && isStreamSegment(runId) ? { tenant, runId } : null;
}
