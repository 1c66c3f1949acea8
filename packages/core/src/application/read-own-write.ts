/**
 * Reading one's own write of one resource: the read models follow the event store
 * asynchronously (milliseconds usually, seconds under load), so right after a command a
 * read can miss it. `readAtLeastVersion` polls a read until it holds at least the version the
 * command answered (its ETag), for a bounded time, and then answers with what it has, saying
 * whether that is fresh. Polling keeps it the same on one process and on many Lambdas.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** The longest a read waits for the read model to catch up. */
export const READ_OWN_WRITE_MAX_WAIT_MS = 5000;

export interface ReadAtLeastVersionOptions<T extends { version: number }> {
  /** one read of the read model: the resource, or null when it holds none */
  read: () => Promise<T | null>;
  minVersion: number;
  /** at most this long (default 5 s) */
  maxWaitMs?: number;
  /** between two reads (default 50 ms) */
  pollMs?: number;
  /** the caller went away: stop waiting */
  signal?: AbortSignal;
}

export interface VersionedRead<T> {
  /** the last read's answer (null: the read model holds nothing yet) */
  value: T | null;
  /** false when the read model still held an older version (or nothing) when the wait ended */
  fresh: boolean;
}

export async function readAtLeastVersion<T extends { version: number }>(
  options: ReadAtLeastVersionOptions<T>,
): Promise<VersionedRead<T>> {
  const { read, minVersion, signal } = options;
  const maxWaitMs = options.maxWaitMs ?? READ_OWN_WRITE_MAX_WAIT_MS;
  const pollMs = options.pollMs ?? 50;
  // a wall-clock bound on waiting, not a business time: the injected clock does not apply
  const deadline = performance.now() + maxWaitMs;
  for (;;) {
    const value = await read();
    if (value !== null && value.version >= minVersion) return { value, fresh: true };
    const left = deadline - performance.now();
    if (left <= 0 || signal?.aborted) return { value, fresh: false };
    try {
      await sleep(Math.min(pollMs, left), undefined, { signal });
    } catch {
      return { value, fresh: false }; // aborted
    }
  }
}
