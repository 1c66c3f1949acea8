/**
 * The job command service: load a job's stream, fold it, check the caller's expected version
 * (If-Match), `decide`, and append the events with the version that was read, so a racing
 * writer makes one of the two fail (ConcurrentModification) instead of overwriting.
 */
import type { DecodedEvent } from "@jobledger/events";
import { v7 as uuidv7 } from "uuid";
import type { HeaderSecrets } from "../auth/header-secrets.ts";
import { Gone, NotFound, ValidationFailed } from "../domain/errors.ts";
import { decide, fold, type JobCommand, type JobState } from "../domain/job/aggregate.ts";
import type { JobDefinitionInputValue, JobPatchInputValue } from "../domain/job/definition.ts";
import { headerValueProblem } from "../domain/job/sensitive-headers.ts";
import { isStreamSegment, jobStreamId } from "../domain/job/stream.ts";
import { EMPTY_ALLOW_LIST, parseTargetAllowList, type TargetAllowList } from "../domain/job/target-policy.ts";
import type { Clock } from "../ports/clock.ts";
import type { EventStore } from "../ports/event-store.ts";
import { PreconditionFailed } from "./errors.ts";
import { appendDecided } from "./stream-append.ts";

/** Who asks, on whose behalf, and (optionally) which version they saw. */
export interface CommandContext {
  tenant: string;
  /** `user:<id>`, `apikey:<id>`, `system:<component>` */
  actor: string;
  /** the request id (X-Request-ID) */
  correlationId: string;
  /** the event that caused this command, if any */
  causationId?: string | null;
  /** the stream version the caller saw (If-Match); PreconditionFailed when it differs */
  expectedVersion?: number;
}

export interface JobCommandResult {
  /** the job after the command */
  job: JobState;
  /** the events this command appended ([] when it changed nothing) */
  events: DecodedEvent[];
  /** the job's whole stream after the command */
  history: DecodedEvent[];
}

export interface LoadedJob {
  /** null when the stream is empty (or nothing happened up to the requested point) */
  state: JobState | null;
  version: number;
  history: DecodedEvent[];
}

export interface LoadJobOptions {
  /** the state as of this stream version (inclusive) */
  toVersion?: number;
  /** the state as of this instant (events that occurred at or before it) */
  asOf?: Date;
}

export interface JobCommandsDeps {
  eventStore: EventStore;
  clock: Clock;
  /** new job ids; uuid v7 by default */
  newId?: () => string;
  /** parsed, or raw entries as configured (`targets.allowList`); empty by default */
  allowList?: TargetAllowList | readonly string[];
  /** encrypts sensitive request header values before they are appended (auth/header-secrets) */
  headerSecrets?: HeaderSecrets;
}

export interface JobCommands {
  create(ctx: CommandContext, definition: JobDefinitionInputValue): Promise<JobCommandResult>;
  update(ctx: CommandContext, jobId: string, patch: JobPatchInputValue): Promise<JobCommandResult>;
  pause(ctx: CommandContext, jobId: string, options?: { reason?: string | null }): Promise<JobCommandResult>;
  resume(ctx: CommandContext, jobId: string): Promise<JobCommandResult>;
  delete(ctx: CommandContext, jobId: string, options?: { reason?: string | null }): Promise<JobCommandResult>;
  loadJob(tenant: string, jobId: string, options?: LoadJobOptions): Promise<LoadedJob>;
}

/** Raw entries (as configured) are parsed once; InvalidAllowListEntry names a bad one. */
function toAllowList(given: TargetAllowList | readonly string[] | undefined): TargetAllowList {
  if (given === undefined) return EMPTY_ALLOW_LIST;
  return isParsedAllowList(given) ? given : parseTargetAllowList(given);
}

const isParsedAllowList = (value: TargetAllowList | readonly string[]): value is TargetAllowList =>
  !Array.isArray(value);

