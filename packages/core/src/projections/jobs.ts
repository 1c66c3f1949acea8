/**
 * The "jobs" projection: one row of the `jobs` table (migration 0002_jobs) per job stream
 * `<tenant>/job/<jobId>`, holding the job's current definition and status. It relies on
 * the projector's position guard to see each event once and in order, so every event type
 * is one plain SQL statement.
 */
import { type DecodedEvent, type EventType, type JobDefinition, parseStreamId } from "@jobledger/events";
import type pg from "pg";
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

export const jobsProjection: Projection = {
  name: "jobs",
  handles: (type) => HANDLED.has(type),
  supersedes: (earlier, later) => PAUSE_TOGGLES.has(earlier.type) && PAUSE_TOGGLES.has(later.type),
  async apply(client, event) {
    const jobId = jobIdOf(event);
    const common = [event.tenant, jobId, event.version, event.occurredAt, event.actor];
    let result: pg.QueryResult;
    switch (event.type) {
      case "JobCreated": {
        const definition = (event as DecodedEvent<"JobCreated">).data.definition;
        // ON CONFLICT: rebuilding the read model (positions reset, rows kept) starts over cleanly
        result = await client.query(
          `INSERT INTO jobs (tenant, job_id, version, created_at, created_by, updated_at, updated_by,
                             name, description, definition, status, tags, deleted_at)
           VALUES ($1, $2, $3, $4, $5, $4, $5, $6, $7, $8, 'active', $9, NULL)
           ON CONFLICT (tenant, job_id) DO UPDATE SET
             version = EXCLUDED.version, created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by,
             updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by, name = EXCLUDED.name,
             description = EXCLUDED.description, definition = EXCLUDED.definition, status = EXCLUDED.status,
             tags = EXCLUDED.tags, deleted_at = NULL`,
          [...common, definition.name, definition.description, JSON.stringify(definition), definition.tags],
        );
        break;
      }
      case "JobUpdated": {
        const changes = changedValues(event as DecodedEvent<"JobUpdated">);
        result = await client.query(
          `UPDATE jobs SET
             version = $3, updated_at = $4, updated_by = $5,
             definition = definition || $6::jsonb,
             name = (definition || $6::jsonb) ->> 'name',
             description = (definition || $6::jsonb) ->> 'description',
             tags = ARRAY(SELECT jsonb_array_elements_text((definition || $6::jsonb) -> 'tags'))
           WHERE tenant = $1 AND job_id = $2`,
          [...common, JSON.stringify(changes)],
        );
        break;
      }
      case "JobPaused":
      case "JobResumed":
        result = await client.query(
          `UPDATE jobs SET version = $3, updated_at = $4, updated_by = $5, status = $6
           WHERE tenant = $1 AND job_id = $2`,
          [...common, event.type === "JobPaused" ? "paused" : "active"],
        );
        break;
      case "JobDeleted":
        result = await client.query(
          `UPDATE jobs SET version = $3, updated_at = $4, updated_by = $5, status = 'deleted', deleted_at = $4
           WHERE tenant = $1 AND job_id = $2`,
          common,
        );
        break;
      default:
        throw new Error(`the jobs projection does not handle ${event.type}`);
    }
    if (result.rowCount !== 1) {
      throw new Error(
        `${event.type} (version ${event.version}) of ${event.streamId} found no job row: was JobCreated not applied?`,
      );
    }
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
