/** The API shapes the console reads (a subset of /openapi.json). */
export type JobStatus = "active" | "paused" | "deleted";
export type RunStatus =
  | "queued"
  | "running"
  | "retry-scheduled"
  | "succeeded"
  | "dead-lettered"
  | "cancelled"
  | "skipped";

export type Schedule =
  | { type: "cron"; expression: string; timezone: string; startAt?: string | null; endAt?: string | null }
  | { type: "rate"; everySeconds: number; startAt?: string | null; endAt?: string | null }
  | { type: "once"; at: string; startAt?: string | null; endAt?: string | null };

export interface Job {
  id: string;
  name: string;
  description: string | null;
  request: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: string | null;
    timeoutMs: number;
  };
  schedule: Schedule;
  retry: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number };
  overlap: string;
  tags: string[];
  status: JobStatus;
  version: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

export interface RunSummary {
  runId: string;
  jobId: string;
  status: RunStatus;
  trigger: string;
  scheduledFor: string | null;
  attempt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  skipReason: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface Attempt {
  attempt: number;
  startedAt?: string | null;
  finishedAt?: string | null;
  runner: string | null;
  outcome: "succeeded" | "failed" | "timed-out" | null;
  statusCode: number | null;
  errorClass: string | null;
  message: string | null;
  durationMs: number | null;
  bodyExcerpt: string | null;
  /** true when NUL or bytes that are not UTF-8 were shown as U+FFFD in the excerpt (ADR 0010) */
  bodyExcerptReplaced?: boolean | null;
  /** the stored whole response body; null when none was stored */
  body?: AttemptBody | null;
}

export interface AttemptBody {
  bytes: number;
  sha256: string;
  contentType: string | null;
  truncated: boolean;
  /** the API path, `/v1/runs/{id}/attempts/{n}/body` (the console fetches it through /api) */
  href: string;
}

export interface Run extends RunSummary {
  attempts: Attempt[];
}

export interface AuditEvent {
  version: number;
  type: string;
  eventId: string;
  occurredAt: string;
  actor: string;
  correlationId: string;
  data: Record<string, unknown>;
}

export interface JobOverview {
  job: Job;
  nextFire: { at: string; local: string } | null;
  recentRuns: RunSummary[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ProblemDetails {
  status: number;
  title: string;
  detail?: string;
  errors?: { path: string; message: string }[];
}
