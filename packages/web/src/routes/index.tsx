/** Jobs: status, schedule in words, next run, last result, recent history; search and filters. */
import { A, useSearchParams } from "@solidjs/router";
import { createResource, For, Show } from "solid-js";
import { AsyncState } from "../components/AsyncState";
import { RunHistory } from "../components/RunHistory";
import { StatusBadge } from "../components/StatusBadge";
import { api } from "../lib/api";
import { formatTime, scheduleInWords } from "../lib/format";
import { keepFresh } from "../lib/refresh";
import type { JobOverview, Page } from "../lib/types";

export default function JobsPage() {
  const [params, setParams] = useSearchParams<{ q?: string; tag?: string; status?: string }>();
  const query = () => {
    const s = new URLSearchParams();
    if (params.q) s.set("q", params.q);
    if (params.tag) s.set("tag", params.tag);
    if (params.status) s.set("status", params.status);
    return s.toString();
  };
  const [jobs, { refetch }] = createResource(query, (q) => api<Page<JobOverview>>(`/api/console/jobs?${q}`));
  keepFresh(jobs, refetch);

  return (
    <>
      <h1>Jobs</h1>
      <form class="toolbar" aria-label="Filter jobs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input
            name="q"
            type="search"
            value={params.q ?? ""}
            placeholder="name contains…"
            onInput={(e) => setParams({ q: e.currentTarget.value || undefined })}
          />
        </label>
        <label>
          Tag
          <input
            name="tag"
            value={params.tag ?? ""}
            onChange={(e) => setParams({ tag: e.currentTarget.value || undefined })}
          />
        </label>
        <label>
          Status
          <select name="status" onChange={(e) => setParams({ status: e.currentTarget.value || undefined })}>
            <option value="" selected={!params.status}>
              any
            </option>
            <option value="active" selected={params.status === "active"}>
              active
            </option>
            <option value="paused" selected={params.status === "paused"}>
              paused
            </option>
          </select>
        </label>
        <A class="button" href="/jobs/new">
          New job
        </A>
      </form>
      <AsyncState
        resource={jobs}
        what="jobs"
        isEmpty={(p) => p.items.length === 0}
        empty={
          <p>
            No jobs match. <A href="/jobs/new">Create a job</A>.
          </p>
        }
      >
        {(page) => (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Status</th>
                <th>Schedule</th>
                <th class="hide-narrow">Next run</th>
                <th class="hide-narrow">Last result</th>
                <th class="hide-narrow">History</th>
              </tr>
            </thead>
            <tbody>
              <For each={page.items}>
                {(row) => (
                  <tr data-job-id={row.job.id}>
                    <td>
                      <A href={`/jobs/${row.job.id}`}>{row.job.name}</A>
                      <Show when={row.job.tags.length}>
                        <div class="muted">{row.job.tags.join(", ")}</div>
                      </Show>
                    </td>
                    <td>
                      <StatusBadge status={row.job.status} />
                    </td>
                    <td>{scheduleInWords(row.job.schedule)}</td>
                    <td class="hide-narrow">
                      {row.job.status === "paused" ? "paused" : row.nextFire ? row.nextFire.local : "—"}
                    </td>
                    <td class="hide-narrow">
                      <Show when={row.recentRuns[0]} fallback="never ran">
                        {(last) => (
                          <A href={`/runs/${last().runId}`}>
                            <StatusBadge status={last().status} />{" "}
                            <span class="muted">{formatTime(last().finishedAt ?? last().createdAt)}</span>
                          </A>
                        )}
                      </Show>
                    </td>
                    <td class="hide-narrow">
                      <RunHistory runs={row.recentRuns} />
                    </td>
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
