/** Runs, newest first, filterable by status and creation time; refreshed by the live feed. */
import { A } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { api } from "../lib/api";
import { formatTime } from "../lib/format";
import { keepFresh } from "../lib/refresh";
import type { Page, RunSummary } from "../lib/types";
import { AsyncState } from "./AsyncState";
import { StatusBadge } from "./StatusBadge";

const STATUSES = [
  "queued",
  "running",
  "retry-scheduled",
  "succeeded",
  "dead-lettered",
  "cancelled",
  "skipped",
];

/** datetime-local value ("2026-11-23T10:00") read as UTC → ISO instant */
const toIso = (local: string) => (local ? new Date(`${local}:00Z`).toISOString() : "");

export function RunsTable(props: { jobId?: string; showJob?: boolean }) {
  const [status, setStatus] = createSignal("");
  const [from, setFrom] = createSignal("");
  const [to, setTo] = createSignal("");
  const query = () => {
    const s = new URLSearchParams({ limit: "50" });
    if (props.jobId) s.set("jobId", props.jobId);
    if (status()) s.set("status", status());
    if (from()) s.set("from", toIso(from()));
    if (to()) s.set("to", toIso(to()));
    return s.toString();
  };
  const [runs, { refetch }] = createResource(query, (q) => api<Page<RunSummary>>(`/api/v1/runs?${q}`));
  keepFresh(runs, refetch);

  return (
    <>
      <div class="toolbar">
        <label>
          Status
          <select name="run-status" onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">any</option>
            <For each={STATUSES}>{(s) => <option value={s}>{s}</option>}</For>
          </select>
        </label>
        <label>
          From (UTC)
          <input type="datetime-local" name="from" onChange={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          To (UTC)
          <input type="datetime-local" name="to" onChange={(e) => setTo(e.currentTarget.value)} />
        </label>
        <button type="button" class="secondary" onClick={() => void refetch()}>
          Refresh
        </button>
      </div>
      <AsyncState resource={runs} what="runs" isEmpty={(p) => p.items.length === 0}>
        {(page) => (
          <table>
            <thead>
              <tr>
                <th>Run</th>
                <Show when={props.showJob}>
                  <th class="hide-narrow">Job</th>
                </Show>
                <th>Status</th>
                <th class="hide-narrow">Trigger</th>
                <th>Created</th>
                <th class="hide-narrow">Attempts</th>
                <th class="hide-narrow">Last code / error</th>
              </tr>
            </thead>
            <tbody>
              <For each={page.items}>
                {(run) => (
                  <tr data-run-id={run.runId}>
                    <td>
                      <A href={`/runs/${run.runId}`}>{run.runId.slice(0, 8)}</A>
                    </td>
                    <Show when={props.showJob}>
                      <td class="hide-narrow">
                        <A href={`/jobs/${run.jobId}`}>{run.jobId.slice(0, 8)}</A>
                      </td>
                    </Show>
                    <td>
                      <StatusBadge status={run.status} />
                      <Show when={run.skipReason}>
                        <span class="muted"> ({run.skipReason})</span>
                      </Show>
                    </td>
                    <td class="hide-narrow">{run.trigger}</td>
                    <td>{formatTime(run.createdAt)}</td>
                    <td class="hide-narrow">{run.attempt}</td>
                    <td class="hide-narrow">{run.lastStatusCode ?? run.lastError ?? "—"}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        )}
      </AsyncState>
    </>
  );
}
