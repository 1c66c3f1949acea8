/**
 * Errors of the command services (not domain rules): a stale `If-Match`, and a write that
 * lost a race against another writer of the same stream.
 */

/** The caller's expected version (If-Match) is not the stream's current version. */
export class PreconditionFailed extends Error {
  override readonly name = "PreconditionFailed";
  readonly code = "precondition-failed";
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`${streamId} is at version ${currentVersion}, not the expected ${expectedVersion}`);
  }
}

/** Another command appended to the stream between our read and our write; retry the command. */
export class ConcurrentModification extends Error {
  override readonly name = "ConcurrentModification";
  readonly code = "concurrent-modification";
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    /** the stream's version when the conflict was seen, when known */
    readonly actualVersion: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `${streamId} was changed by another command while this one ran (read version ${expectedVersion}); retry`,
      options,
    );
  }
}