export function createJobCommands(deps: JobCommandsDeps): JobCommands {
  const { eventStore, clock } = deps;
  const newId = deps.newId ?? (() => uuidv7());
  const allowList = toAllowList(deps.allowList);

  async function loadJob(tenant: string, jobId: string, options: LoadJobOptions = {}): Promise<LoadedJob> {
    const history: DecodedEvent[] = [];
    const streamId = jobStreamId(tenant, jobId);
    for await (const event of eventStore.readStreamAll(streamId, { toVersion: options.toVersion })) {
      if (options.asOf && event.occurredAt.getTime() > options.asOf.getTime()) break;
      history.push(event);
    }
    return { state: fold(history), version: history.at(-1)?.version ?? 0, history };
  }

  async function execute(ctx: CommandContext, jobId: string, command: JobCommand): Promise<JobCommandResult> {
    if (!isStreamSegment(jobId)) throw new NotFound(jobId);
    const streamId = jobStreamId(ctx.tenant, jobId);
    const { state, version, history } = await loadJob(ctx.tenant, jobId);

    if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== version) {
      // a missing or deleted job is the better answer than a stale version
      if (command.type !== "CreateJob" && state === null) throw new NotFound(jobId);
      if (command.type !== "CreateJob" && state?.status === "deleted") throw new Gone(jobId);
      throw new PreconditionFailed(streamId, ctx.expectedVersion, version);
    }

    const decided = decide(sealSecrets(ctx.tenant, command, state), state, { allowList, jobId });
    if (decided.length === 0) {
      // only commands on an existing job can decide nothing, so state is set
      return { job: state as JobState, events: [], history };
    }

    const appended = await appendDecided(eventStore, streamId, version, decided, ctx, clock.now(), uuidv7);
    const job = fold(appended, state) as JobState;
    return { job, events: appended, history: [...history, ...appended] };
  }

  /** sensitive header values leave this service only as ciphertext */
  function sealSecrets(tenant: string, command: JobCommand, state: JobState | null): JobCommand {
    const secrets = deps.headerSecrets;
    if (!secrets) return command;
    const sealRequest = (request: unknown, previous?: Record<string, string>) => {
      if (typeof request !== "object" || request === null || !("headers" in request)) return request;
      const headers = (request as { headers: unknown }).headers;
      if (typeof headers !== "object" || headers === null) return request;
      const entries = Object.entries(headers);
      if (entries.some(([, v]) => typeof v !== "string" && v !== null)) return request; // decide refuses it
      // in a patch, null removes that header (JSON Merge Patch): only the values are sealed
      const values = Object.fromEntries(entries.filter(([, v]) => v !== null)) as Record<string, string>;
      const removed = Object.fromEntries(entries.filter(([, v]) => v === null));
      // the plain values are checked before sealing: a sealed value is longer than what was sent
      const issues = Object.entries(values).flatMap(([name, value]) => {
        const message = headerValueProblem(name, value);
        return message ? [{ path: `request.headers.${name}`, message }] : [];
      });
      if (issues.length > 0) throw new ValidationFailed(issues);
      return { ...request, headers: { ...secrets.seal(tenant, values, previous), ...removed } };
    };
    if (command.type === "CreateJob") {
      const definition = command.definition as { request?: unknown };
      return {
        ...command,
        definition: { ...definition, request: sealRequest(definition.request) },
      } as JobCommand;
    }
    if (command.type === "UpdateJob") {
      const patch = command.patch as { request?: unknown };
      if (patch.request === undefined) return command;
      const previous = state?.definition.request.headers;
      return { ...command, patch: { ...patch, request: sealRequest(patch.request, previous) } } as JobCommand;
    }
    return command;
  }

  return {
    create: (ctx, definition) => execute(ctx, newId(), { type: "CreateJob", definition }),
    update: (ctx, jobId, patch) => execute(ctx, jobId, { type: "UpdateJob", patch }),
    pause: (ctx, jobId, options = {}) => execute(ctx, jobId, { type: "PauseJob", reason: options.reason }),
    resume: (ctx, jobId) => execute(ctx, jobId, { type: "ResumeJob" }),
    delete: (ctx, jobId, options = {}) => execute(ctx, jobId, { type: "DeleteJob", reason: options.reason }),
    loadJob,
  };
}
