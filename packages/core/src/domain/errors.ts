/**
 * Typed errors the domain throws from `decide`/`evolve`. Each carries a stable `code` so
 * adapters (the HTTP API, the CLI) map them to answers without parsing messages.
 */

/** One problem with a command's input, located by a dotted field path ("schedule.timezone"). */
export interface ValidationIssue {
  /** dotted path of the offending field, "" for the whole input */
  path: string;
  message: string;
}

const jobLabel = (jobId: string | undefined) => (jobId ? `job ${jobId}` : "the job");

export type DomainErrorCode =
  | "validation-failed"
  | "not-found"
  | "already-exists"
  | "gone"
  | "invalid-transition";

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

/** The input breaks one or more rules; nothing was decided. */
export class ValidationFailed extends DomainError {
  override readonly name = "ValidationFailed";
  readonly code = "validation-failed";
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(`invalid input: ${issues.map((i) => i.message).join("; ")}`);
  }
}

/** The job does not exist (its stream is empty). */
export class NotFound extends DomainError {
  override readonly name = "NotFound";
  readonly code = "not-found";
  constructor(readonly jobId: string | undefined) {
    super(`${jobLabel(jobId)} was not found`);
  }
}

/** A job with this id already exists (or existed: ids are never reused). */
export class AlreadyExists extends DomainError {
  override readonly name = "AlreadyExists";
  readonly code = "already-exists";
  constructor(readonly jobId: string | undefined) {
    super(`${jobLabel(jobId)} already exists`);
  }
}

/** The job was deleted; its history stays but it accepts no more commands. */
export class Gone extends DomainError {
  override readonly name = "Gone";
  readonly code = "gone";
  constructor(readonly jobId: string | undefined) {
    super(`${jobLabel(jobId)} was deleted`);
  }
}

/**
 * A change that the job's current status does not allow. `decide` never emits such a change,
 * so `evolve` throws this when a stream holds one (a corrupt or foreign stream).
 */
export class InvalidTransition extends DomainError {
  override readonly name = "InvalidTransition";
  readonly code = "invalid-transition";
  constructor(
    /** the command or event that was refused */
    readonly attempted: string,
    /** the job's status at the time, or "none" before it was created */
    readonly status: string,
  ) {
    super(`${attempted} is not allowed when the job is ${status === "none" ? "not created" : status}`);
  }
}
