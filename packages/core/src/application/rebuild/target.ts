/**
 * Where a rebuild writes: a fresh copy of one read model (Postgres shadow schema today; a Redis
 * key prefix or a lake prefix later) that is filled from the event store while the live copy
 * keeps serving, compared with the live copy, then switched to atomically (or discarded).
 */
import type { DecodedEvent } from "@jobledger/events";

/** How far a tenant's replay got; stored in the copy itself so a rebuild can resume. */
export interface RebuildCheckpoint {
  tenant: string;
  /** readTenant cursor of the next page to read (null: from the start) */
  cursor: string | null;
  /** events applied so far for this tenant */
  events: number;
  /** the tenant's whole history was applied */
  done: boolean;
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
  /**
   * Creates the fresh copy, or finds the one an interrupted rebuild left; returns the
   * checkpoints it holds (empty for a fresh copy). `tenants` are the ones to rebuild; data of
   * other tenants is carried over from the live copy.
   */
  prepare(tenants: readonly string[]): Promise<RebuildCheckpoint[]>;
  /** applies a page of one tenant's events (in commit order; may repeat after a resume) */
  apply(events: readonly DecodedEvent[]): Promise<void>;
  /** stores a tenant's progress in the copy */
  saveCheckpoint(checkpoint: RebuildCheckpoint): Promise<void>;
  /** a guess of how many events the tenants have (for the ETA), or null */
  estimateEvents(tenants: readonly string[]): Promise<number | null>;
  compare(): Promise<RebuildComparison>;
  /** makes the rebuilt copy the live one in one step; the old copy is kept aside */
  switchOver(): Promise<void>;
  /** drops the rebuilt copy (dry run) */
  discard(): Promise<void>;
  close(): Promise<void>;
}
