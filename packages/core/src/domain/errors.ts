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

/** What an error is about: a job (the default, for the job commands) or a run. */
export type DomainEntity = "job" | "run";

const labelOf = (entity: DomainEntity, id: string | undefined) => (id ? `${entity} ${id}` : `the ${entity}`);

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

/**
 * Common fields of the errors about one entity: `id` and `entity` say what it is about,
 * `label` is "job <id>" / "run <id>" (or "the job"), and `jobId` is the id when the entity
 * is a job (kept for the job API; undefined for runs).
 */
abstract class EntityError extends DomainError {
  readonly jobId: string | undefined;
  readonly label: string;
  constructor(
    readonly id: string | undefined,
    readonly entity: DomainEntity,
    message: (label: string) => string,
  ) {
    const label = labelOf(entity, id);
    super(message(label));
    this.label = label;
    this.jobId = entity === "job" ? id : undefined;
  }
}

/** The job (or run) does not exist (its stream is empty). */
export class NotFound extends EntityError {
  override readonly name = "NotFound";
  readonly code = "not-found";
  constructor(id: string | undefined, entity: DomainEntity = "job") {
    super(id, entity, (label) => `${label} was not found`);
  }
}

/** A job (or run) with this id already exists (or existed: ids are never reused). */
export class AlreadyExists extends EntityError {
  override readonly name = "AlreadyExists";
  readonly code = "already-exists";
  constructor(id: string | undefined, entity: DomainEntity = "job") {
    super(id, entity, (label) => `${label} already exists`);
  }
}

/** The job was deleted; its history stays but it accepts no more commands. */
export class Gone extends EntityError {
  override readonly name = "Gone";
  readonly code = "gone";
  constructor(id: string | undefined, entity: DomainEntity = "job") {
    super(id, entity, (label) => `${label} was deleted`);
  }
}

/**
 * A change that the job's (or run's) current status does not allow. `decide` refuses such
 * commands with it, and `evolve` throws it when a stream holds such an event (a corrupt or
 * foreign stream). `detail`, when given, says more than the status (e.g. "its deadline has
 * not passed").
 */
export class InvalidTransition extends DomainError {
  override readonly name = "InvalidTransition";
  readonly code = "invalid-transition";
  constructor(
    /** the command or event that was refused */
    readonly attempted: string,
    /** the job's or run's status at the time, or "none" before it was created */
    readonly status: string,
    readonly entity: DomainEntity = "job",
    readonly detail?: string,
  ) {
    super(
      `${attempted} is not allowed when the ${entity} is ${status === "none" ? "not created" : status}` +
        (detail ? `: ${detail}` : ""),
    );
  }
}
