/**
 * Verify: folds a tenant's event store afresh and compares it with the read model, and checks
 * every stream's hash chain. Reads the store once, in commit order, page by page; keeps one
 * folded state per stream (not the events).
 *
 * What is compared (a difference names the stream, what and the two values):
 * - chain: each event's version follows its predecessor's, its prevHash is the predecessor's
 *   hash, its hash recomputes (an edited event breaks its own hash, a deleted one leaves a gap);
 * - jobs: one row per job stream with the folded version, status, definition, created/updated;
 * - runs: one row per run stream with the folded version, status and job;
 * - schedules: one row per job stream, at the job's version and status;
 * - rows whose stream does not exist.
 * A deleted *last* event of a stream leaves no gap in the chain; it shows as the read model
 * being ahead of the store (version differs).
 */
import { isDeepStrictEqual } from "node:util";
import type { DecodedEvent } from "@jobledger/events";
import { eventHash } from "../../adapters/dynamodb/event-hash.ts";
import { evolve as evolveJob, type JobState } from "../../domain/job/aggregate.ts";
import { evolve as evolveRun, type RunState } from "../../domain/run/aggregate.ts";
import type { EventStore } from "../../ports/event-store.ts";

export interface JobRow {
  jobId: string;
  version: number;
  status: string;
  definition: unknown;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

export interface RunRow {
  runId: string;
  jobId: string;
  version: number;
  status: string;
  attempt: number;
}

export interface ScheduleRow {
  jobId: string;
  jobVersion: number;
  status: string;
}

/** The read model's rows of one tenant (a port: Postgres implements it). */
export interface ReadModelRows {
  jobs(tenant: string): Promise<JobRow[]>;
  runs(tenant: string): Promise<RunRow[]>;
  schedules(tenant: string): Promise<ScheduleRow[]>;
}

export interface Difference {
  kind: "chain" | "job" | "run" | "schedule" | "decode";
  stream: string;
  /** the field or check that differs */
  what: string;
  expected?: unknown;
  actual?: unknown;
}

export interface VerifyReport {
  tenant: string;
  streams: number;
  events: number;
  differences: Difference[];
}

interface StreamTrack {
  version: number;
  hash: string;
  broken: boolean;
  job: JobState | null;
  run: RunState | null;
  created?: { at: Date; by: string };
  updated?: { at: Date; by: string };
  foldError?: string;
}

/** JSON round trip: the shape a jsonb column gives back. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

export interface VerifyOptions {
  /** called after each page with the number of events read so far */
  onProgress?: (events: number) => void;
}

export async function verifyTenant(
  store: EventStore,
  rows: ReadModelRows,
  tenant: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const differences: Difference[] = [];
  const streams = new Map<string, StreamTrack>();
  let events = 0;
  let cursor: string | null = null;
  do {
    let page: Awaited<ReturnType<EventStore["readTenant"]>>;
    try {
      page = await store.readTenant(tenant, { cursor, limit: 100 });
    } catch (error) {
      differences.push({
        kind: "decode",
        stream: `${tenant}/*`,
        what: `unreadable commit: ${String(error)}`,
      });
      break;
    }
    for (const event of page.events) {
      events++;
      track(streams, event, differences);
    }
    cursor = page.cursor;
    options.onProgress?.(events);
  } while (cursor !== null);

  const [jobRows, runRows, scheduleRows] = await Promise.all([
    rows.jobs(tenant),
    rows.runs(tenant),
    rows.schedules(tenant),
  ]);
  compareJobs(tenant, streams, jobRows, differences);
  compareRuns(tenant, streams, runRows, differences);
  compareSchedules(tenant, streams, scheduleRows, differences);
  return { tenant, streams: streams.size, events, differences };
}

function track(streams: Map<string, StreamTrack>, e: DecodedEvent, out: Difference[]): void {
  let s = streams.get(e.streamId);
  if (!s) {
    s = { version: 0, hash: "", broken: false, job: null, run: null };
    streams.set(e.streamId, s);
  }
  if (!s.broken) {
    const reason =
      e.version !== s.version + 1
        ? `expected version ${s.version + 1}, found ${e.version} (an event is missing)`
        : e.prevHash !== s.hash
          ? "prevHash does not match the previous event's hash"
          : eventHash(e) !== e.hash
            ? "hash does not match the event's content (edited)"
            : null;
    if (reason) {
      out.push({ kind: "chain", stream: e.streamId, what: `version ${e.version}: ${reason}` });
      s.broken = true; // one break per stream: everything after it is suspect anyway
    }
  }
  s.hash = e.hash;
  const kind = e.streamId.split("/")[1];
  if (!s.foldError) {
    try {
      // fold in stream order whatever the stored numbering (a gap is reported by the chain check)
      if (kind === "job") s.job = evolveJob(s.job, { type: e.type, data: e.data, streamId: e.streamId });
      if (kind === "run") s.run = evolveRun(s.run, { ...e, version: undefined });
    } catch (error) {
      s.foldError = error instanceof Error ? error.message : String(error);
      out.push({
        kind: kind === "run" ? "run" : "job",
        stream: e.streamId,
        what: `fold failed: ${s.foldError}`,
      });
    }
  }
  s.version = e.version;
  s.created ??= { at: e.occurredAt, by: e.actor };
  s.updated = { at: e.occurredAt, by: e.actor };
}

