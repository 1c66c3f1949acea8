/**
 * The Postgres read model's rows as `verify` compares them (ReadModelRows), optionally from
 * another schema than the live one (a rebuild's shadow copy).
 */
import type pg from "pg";
import type { JobRow, ReadModelRows, RunRow, ScheduleRow } from "../../application/audit/verify.ts";

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** `schema` absent: the tables on the pool's search_path (the live read model). */
export function postgresReadModelRows(pool: pg.Pool, schema?: string): ReadModelRows {
  const t = (table: string) => (schema ? `${quoteIdent(schema)}.${table}` : table);
  return {
    async jobs(tenant) {
      const { rows } = await pool.query<JobRow>(
        `SELECT job_id AS "jobId", version, status, definition, created_at AS "createdAt",
                created_by AS "createdBy", updated_at AS "updatedAt", updated_by AS "updatedBy"
           FROM ${t("jobs")} WHERE tenant = $1`,
        [tenant],
      );
      return rows;
    },
    async runs(tenant) {
      const { rows } = await pool.query<RunRow>(
        `SELECT run_id AS "runId", job_id AS "jobId", version, status, attempt FROM ${t("runs")} WHERE tenant = $1`,
        [tenant],
      );
      return rows;
    },
    async schedules(tenant) {
      const { rows } = await pool.query<ScheduleRow>(
        `SELECT job_id AS "jobId", job_version AS "jobVersion", status FROM ${t("schedules")} WHERE tenant = $1`,
        [tenant],
      );
      return rows;
    },
  };
}

/** Every tenant with a row in the read model (verify's default when no tenant is given). */
export async function readModelTenants(pool: pg.Pool, schema?: string): Promise<string[]> {
  const s = schema ? `${quoteIdent(schema)}.` : "";
  const { rows } = await pool.query<{ tenant: string }>(
    `SELECT tenant FROM ${s}jobs UNION SELECT tenant FROM ${s}runs ORDER BY tenant`,
  );
  return rows.map((r) => r.tenant);
}
