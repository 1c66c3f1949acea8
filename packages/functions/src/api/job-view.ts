/**
 * The API's representation of a job, built either from a read-model row (queries) or from
 * the job's stream right after a command (so a client reads its own write at once). Secret
 * header values (sealed by the job commands) are shown as "***".
 */

import type { z } from "@hono/zod-openapi";
import type { JobView as JobRow } from "@jobledger/core/adapters/postgres/job-queries";
import { maskHeaders } from "@jobledger/core/auth/header-secrets";
import type { JobState } from "@jobledger/core/domain/job/aggregate";
import type { DecodedEvent } from "@jobledger/events";
import type { Job } from "./schemas.ts";

export type JobViewSource = { row: JobRow } | { state: JobState; history: DecodedEvent[] };

export function jobView(source: JobViewSource): z.infer<typeof Job> {
  if ("row" in source) {
    const { row } = source;
    return {
      id: row.id,
      ...row.definition,
      request: { ...row.definition.request, headers: maskHeaders(row.definition.request.headers) },
      status: row.status,
      version: row.version,
      createdAt: row.createdAt.toISOString(),
      createdBy: row.createdBy,
      updatedAt: row.updatedAt.toISOString(),
      updatedBy: row.updatedBy,
    };
  }
  const { state, history } = source;
  const first = history[0];
  const last = history[history.length - 1];
  if (!first || !last) throw new Error(`job ${state.id} has no history`);
  return {
    id: state.id,
    ...state.definition,
    request: { ...state.definition.request, headers: maskHeaders(state.definition.request.headers) },
    status: state.status,
    version: state.version,
    createdAt: first.occurredAt.toISOString(),
    createdBy: first.actor,
    updatedAt: last.occurredAt.toISOString(),
    updatedBy: last.actor,
  };
}
