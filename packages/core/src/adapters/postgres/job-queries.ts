/**
 * Queries on the jobs read model (the `jobs` table the jobs projection writes): one job,
 * and a filtered list paged newest first with an opaque keyset cursor. Every query is
 * scoped to one tenant.
 */
import type { JobDefinition } from "@jobledger/events";
import type pg from "pg";
import {
  CURSOR_AT,
  checkPageSize,
  cursorAtSql,
  type KeysetPage,
  keysetAfter,
  pageOf,
} from "./keyset-cursor.ts";

export { InvalidCursor } from "./keyset-cursor.ts";

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

export type JobPage = KeysetPage<JobView>;

export interface JobQueries {
  /** the job, or null when it does not exist in this tenant or is deleted */
  get(tenant: string, jobId: string): Promise<JobView | null>;
  list(tenant: string, options?: ListJobsOptions): Promise<JobPage>;
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
  [CURSOR_AT]: string;
}

const COLUMNS = `tenant, job_id, name, description, definition, status, tags, version, created_at, created_by,
  updated_at, updated_by, deleted_at, ${cursorAtSql("created_at")}`;

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
      const limit = checkPageSize(options.limit ?? DEFAULT_JOB_PAGE_SIZE, MAX_JOB_PAGE_SIZE);
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
      if (options.cursor) where.push(keysetAfter(options.cursor, "created_at", "job_id", param));
      const result = await pool.query<JobRow>(
        `SELECT ${COLUMNS} FROM jobs WHERE ${where.join(" AND ")}
         ORDER BY created_at DESC, job_id DESC LIMIT ${param(limit + 1)}`,
        params,
      );
      return pageOf(result.rows, limit, toView, (row) => ({ at: row[CURSOR_AT], id: row.job_id }));
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
