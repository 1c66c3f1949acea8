/** Create/edit a job; the API's problem `errors[].path` are shown next to their fields. */
import { useNavigate } from "@solidjs/router";
import { createSignal, For, type JSX, Show } from "solid-js";
import { createStore } from "solid-js/store";
import { ApiError, api, fieldErrors } from "../lib/api";
import { definitionFromForm, fieldForPath, type JobFormFields, scheduleFromForm } from "../lib/job-form";
import type { FormFieldErrors } from "../lib/schedule-preview";
import type { Job } from "../lib/types";
import { NextRuns } from "./NextRuns";

const SCHEDULE_FIELDS: readonly (keyof JobFormFields)[] = [
  "scheduleType",
  "expression",
  "timezone",
  "everySeconds",
  "at",
];

export function JobForm(props: { initial: JobFormFields; job?: Job }) {
  const navigate = useNavigate();
  const [form, setForm] = createStore<JobFormFields>({ ...props.initial });
  const [errors, setErrors] = createSignal<Partial<Record<keyof JobFormFields, string>>>({});
  const [general, setGeneral] = createSignal<string[]>([]);
  const [saving, setSaving] = createSignal(false);
  // live errors of the schedule preview; they replace the last submit's errors on schedule fields
  const [previewErrors, setPreviewErrors] = createSignal<FormFieldErrors>({});
  const errorFor = (name: keyof JobFormFields) => errors()[name] ?? previewErrors()[name];
  const showPreviewErrors = (fields: FormFieldErrors) => {
    setPreviewErrors(fields);
    const rest = { ...errors() };
    for (const name of SCHEDULE_FIELDS) delete rest[name];
    setErrors(rest);
  };

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setSaving(true);
    setErrors({});
    setGeneral([]);
    try {
      const body = definitionFromForm(form);
      const job = props.job
        ? await api<Job>(`/api/v1/jobs/${props.job.id}`, {
            method: "PATCH",
            json: body,
            headers: { "if-match": `"${props.job.version}"` },
          })
        : await api<Job>("/api/v1/jobs", { method: "POST", json: body });
      navigate(`/jobs/${job.id}`);
    } catch (error) {
      if (error instanceof ApiError) {
        const byField: Partial<Record<keyof JobFormFields, string>> = {};
        const rest: string[] = [];
        for (const [path, message] of Object.entries(fieldErrors(error.problem))) {
          const field = fieldForPath(path);
          if (field) byField[field] = byField[field] ? `${byField[field]}; ${message}` : message;
          else rest.push(path === "_" ? message : `${path}: ${message}`);
        }
        setErrors(byField);
        if (rest.length === 0 && Object.keys(byField).length === 0) rest.push(error.message);
        setGeneral(rest);
      } else {
        setGeneral([String(error)]);
      }
    } finally {
      setSaving(false);
    }
  };

  const field = (name: keyof JobFormFields, label: string, input: JSX.Element) => (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is passed in as `input` and nests inside
    <label>
      {label}
      {input}
      <Show when={errorFor(name)}>
        <span class="field-error" id={`${name}-error`} role="alert">
          {errorFor(name)}
        </span>
      </Show>
    </label>
  );
  const text = (name: keyof JobFormFields, attrs: JSX.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <input
      name={name}
      value={form[name]}
      aria-invalid={errorFor(name) ? "true" : undefined}
      aria-describedby={errorFor(name) ? `${name}-error` : undefined}
      onInput={(e) => setForm(name, e.currentTarget.value)}
      {...attrs}
    />
  );

  return (
    <form class="form" onSubmit={submit} noValidate>
      <Show when={general().length}>
        <div class="state state-error" role="alert">
          <For each={general()}>{(m) => <div>{m}</div>}</For>
        </div>
      </Show>
      {field("name", "Name", text("name"))}
      {field("description", "Description", text("description"))}
      <div class="grid2">
        {field(
          "method",
          "Method",
          <select
            name="method"
            value={form.method}
            onChange={(e) => setForm("method", e.currentTarget.value)}
          >
            <For each={["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]}>{(m) => <option>{m}</option>}</For>
          </select>,
        )}
        {field("url", "Target URL", text("url", { type: "url", placeholder: "https://example.com/hook" }))}
      </div>
      {field(
        "body",
        "Request body",
        <textarea
          name="body"
          rows="3"
          value={form.body}
          onInput={(e) => setForm("body", e.currentTarget.value)}
        />,
      )}
      <div class="grid2">
        {field(
          "scheduleType",
          "Schedule",
          <select
            name="scheduleType"
            value={form.scheduleType}
            onChange={(e) => setForm("scheduleType", e.currentTarget.value as JobFormFields["scheduleType"])}
          >
            <option value="cron">cron</option>
            <option value="rate">every N seconds</option>
            <option value="once">once</option>
          </select>,
        )}
        <Show when={form.scheduleType === "cron"}>
          {field("expression", "Cron expression", text("expression"))}
          {field("timezone", "Time zone (IANA)", text("timezone"))}
        </Show>
        <Show when={form.scheduleType === "rate"}>
          {field("everySeconds", "Every (seconds)", text("everySeconds", { inputmode: "numeric" }))}
        </Show>
        <Show when={form.scheduleType === "once"}>
          {field("at", "At (ISO instant)", text("at", { placeholder: "2030-01-01T09:00:00Z" }))}
        </Show>
      </div>
      <NextRuns schedule={() => scheduleFromForm(form)} onFieldErrors={showPreviewErrors} />
      <div class="grid2">
        {field("timeoutMs", "Timeout (ms)", text("timeoutMs", { inputmode: "numeric" }))}
        {field("maxAttempts", "Max attempts", text("maxAttempts", { inputmode: "numeric" }))}
      </div>
      {field("tags", "Tags (comma separated)", text("tags"))}
      <div class="actions">
        <button type="submit" disabled={saving()}>
          {saving() ? "Saving…" : props.job ? "Save changes" : "Create job"}
        </button>
      </div>
    </form>
  );
}
