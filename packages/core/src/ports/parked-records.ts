/**
 * Port for change records a consumer could not handle (a "poison pill"): the consumer parks
 * the record's stream and goes on with every other stream. Later records of a parked stream
 * are held back behind it (`toVersion` grows), so the stream's order is kept; a retry applies
 * `fromVersion..toVersion` from the event store and releases the stream.
 *
 * One entry per (consumer, stream). Every writer is the consumer itself or a retry of it.
 */

export interface ParkedError {
  /** the error's class name, e.g. `InvalidChangeRecord` */
  name: string;
  message: string;
  /** a driver's error code where there is one (Postgres SQLSTATE, Node's `code`) */
  code: string | null;
}

export interface ParkedStream {
  consumer: string;
  streamId: string;
  tenant: string;
  /** first version of the record that failed */
  fromVersion: number;
  /** last version held back behind it (grows as later records of the stream arrive) */
  toVersion: number;
  /** the change record that failed (its sequence number on the shard) */
  sequenceNumber: string;
  error: ParkedError;
  /** tries before it was parked, plus every failed retry since */
  tries: number;
  parkedAt: string;
  lastTriedAt: string;
}

export interface ParkedRecordStore {
  /** Parks a stream; an existing entry (already parked) is left as it is and returned false. */
  park(entry: ParkedStream): Promise<boolean>;
  /**
   * Holds back versions up to `toVersion` behind a parked stream. False when the stream is
   * no longer parked (released meanwhile): the caller then applies the record itself.
   */
  holdBack(consumer: string, streamId: string, toVersion: number): Promise<boolean>;
  /** The stream ids this consumer has parked (consistent read). */
  parkedStreams(consumer: string): Promise<Set<string>>;
  get(consumer: string, streamId: string): Promise<ParkedStream | null>;
  /** Entries of the given consumers, optionally only those of one tenant. */
  list(consumers: readonly string[], tenant?: string): Promise<ParkedStream[]>;
  /** Records a failed retry. */
  retryFailed(consumer: string, streamId: string, error: ParkedError, at: string): Promise<void>;
  /**
   * Removes the entry if nothing was held back since it was read (`toVersion` unchanged);
   * false when more versions arrived, which the caller must apply before releasing.
   */
  release(consumer: string, streamId: string, toVersion: number): Promise<boolean>;
}
