/**
 * "Next runs" of the schedule being edited: asks `POST /api/v1/schedules/preview` (proxied to
 * the API's `/v1/schedules/preview`) and turns its 422 field paths into the job form's fields.
 */
import { ApiError, api, fieldErrors } from "./api";
import { fieldForPath, type JobFormFields } from "./job-form";

export interface PreviewedFire {
  at: string;
  local: string;
  note?: string;
}

export interface SchedulePreviewResult {
  fires: PreviewedFire[];
}

/** How many upcoming runs the form shows. */
export const NEXT_RUNS_COUNT = 5;

export type SchedulePreviewer = (
  schedule: Record<string, unknown>,
  signal: AbortSignal,
) => Promise<SchedulePreviewResult>;

export const previewSchedule: SchedulePreviewer = (schedule, signal) =>
  api<SchedulePreviewResult>("/api/v1/schedules/preview", {
    method: "POST",
    json: { schedule, count: NEXT_RUNS_COUNT },
    signal,
  });

export type FormFieldErrors = Partial<Record<keyof JobFormFields, string>>;

/** What a failed preview says: errors per form field, and whatever has no field. */
export function previewProblem(error: unknown): { fields: FormFieldErrors; other: string[] } {
  if (!(error instanceof ApiError)) return { fields: {}, other: [String(error)] };
  if (error.status !== 422) return { fields: {}, other: [`Preview unavailable: ${error.message}`] };
  const fields: FormFieldErrors = {};
  const other: string[] = [];
  for (const [path, message] of Object.entries(fieldErrors(error.problem))) {
    const field = fieldForPath(path);
    if (field) fields[field] = fields[field] ? `${fields[field]}; ${message}` : message;
    else other.push(path === "_" ? message : message.includes(path) ? message : `${path}: ${message}`);
  }
  if (other.length === 0 && Object.keys(fields).length === 0) other.push(error.message);
  return { fields, other };
}
