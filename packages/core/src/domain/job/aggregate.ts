/**
 * The Job aggregate as pure functions: `decide(command, state, context)` turns a command into
 * the events it causes (or throws a domain error), `evolve(state, event)` folds one event into
 * the state, `fold(events)` a whole stream. No I/O, no clock, no ids: the command service adds
 * envelope metadata and stores the events.
 */
import type { EventDataMap, JobCreatedData, JobDefinition, JobUpdatedData } from "@jobledger/events";
import { AlreadyExists, Gone, InvalidTransition, NotFound, ValidationFailed } from "../errors.ts";
import { parseJobDefinition, parseJobPatch } from "./definition.ts";
import { applyChanges, diffDefinitions, mergePatch } from "./patch.ts";
import { parseJobStreamId } from "./stream.ts";
import { checkTarget, type TargetAllowList } from "./target-policy.ts";

export type JobStatus = "active" | "paused" | "deleted";

export interface JobState {
  id: string;
  definition: JobDefinition;
  status: JobStatus;
  /** number of events folded = the stream version */
  version: number;
}

export type CreateJob = { type: "CreateJob"; definition: unknown };
export type UpdateJob = { type: "UpdateJob"; patch: unknown };
export type PauseJob = { type: "PauseJob"; reason?: string | null };
export type ResumeJob = { type: "ResumeJob" };
export type DeleteJob = { type: "DeleteJob"; reason?: string | null };
export type JobCommand = CreateJob | UpdateJob | PauseJob | ResumeJob | DeleteJob;

export const JOB_EVENT_TYPES = ["JobCreated", "JobUpdated", "JobPaused", "JobResumed", "JobDeleted"] as const;
export type JobEventType = (typeof JOB_EVENT_TYPES)[number];

/** An event as decided: type and payload (the service wraps it in an envelope). */
export type JobEvent = { [T in JobEventType]: { type: T; data: EventDataMap[T] } }[JobEventType];

/** What `evolve` needs of a stored event (a DecodedEvent fits). */
export interface JobStreamEvent {
  type: string;
  data: unknown;
  streamId: string;
  /** when given, checked against the state's version + 1 */
  version?: number;
}

export interface DecideContext {
  /** targets the SSRF rules would refuse but that this deployment permits */
  allowList: TargetAllowList;
  /** the job's id, for error messages only */
  jobId?: string;
}

export const REASON_MAX = 500;

// ---- decide -----------------------------------------------------------------------------------

/** Validates a definition and its target; throws ValidationFailed with every issue. */
function validDefinition(input: unknown, context: DecideContext): JobDefinition {
  const parsed = parseJobDefinition(input);
  if (!parsed.ok) throw new ValidationFailed(parsed.issues);
  const refused = checkTarget(new URL(parsed.value.request.url), context.allowList);
  if (refused) throw new ValidationFailed([{ path: "request.url", message: `request.url: ${refused}` }]);
  return parsed.value;
}

function validReason(reason: unknown): string | null {
  if (reason === undefined || reason === null) return null;
  if (typeof reason !== "string") {
    throw new ValidationFailed([{ path: "reason", message: "reason must be a string or null" }]);
  }
  const trimmed = reason.trim();
  if (trimmed.length > REASON_MAX) {
    throw new ValidationFailed([
      { path: "reason", message: `reason must be at most ${REASON_MAX} characters` },
    ]);
  }
  return trimmed === "" ? null : trimmed;
}

/** The job, when it exists and is not deleted. */
function live(state: JobState | null, context: DecideContext): JobState {
  if (state === null) throw new NotFound(context.jobId);
  if (state.status === "deleted") throw new Gone(state.id);
  return state;
}

/**
 * The events a command causes on a job in `state` (null before creation). Pausing a paused
 * job, resuming an active one and updates that change nothing cause no events.
 * Throws ValidationFailed, NotFound, AlreadyExists or Gone.
 */
export function decide(command: JobCommand, state: JobState | null, context: DecideContext): JobEvent[] {
  switch (command.type) {
    case "CreateJob": {
      if (state !== null) throw new AlreadyExists(state.id);
      const definition = validDefinition(command.definition, context);
      return [{ type: "JobCreated", data: { definition } }];
    }
    case "UpdateJob": {
      const job = live(state, context);
      const patch = parseJobPatch(command.patch);
      if (!patch.ok) throw new ValidationFailed(patch.issues);
      const next = validDefinition(mergePatch(job.definition, patch.value), context);
      const { changes, changedFields } = diffDefinitions(job.definition, next);
      return changedFields.length === 0 ? [] : [{ type: "JobUpdated", data: { changes, changedFields } }];
    }
    case "PauseJob": {
      const job = live(state, context);
      const reason = validReason(command.reason);
      return job.status === "paused" ? [] : [{ type: "JobPaused", data: { reason } }];
    }
    case "ResumeJob": {
      const job = live(state, context);
      return job.status === "active" ? [] : [{ type: "JobResumed", data: {} }];
    }
    case "DeleteJob": {
      live(state, context);
      return [{ type: "JobDeleted", data: { reason: validReason(command.reason) } }];
    }
    default: {
      const unknownCommand: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknownCommand)}`);
    }
  }
}

// ---- evolve -----------------------------------------------------------------------------------

const statusOf = (state: JobState | null) => state?.status ?? "none";

function existing(state: JobState | null, event: string, allowed: readonly JobStatus[]): JobState {
  if (state === null || !allowed.includes(state.status)) throw new InvalidTransition(event, statusOf(state));
  return state;
}

/** The state after one stored event. Throws InvalidTransition for an event the state cannot take. */
export function evolve(state: JobState | null, event: JobStreamEvent): JobState {
  const expected = (state?.version ?? 0) + 1;
  if (event.version !== undefined && event.version !== expected) {
    throw new Error(`${event.streamId}: expected version ${expected}, got event version ${event.version}`);
  }
  const version = expected;
  switch (event.type) {
    case "JobCreated": {
      if (state !== null) throw new InvalidTransition("JobCreated", state.status);
      const ids = parseJobStreamId(event.streamId);
      if (!ids) throw new Error(`"${event.streamId}" is not a job stream id (<tenant>/job/<jobId>)`);
      const { definition } = event.data as JobCreatedData;
      return { id: ids.jobId, definition, status: "active", version };
    }
    case "JobUpdated": {
      const job = existing(state, "JobUpdated", ["active", "paused"]);
      return { ...job, definition: applyChanges(job.definition, event.data as JobUpdatedData), version };
    }
    case "JobPaused":
      return { ...existing(state, "JobPaused", ["active"]), status: "paused", version };
    case "JobResumed":
      return { ...existing(state, "JobResumed", ["paused"]), status: "active", version };
    case "JobDeleted":
      return { ...existing(state, "JobDeleted", ["active", "paused"]), status: "deleted", version };
    default:
      throw new Error(`${event.streamId}: ${event.type} is not a job event`);
  }
}

/** The state after a stream's events, in order (null for an empty stream). */
export function fold(events: Iterable<JobStreamEvent>, initial: JobState | null = null): JobState | null {
  let state = initial;
  for (const event of events) state = evolve(state, event);
  return state;
}