function field(
  out: Difference[],
  kind: Difference["kind"],
  stream: string,
  what: string,
  expected: unknown,
  actual: unknown,
) {
  if (!isDeepStrictEqual(expected, actual)) out.push({ kind, stream, what, expected, actual });
}

function compareJobs(
  tenant: string,
  streams: Map<string, StreamTrack>,
  rows: JobRow[],
  out: Difference[],
): void {
  const byId = new Map(rows.map((r) => [r.jobId, r]));
  for (const [streamId, s] of streams) {
    if (!streamId.startsWith(`${tenant}/job/`) || !s.job) continue;
    const row = byId.get(s.job.id);
    byId.delete(s.job.id);
    if (!row) {
      out.push({ kind: "job", stream: streamId, what: "row missing", expected: s.job.version });
      continue;
    }
    field(out, "job", streamId, "version", s.job.version, row.version);
    field(out, "job", streamId, "status", s.job.status, row.status);
    field(out, "job", streamId, "definition", asJson(s.job.definition), asJson(row.definition));
    field(out, "job", streamId, "createdAt", s.created?.at.toISOString(), row.createdAt.toISOString());
    field(out, "job", streamId, "createdBy", s.created?.by, row.createdBy);
    field(out, "job", streamId, "updatedAt", s.updated?.at.toISOString(), row.updatedAt.toISOString());
    field(out, "job", streamId, "updatedBy", s.updated?.by, row.updatedBy);
  }
  for (const row of byId.values()) {
    out.push({
      kind: "job",
      stream: `${tenant}/job/${row.jobId}`,
      what: "row without a stream",
      actual: row.version,
    });
  }
}

function compareRuns(
  tenant: string,
  streams: Map<string, StreamTrack>,
  rows: RunRow[],
  out: Difference[],
): void {
  const byId = new Map(rows.map((r) => [r.runId, r]));
  for (const [streamId, s] of streams) {
    if (!streamId.startsWith(`${tenant}/run/`) || !s.run) continue;
    const row = byId.get(s.run.runId);
    byId.delete(s.run.runId);
    if (!row) {
      out.push({ kind: "run", stream: streamId, what: "row missing", expected: s.run.version });
      continue;
    }
    field(out, "run", streamId, "version", s.run.version, row.version);
    field(out, "run", streamId, "status", s.run.status, row.status);
    // not `attempt`: while a retry is scheduled the aggregate already counts the next attempt, the row the last one
    field(out, "run", streamId, "jobId", s.run.jobId, row.jobId);
  }
  for (const row of byId.values()) {
    // version 0: the scheduler's provisional row, written just before its RunQueued lands
    if (row.version > 0) {
      out.push({
        kind: "run",
        stream: `${tenant}/run/${row.runId}`,
        what: "row without a stream",
        actual: row.version,
      });
    }
  }
}

function compareSchedules(
  tenant: string,
  streams: Map<string, StreamTrack>,
  rows: ScheduleRow[],
  out: Difference[],
): void {
  const byId = new Map(rows.map((r) => [r.jobId, r]));
  for (const [streamId, s] of streams) {
    if (!streamId.startsWith(`${tenant}/job/`) || !s.job) continue;
    const row = byId.get(s.job.id);
    byId.delete(s.job.id);
    if (!row) {
      out.push({ kind: "schedule", stream: streamId, what: "row missing", expected: s.job.version });
      continue;
    }
    field(out, "schedule", streamId, "jobVersion", s.job.version, row.jobVersion);
    field(out, "schedule", streamId, "status", s.job.status, row.status);
  }
  for (const row of byId.values()) {
    out.push({
      kind: "schedule",
      stream: `${tenant}/job/${row.jobId}`,
      what: "row without a stream",
      actual: row.jobVersion,
    });
  }
}
