/**
 * The "jobs" projection: one row of the `jobs` table (migration 0002_jobs) per job stream
 * `<tenant>/job/<jobId>`, holding the job's current definition and status. It relies on
 * the projector's position guard to see each event once and in order. `foldJob` is the whole
 * projection as a pure function of (row before, event); the live `apply` reads the row, folds
 * and writes it back, and the rebuild folds a page's events per stream in memory and writes
 * each row once (page-projector.ts).
 */
import { type DecodedEvent, type EventType, type JobDefinition, parseStreamId } from "@jobledger/events";
import { selectRows, type TableSpec, upsertRows } from "../adapters/postgres/page-rows.ts";
import type { Projection } from "../adapters/postgres/projector.ts";
import { JOB_EVENT_TYPES } from "../domain/job/aggregate.ts";

const HANDLED: ReadonlySet<EventType> = new Set<EventType>(JOB_EVENT_TYPES);

/** Pause and resume write the same columns from the event alone: the later of two wins. */
export const PAUSE_TOGGLES: ReadonlySet<EventType> = new Set<EventType>(["JobPaused", "JobResumed"]);

/** The job id of an event on `<tenant>/job/<jobId>`; the tenant must be the event's own. */
export function jobIdOf(event: Pick<DecodedEvent, "streamId" | "tenant" | "type">): string {
  const { tenant, kind, id } = parseStreamId(event.streamId);
  if (kind !== "job" || tenant !== event.tenant) {
    throw new Error(
      `${event.type} on stream "${event.streamId}" does not belong to a job stream "${event.tenant}/job/<jobId>" of tenant ${event.tenant}`,
    );
  }
  return id;
}

/** A row of `jobs` as the fold sees it. */
export interface JobRow {
  tenant: string;
  job_id: string;
  name: string;
  description: string | null;
  definition: JobDefinition;
  status: "active" | "paused" | "deleted";
  tags: string[];
  version: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string;
  deleted_at: Date | null;
}

export const JOBS_TABLE: TableSpec<JobRow> = {
  table: "jobs",
  key: ["tenant", "job_id"],
  columns: {
    tenant: "text",
    job_id: "text",
    name: "text",
    description: "text",
    definition: "jsonb not null",
    status: "text",
    tags: "text[]",
    version: "integer",
    created_at: "timestamptz",
    created_by: "text",
    updated_at: "timestamptz",
    updated_by: "text",
    deleted_at: "timestamptz",
  },
};

/**
 * The jobs row after `event`, from the row before it (null: none yet). Pure; the live
 * projection and the rebuild's page fold both write what it returns.
 */
export function foldJob(row: JobRow | null, event: DecodedEvent): JobRow {
  const jobId = jobIdOf(event);
  if (event.type === "JobCreated") {
    // replaces a row a rebuild (positions reset, rows kept) finds
    const definition = (event as DecodedEvent<"JobCreated">).data.definition;
    return {
      tenant: event.tenant,
      job_id: jobId,
      name: definition.name,
      description: definition.description,
      definition,
      status: "active",
      tags: definition.tags,
      version: event.version,
      created_at: event.occurredAt,
      created_by: event.actor,
      updated_at: event.occurredAt,
      updated_by: event.actor,
      deleted_at: null,
    };
  }
  if (!HANDLED.has(event.type)) throw new Error(`the jobs projection does not handle ${event.type}`);
  const changes = event.type === "JobUpdated" ? changedValues(event as DecodedEvent<"JobUpdated">) : null;
  if (!row) {
    throw new Error(
      `${event.type} (version ${event.version}) of ${event.streamId} found no job row: was JobCreated not applied?`,
    );
  }
  const next: JobRow = {
    ...row,
    version: event.version,
    updated_at: event.occurredAt,
    updated_by: event.actor,
  };
  switch (event.type) {
    case "JobUpdated": {
      // a shallow merge, as jsonb `definition || changes`
      const definition = { ...row.definition, ...changes } as JobDefinition;
      const tags: unknown = (definition as { tags?: unknown }).tags;
      return {
        ...next,
        definition,
        name: definition.name,
        description: definition.description ?? null,
        tags: Array.isArray(tags) ? tags.map(String) : [],
      };
    }
    case "JobPaused":
      return { ...next, status: "paused" };
    case "JobResumed":
      return { ...next, status: "active" };
    case "JobDeleted":
      return { ...next, status: "deleted", deleted_at: event.occurredAt };
    default:
      throw new Error(`the jobs projection does not handle ${event.type}`);
  }
}

export const jobsProjection: Projection = {
  name: "jobs",
  handles: (type) => HANDLED.has(type),
  supersedes: (earlier, later) => PAUSE_TOGGLES.has(earlier.type) && PAUSE_TOGGLES.has(later.type),
  async apply(client, event) {
    const key = [event.tenant, jobIdOf(event)];
    // JobCreated replaces the whole row: it needs no read
    const [row] =
      event.type === "JobCreated" ? [] : await selectRows(client, JOBS_TABLE, [key], { forUpdate: true });
    await upsertRows(client, JOBS_TABLE, [foldJob(row ?? null, event)]);
  },
};

/**
 * The changed fields of a JobUpdated. `changedFields` is the authority: a decoder may
 * give unchanged fields as null, and null is also a real value (of description).
 */
function changedValues(event: DecodedEvent<"JobUpdated">): Partial<JobDefinition> {
  const { changes, changedFields } = event.data;
  const picked: Record<string, unknown> = {};
  for (const field of changedFields) {
    const value = changes[field];
    if (value === undefined) {
      // a decoder may drop a null; only the description may be null
      if (field !== "description") {
        throw new Error(
          `JobUpdated (version ${event.version}) of ${event.streamId} names ${field} but does not set it`,
        );
      }
      picked[field] = null;
    } else {
      picked[field] = value;
    }
  }
  return picked as Partial<JobDefinition>;
}
