/** The job form's flat fields ⇄ the API's job definition (pure, unit-tested). */
import { parseTags } from "./format";
import type { Job } from "./types";

export interface JobFormFields {
  name: string;
  description: string;
  method: string;
  url: string;
  body: string;
  timeoutMs: string;
  scheduleType: "cron" | "rate" | "once";
  expression: string;
  timezone: string;
  everySeconds: string;
  at: string;
  maxAttempts: string;
  tags: string;
}

export const emptyForm = (): JobFormFields => ({
  name: "",
  description: "",
  method: "POST",
  url: "",
  body: "",
  timeoutMs: "10000",
  scheduleType: "cron",
  expression: "*/5 * * * *",
  timezone: "UTC",
  everySeconds: "300",
  at: "",
  maxAttempts: "3",
  tags: "",
});

export function formFromJob(job: Job): JobFormFields {
  const s = job.schedule;
  return {
    ...emptyForm(),
    name: job.name,
    description: job.description ?? "",
    method: job.request.method,
    url: job.request.url,
    body: job.request.body ?? "",
    timeoutMs: String(job.request.timeoutMs),
    scheduleType: s.type,
    expression: s.type === "cron" ? s.expression : "*/5 * * * *",
    timezone: s.type === "cron" ? s.timezone : "UTC",
    everySeconds: s.type === "rate" ? String(s.everySeconds) : "300",
    at: s.type === "once" ? s.at : "",
    maxAttempts: String(job.retry.maxAttempts),
    tags: job.tags.join(", "),
  };
}

/** Numbers are sent as typed when not numeric, so the API's validation names the field. */
const num = (text: string): number | string => (/^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text);

export function scheduleFromForm(f: JobFormFields): Record<string, unknown> {
  if (f.scheduleType === "cron")
    return { type: "cron", expression: f.expression.trim(), timezone: f.timezone.trim() };
  if (f.scheduleType === "rate") return { type: "rate", everySeconds: num(f.everySeconds) };
  return { type: "once", at: f.at.trim() };
}

export function definitionFromForm(f: JobFormFields): Record<string, unknown> {
  const hasBody = f.method !== "GET" && f.method !== "HEAD" && f.body !== "";
  return {
    name: f.name.trim(),
    description: f.description.trim() || null,
    request: {
      method: f.method,
      url: f.url.trim(),
      body: hasBody ? f.body : null,
      timeoutMs: num(f.timeoutMs),
    },
    schedule: scheduleFromForm(f),
    retry: { maxAttempts: num(f.maxAttempts) },
    tags: parseTags(f.tags),
  };
}

/** Which form field shows an error reported at an API path. */
export function fieldForPath(path: string): keyof JobFormFields | undefined {
  const map: Record<string, keyof JobFormFields> = {
    name: "name",
    description: "description",
    "request.method": "method",
    "request.url": "url",
    "request.body": "body",
    "request.timeoutMs": "timeoutMs",
    "schedule.expression": "expression",
    "schedule.timezone": "timezone",
    "schedule.everySeconds": "everySeconds",
    "schedule.at": "at",
    schedule: "expression",
    "retry.maxAttempts": "maxAttempts",
    tags: "tags",
  };
  if (map[path]) return map[path];
  if (path.startsWith("tags.")) return "tags";
  if (path.startsWith("request.headers")) return "url";
  return undefined;
}
