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
  compareTable(tenant, streams, jobRows, differences, jobsCheck);
  compareTable(tenant, streams, runRows, differences, runsCheck);
  compareTable(tenant, streams, scheduleRows, differences, schedulesCheck);
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

/** How one read-model table lines up with the folded streams. */
interface TableCheck<Row> {
  kind: "job" | "run" | "schedule";
  streamType: "job" | "run";
  /** the stream's id and version as folded, when the stream folds into this table */
  folded(s: StreamTrack): { id: string; version: number } | null | undefined;
  rowId(row: Row): string;
  rowVersion(row: Row): number;
  /** [field, expected from the fold, actual in the row] */
  fields(s: StreamTrack, row: Row): [string, unknown, unknown][];
  /** whether a row without a stream is a difference (default: always) */
  orphan?(row: Row): boolean;
}

function compareTable<Row>(
  tenant: string,
  streams: Map<string, StreamTrack>,
  rows: Row[],
  out: Difference[],
  check: TableCheck<Row>,
): void {
  const byId = new Map(rows.map((r) => [check.rowId(r), r]));
  for (const [streamId, s] of streams) {
    const folded = streamId.startsWith(`${tenant}/${check.streamType}/`) ? check.folded(s) : undefined;
    if (!folded) continue;
    const row = byId.get(folded.id);
    byId.delete(folded.id);
    if (!row) {
      out.push({ kind: check.kind, stream: streamId, what: "row missing", expected: folded.version });
      continue;
    }
    for (const [name, expected, actual] of check.fields(s, row)) {
      field(out, check.kind, streamId, name, expected, actual);
    }
  }
  for (const row of byId.values()) {
    if (check.orphan && !check.orphan(row)) continue;
    out.push({
      kind: check.kind,
      stream: `${tenant}/${check.streamType}/${check.rowId(row)}`,
      what: "row without a stream",
      actual: check.rowVersion(row),
    });
  }
}

const jobsCheck: TableCheck<JobRow> = {
  kind: "job",
  streamType: "job",
  folded: (s) => s.job && { id: s.job.id, version: s.job.version },
  rowId: (r) => r.jobId,
  rowVersion: (r) => r.version,
  fields: (s, row) => [
    ["version", s.job?.version, row.version],
    ["status", s.job?.status, row.status],
    ["definition", asJson(s.job?.definition), asJson(row.definition)],
    ["createdAt", s.created?.at.toISOString(), row.createdAt.toISOString()],
    ["createdBy", s.created?.by, row.createdBy],
    ["updatedAt", s.updated?.at.toISOString(), row.updatedAt.toISOString()],
    ["updatedBy", s.updated?.by, row.updatedBy],
  ],
};

const runsCheck: TableCheck<RunRow> = {
  kind: "run",
  streamType: "run",
  folded: (s) => s.run && { id: s.run.runId, version: s.run.version },
  rowId: (r) => r.runId,
  rowVersion: (r) => r.version,
  // not `attempt`: while a retry is scheduled the aggregate already counts the next attempt, the row the last one
  fields: (s, row) => [
    ["version", s.run?.version, row.version],
    ["status", s.run?.status, row.status],
    ["jobId", s.run?.jobId, row.jobId],
  ],
  // version 0: the scheduler's provisional row, written just before its RunQueued lands
  orphan: (row) => row.version > 0,
};

const schedulesCheck: TableCheck<ScheduleRow> = {
  kind: "schedule",
  streamType: "job",
  folded: (s) => s.job && { id: s.job.id, version: s.job.version },
  rowId: (r) => r.jobId,
  rowVersion: (r) => r.jobVersion,
  fields: (s, row) => [
    ["jobVersion", s.job?.version, row.jobVersion],
    ["status", s.job?.status, row.status],
  ],
};
