/**
 * Queries on the jobs read model (the `jobs` table the jobs projection writes): one job,
 * and a filtered list paged newest first with an opaque keyset cursor. Every query is
 * scoped to one tenant.
 */
import type { JobDefinition } from "@jobledger/events";
import type pg from "pg";
import { z } from "zod";

export type JobStatus = "active" | "paused" | "deleted";

export interface JobView {
  id: string;
  tenant: string;
  name: string;
  description: string | null;
  definition: JobDefinition;
  status: JobStatus;
  tags: string[];
  /** stream version of the last change (the job's ETag) */
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
  /** set when status is "deleted" */
  deletedAt: Date | null;
}

export interface ListJobsOptions {
  /** only jobs in this status; by default every job except deleted ones */
  status?: JobStatus;
  /** only jobs carrying this tag */
  tag?: string;
  /** only jobs whose name contains this text, case-insensitively */
  search?: string;
  /** page size, 1..200, default 50 */
  limit?: number;
  /** `nextCursor` of the previous page */
  cursor?: string | null;
}

export interface JobPage {
  items: JobView[];
  /** pass as `cursor` for the next page; null on the last page */
  nextCursor: string | null;
}

export interface JobQueries {
  /** the job, or null when it does not exist in this tenant or is deleted */
  get(tenant: string, jobId: string): Promise<JobView | null>;
  list(tenant: string, options?: ListJobsOptions): Promise<JobPage>;
}

/** Thrown for a cursor this module did not produce. */
export class InvalidCursor extends Error {
  override readonly name = "InvalidCursor";
  constructor(reason: string) {
    super(`invalid cursor: ${reason}; pass the nextCursor of a previous page unchanged`);
  }
}

export const DEFAULT_JOB_PAGE_SIZE = 50;
export const MAX_JOB_PAGE_SIZE = 200;

interface JobRow {
  tenant: string;
  job_id: string;
  name: string;
  description: string | null;
  definition: JobDefinition;
  status: JobStatus;
  tags: string[];
  version: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string;
  deleted_at: Date | null;
  /** created_at in UTC with microseconds, for the cursor (a Date keeps only milliseconds) */
  cursor_at: string;
}

const COLUMNS = `tenant, job_id, name, description, definition, status, tags, version, created_at, created_by,
  updated_at, updated_by, deleted_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`;

export function createJobQueries(pool: pg.Pool): JobQueries {
  return {
    async get(tenant, jobId) {
      const result = await pool.query<JobRow>(
        `SELECT ${COLUMNS} FROM jobs WHERE tenant = $1 AND job_id = $2 AND status <> 'deleted'`,
        [tenant, jobId],
      );
      const row = result.rows[0];
      return row ? toView(row) : null;
    },

    async list(tenant, options = {}) {
      const limit = options.limit ?? DEFAULT_JOB_PAGE_SIZE;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_JOB_PAGE_SIZE) {
        throw new RangeError(`limit must be an integer from 1 to ${MAX_JOB_PAGE_SIZE}, got ${limit}`);
      }
      const params: unknown[] = [tenant];
      const where = ["tenant = $1"];
      const param = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (options.status) where.push(`status = ${param(options.status)}`);
      else where.push("status <> 'deleted'");
      if (options.tag !== undefined) where.push(`tags @> ARRAY[${param(options.tag)}::text]`);
      if (options.search) where.push(`strpos(lower(name), lower(${param(options.search)})) > 0`);
      if (options.cursor) {
        const after = decodeCursor(options.cursor);
        where.push(`(created_at, job_id) < (${param(after.createdAt)}::timestamptz, ${param(after.jobId)})`);
      }
      const result = await pool.query<JobRow>(
        `SELECT ${COLUMNS} FROM jobs WHERE ${where.join(" AND ")}
         ORDER BY created_at DESC, job_id DESC LIMIT ${param(limit + 1)}`,
        params,
      );
      const rows = result.rows.slice(0, limit);
      const last = rows.at(-1);
      const more = result.rows.length > limit;
      return {
        items: rows.map(toView),
        nextCursor: more && last ? encodeCursor({ createdAt: last.cursor_at, jobId: last.job_id }) : null,
      };
    },
  };
}

function toView(row: JobRow): JobView {
  return {
    id: row.job_id,
    tenant: row.tenant,
    name: row.name,
    description: row.description,
    definition: row.definition,
    status: row.status,
    tags: row.tags,
    version: row.version,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    deletedAt: row.deleted_at,
  };
}

interface CursorPosition {
  /** ISO-8601 UTC with up to microseconds */
  createdAt: string;
  jobId: string;
}

const cursorSchema = z.object({
  c: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/),
  i: z.string().min(1),
});

function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ c: position.createdAt, i: position.jobId }), "utf8").toString(
    "base64url",
  );
}

function decodeCursor(cursor: string): CursorPosition {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursor("not base64url");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursor("not a cursor of this list");
  }
  const parsed = cursorSchema.safeParse(value);
  if (!parsed.success || Number.isNaN(Date.parse(parsed.data.c))) {
    throw new InvalidCursor("not a cursor of this list");
  }
  return { createdAt: parsed.data.c, jobId: parsed.data.i };
}
