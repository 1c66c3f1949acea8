/**
 * Where a rebuild writes: a fresh copy of one read model (a Postgres shadow schema, a Redis key
 * prefix or a lake prefix) that is filled from the event store while the live copy keeps
 * serving, compared with the live copy, then switched to atomically (or discarded, or kept for
 * inspection).
 */
import type { DecodedEvent } from "@jobledger/events";

/**
 * The time range of a rebuild (ISO instants, null: open), recorded with its checkpoints so a
 * resumed rebuild continues the same one.
 */
export interface RebuildRange {
  /**
   * repair: only the streams with a commit at or after this instant are rebuilt, each from its
   * first event; everything else is carried over from the live copy
   */
  from: string | null;
  /**
   * as of: only the events that occurred at or before this instant (and, per stream, only up to
   * the first one after it); such a copy is compared, never switched live
   */
  to: string | null;
}

/** A whole-history rebuild (also what checkpoints written before ranges existed mean). */
export const WHOLE_HISTORY: RebuildRange = Object.freeze({ from: null, to: null });

/** How far a tenant's replay got; stored in the copy itself so a rebuild can resume. */
export interface RebuildCheckpoint {
  tenant: string;
  /** readTenant cursor of the next page to read (null: from the start) */
  cursor: string | null;
  /** events applied so far for this tenant */
  events: number;
  /** the tenant's whole history was applied */
  done: boolean;
  /** the range this copy is being built for (absent: the whole history) */
  range?: RebuildRange;
}

/** What differs between the live copy and the rebuilt one, per table / key space. */
export interface RebuildComparison {
  parts: {
    name: string;
    /** rows (keys) only in the live copy, or different there */
    onlyInLive: number;
    /** rows (keys) only in the rebuilt copy, or different there */
    onlyInRebuilt: number;
    /** a few keys of the differing rows */
    samples: string[];
  }[];
}

export interface RebuildTarget {
  /** e.g. "postgres" */
  readonly name: string;
  /** where the copy is, for people (e.g. `schema "public_rebuild"`) */
  readonly location: string;
  /**
   * Creates the fresh copy, or finds the one an interrupted rebuild left; returns the
   * checkpoints it holds. A fresh copy records a checkpoint (no cursor, `range`) for every
   * tenant before it returns, so a copy always says what it is being built for; an existing
   * copy is returned as it is (the caller refuses a different range). `tenants` are the ones
   * to rebuild; data of other tenants is carried over from the live copy, and with
   * `range.from` (repair) the tenants' own data too.
   */
  prepare(tenants: readonly string[], range: RebuildRange): Promise<RebuildCheckpoint[]>;
  /**
   * Repair mode (`range.from`) only; a target without it cannot repair. Removes from the copy
   * everything the streams wrote (their rows and positions), so that `apply` folds them again
   * from their first event; records them in the copy so a resumed run does not remove what it
   * already re-folded. Returns the streams removed now (not those removed before).
   */
  resetStreams?(streamIds: readonly string[]): Promise<string[]>;
  /** applies a page of one tenant's events (in commit order; may repeat after a resume) */
  apply(events: readonly DecodedEvent[]): Promise<void>;
  /** stores a tenant's progress in the copy */
  saveCheckpoint(checkpoint: RebuildCheckpoint): Promise<void>;
  /**
   * a guess of how many events the tenants have (for the ETA), or null; with `range.from`, of
   * how many the repaired streams have
   */
  estimateEvents(tenants: readonly string[], range: RebuildRange): Promise<number | null>;
  compare(): Promise<RebuildComparison>;
  /** makes the rebuilt copy the live one in one step; the old copy is kept aside */
  switchOver(): Promise<void>;
  /** drops the rebuilt copy (dry run) */
  discard(): Promise<void>;
  close(): Promise<void>;
}
