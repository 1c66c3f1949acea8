/**
 * Time travel: a job as it was at a stream version or at an instant, folded from its own
 * events (old schema versions are upcast by the events package when they are decoded).
 */
import type { DecodedEvent } from "@jobledger/events";
import { fold, type JobState } from "../../domain/job/aggregate.ts";
import { jobStreamId } from "../../domain/job/stream.ts";
import type { EventStore } from "../../ports/event-store.ts";

/** Where to stop folding: after stream version N, or after the last event at or before an instant. */
export type PointInTime = { version: number } | { at: Date };

export interface JobAtPoint {
  state: JobState;
  /** the events folded, oldest first */
  history: DecodedEvent[];
}

/** Why a point cannot be answered: no such job, or a point past the stream / before its creation. */
export type TimeTravelMiss = "unknown-job" | "beyond-stream" | "before-creation";

export class TimeTravelNotFound extends Error {
  override readonly name = "TimeTravelNotFound";
  constructor(
    readonly jobId: string,
    readonly miss: TimeTravelMiss,
    detail: string,
  ) {
    super(detail);
  }
}

/** The events of a job's stream up to a point (inclusive). */
export async function jobHistoryUntil(
  store: EventStore,
  tenant: string,
  jobId: string,
  point: PointInTime,
): Promise<DecodedEvent[]> {
  const streamId = jobStreamId(tenant, jobId);
  const history: DecodedEvent[] = [];
  const toVersion = "version" in point ? point.version : undefined;
  for await (const event of store.readStreamAll(streamId, { toVersion })) {
    if ("at" in point && event.occurredAt.getTime() > point.at.getTime()) break;
    history.push(event);
  }
  return history;
}

/** The job folded up to `point`; throws TimeTravelNotFound when there is nothing at that point. */
export async function jobAt(
  store: EventStore,
  tenant: string,
  jobId: string,
  point: PointInTime,
): Promise<JobAtPoint> {
  const history = await jobHistoryUntil(store, tenant, jobId, point);
  if (history.length === 0) {
    const any = await store.readStream(jobStreamId(tenant, jobId), { limit: 1 });
    if (any.events.length === 0)
      throw new TimeTravelNotFound(jobId, "unknown-job", `job ${jobId} was not found`);
    throw new TimeTravelNotFound(jobId, "before-creation", `job ${jobId} did not exist yet at that point`);
  }
  if ("version" in point && history.length < point.version) {
    throw new TimeTravelNotFound(
      jobId,
      "beyond-stream",
      `job ${jobId} has ${history.length} events; version ${point.version} does not exist`,
    );
  }
  const state = fold(history);
  if (!state) throw new Error(`job ${jobId}: folding ${history.length} events gave no state`);
  return { state, history };
}
