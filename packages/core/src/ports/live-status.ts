/**
 * What the API reads from the live read model (Redis), without knowing Redis: a job's live
 * view and the tenant's feed. Implemented by adapters/redis/live-reads.ts.
 */
import type { LiveFeedEvent } from "../projections/live-status.ts";

export interface LiveCounters {
  successes: number;
  failures: number;
  /** attempts with a measured latency */
  latencyCount: number;
  /** mean attempt latency, null without measured attempts */
  latencyAvgMs: number | null;
  latencyMaxMs: number | null;
}

export interface LiveRun {
  runId: string;
  status: string;
  trigger: string | null;
  attempt: number;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  lastStatusCode: number | null;
  lastErrorClass: string | null;
  lastError: string | null;
  durationMs: number | null;
}

export interface LiveJobView {
  jobId: string;
  status: string;
  name: string | null;
  version: number;
  updatedAt: string | null;
  lastRunId: string | null;
  lastRunStatus: string | null;
  lastRunFinishedAt: string | null;
  counters: { lastHour: LiveCounters; lastDay: LiveCounters } | null;
  /** newest first */
  latestRuns: LiveRun[];
  /** run ids of this job with an attempt in flight */
  running: string[];
}

export interface LiveFeedEntry {
  /** the Redis stream entry id, used as the SSE event id (Last-Event-ID resumes after it) */
  id: string;
  event: LiveFeedEvent;
}

/** A reader of one tenant's feed; holds its own connection until closed. */
export interface LiveFeedReader {
  /**
   * Entries after `afterId` ("$" = only new ones), waiting up to `blockMs` for the first;
   * an empty list when none came.
   */
  read(afterId: string, blockMs: number): Promise<LiveFeedEntry[]>;
  /** the id of the newest entry ("0-0" when the feed is empty): where "only new ones" starts */
  latestId(): Promise<string>;
  close(): void;
}

export interface LiveStatusSource {
  /** the job's live view, or null when Redis holds nothing for it */
  job(tenant: string, jobId: string): Promise<LiveJobView | null>;
  /** a reader of the tenant's feed on a dedicated connection */
  openFeed(tenant: string): Promise<LiveFeedReader>;
  /** whether Redis answers now */
  ping(): Promise<boolean>;
}
