/**
 * The notifier's rules, pure: which events are worth a notification, which preferences
 * want one, whether quiet hours hold it back, and what the message says.
 */
import type { DecodedEvent, NotificationChannelType } from "@jobledger/events";
import type { ChannelConfig, NotificationKind, NotificationPreference, QuietHours } from "./preferences.ts";

/** The last outcome the notifier saw for a job (for `job.recovered`). */
export type JobOutcome = "ok" | "failing";

export interface Classified {
  /** null: nothing to tell anybody */
  kind: NotificationKind | null;
  /** the job's outcome after this event; null = unchanged */
  outcome: JobOutcome | null;
}

/**
 * What a run event means for notifications. `run.failed` is any failed attempt (also the
 * ones that will be retried); `job.recovered` is a success after at least one failure.
 */
export function classify(type: DecodedEvent["type"], previous: JobOutcome | null): Classified {
  switch (type) {
    case "AttemptFailed":
    case "AttemptTimedOut":
      return { kind: "run.failed", outcome: "failing" };
    case "RunDeadLettered":
      return { kind: "run.dead_lettered", outcome: "failing" };
    case "RunSucceeded":
      return { kind: previous === "failing" ? "job.recovered" : null, outcome: "ok" };
    case "RunSkipped":
      return { kind: "run.skipped", outcome: null };
    default:
      return { kind: null, outcome: null };
  }
}

export interface JobFacts {
  jobId: string;
  tags: readonly string[];
}

export function wants(preference: NotificationPreference, kind: NotificationKind, job: JobFacts): boolean {
  if (!preference.kinds.includes(kind)) return false;
  const scope = preference.scope;
  if (scope.type === "job") return scope.jobId === job.jobId;
  if (scope.type === "tag") return job.tags.includes(scope.tag);
  return true;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return h * 60 + m;
};

/** True when `at` falls inside the daily quiet window in its time zone (end exclusive). */
export function inQuietHours(quiet: QuietHours | null, at: Date): boolean {
  if (!quiet) return false;
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: quiet.timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === "hour")?.value);
  const minute = Number(parts.find((p) => p.type === "minute")?.value);
  const now = hour * 60 + minute;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return false;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** What every channel renders, in its own format. */
export interface NotificationMessage {
  kind: NotificationKind;
  tenant: string;
  jobId: string;
  jobName: string | null;
  runId: string | null;
  title: string;
  /** error or reason, when there is one */
  detail: string | null;
  /** the console page of the run (or job) */
  link: string;
  occurredAt: string;
  sourceEventId: string;
}

const TITLES: Record<NotificationKind, string> = {
  "run.failed": "Run failed",
  "run.dead_lettered": "Run dead-lettered",
  "job.recovered": "Job recovered",
  "run.skipped": "Run skipped",
};

export function detailOf(event: DecodedEvent): string | null {
  const data = event.data as unknown as Record<string, unknown>;
  switch (event.type) {
    case "AttemptFailed":
      return `attempt ${data.attempt}: ${data.errorClass}${data.status === null ? "" : ` ${data.status}`} ${data.message}`.trim();
    case "AttemptTimedOut":
      return `attempt ${data.attempt} timed out (deadline ${data.deadline})`;
    case "RunDeadLettered":
      return `${data.reason} after ${data.attempts} attempt(s): ${data.lastError}`;
    case "RunSkipped":
      return `${data.reason}: ${data.missedCount} fire(s) skipped`;
    default:
      return null;
  }
}

export function buildMessage(input: {
  event: DecodedEvent;
  kind: NotificationKind;
  jobId: string;
  jobName: string | null;
  runId: string | null;
  consoleUrl: string;
}): NotificationMessage {
  const { event, kind, jobId, jobName, runId } = input;
  const base = input.consoleUrl.replace(/\/+$/, "");
  const job = jobName ? `${jobName} (${jobId})` : jobId;
  return {
    kind,
    tenant: event.tenant,
    jobId,
    jobName,
    runId,
    title: `${TITLES[kind]}: ${job}`,
    detail: detailOf(event),
    link: runId ? `${base}/runs/${encodeURIComponent(runId)}` : `${base}/jobs/${encodeURIComponent(jobId)}`,
    occurredAt: event.occurredAt.toISOString(),
    sourceEventId: event.eventId,
  };
}

/** Where a channel delivers, without secrets (for the delivery log and events). */
export function destinationOf(channel: ChannelConfig): string {
  switch (channel.type) {
    case "email":
      return channel.address;
    case "slack":
    case "teams":
      return originOf(channel.webhookUrl);
    case "webhook":
      return originOf(channel.url);
    case "push":
      return originOf(channel.subscription.endpoint);
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid url)";
  }
}

/** Delay before retry `attempt` (1-based attempt that failed): base × 2^(attempt-1), capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** (attempt - 1));
}

export type { NotificationChannelType };
