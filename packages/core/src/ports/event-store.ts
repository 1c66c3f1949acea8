import type { DecodedEvent, NewEvent } from "@jobledger/events";

/** Thrown when an append's expected version is not the stream's current version. */
export class VersionConflict extends Error {
  override readonly name = "VersionConflict";
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    /** the stream's version when the conflict was seen, when known */
    readonly actualVersion: number | undefined,
  ) {
    super(
      `version conflict on ${streamId}: expected ${expectedVersion}` +
        (actualVersion === undefined ? "" : `, stream is at ${actualVersion}`),
    );
  }
}

export interface AppendResult {
  streamId: string;
  /** version of the last event written */
  version: number;
  events: DecodedEvent[];
}

export interface ReadStreamOptions {
  /** first version to return (inclusive), default 1 */
  fromVersion?: number;
  /** last version to return (inclusive) */
  toVersion?: number;
  /** stop after this many events (a page); use `next` to continue */
  limit?: number;
}

export interface StreamPage {
  events: DecodedEvent[];
  /** the fromVersion to pass for the next page, or null at the end */
  next: number | null;
}

export interface ReadAllOptions {
  /** opaque cursor from a previous page */
  cursor?: string | null;
  /** commits per page */
  limit?: number;
  /**
   * only commits made at or after this instant (ms precision): the store's tenant order starts
   * with the commit time (the appending process's clock), so this starts the read there instead
   * of filtering. Pass it with every page of one read (the cursor continues within it).
   */
  fromTime?: Date;
}

export interface AllPage {
  events: DecodedEvent[];
  cursor: string | null;
}

export interface EventStore {
  /**
   * Append events to a stream as one commit. `expectedVersion` is the stream's current
   * version (0 for a new stream). Throws VersionConflict when it is not.
   */
  append(streamId: string, expectedVersion: number, events: NewEvent[]): Promise<AppendResult>;
  /** Read a stream forward, one page at a time. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StreamPage>;
  /** Every event of a stream from a version on (pages through readStream). */
  readStreamAll(streamId: string, options?: Omit<ReadStreamOptions, "limit">): AsyncIterable<DecodedEvent>;
  /** Every event of every stream of one tenant, in commit order, paged (for replay). */
  readTenant(tenant: string, options?: ReadAllOptions): Promise<AllPage>;
}
