/** One job: definition, next fires, actions (pause/resume/trigger/delete), and tabs for runs and audit. */
import { A, useNavigate, useParams } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { AsyncState, actionError } from "../../../components/AsyncState";
import { JobAudit } from "../../../components/JobAudit";
import { RunsTable } from "../../../components/RunsTable";
import { StatusBadge } from "../../../components/StatusBadge";
import { api, apiSettled } from "../../../lib/api";
import { formatTime, scheduleInWords } from "../../../lib/format";
import { keepFresh } from "../../../lib/refresh";
import type { Job } from "../../../lib/types";

type Tab = "overview" | "runs" | "audit";

interface Preview {
  fires: { at: string; local: string; note?: string }[];
}

export default function JobPage() {
  const params = useParams<{ id: string }>();
  const navigate = useNavigate();
  // the read model trails commands by a moment: never replace a newer version with an older one
  const [job, { refetch, mutate }] = createResource<Job, string>(
    () => params.id,
    async (id): Promise<Job> => {
      const fetched = await apiSettled<Job>(`/api/v1/jobs/${id}`);
      const current: Job | undefined = job.latest;
      return current && current.id === fetched.id && current.version > fetched.version ? current : fetched;
    },
  );
  const [preview, { refetch: refetchPreview }] = createResource(
    () => params.id,
    (id) => api<Preview>(`/api/v1/jobs/${id}/schedule/preview?count=5`),
  );
  const [tab, setTab] = createSignal<Tab>("overview");
  const [notice, setNotice] = createSignal<{ text: string; runId?: string }>();
  keepFresh(job, refetch);

  const act = async (what: string, fn: () => Promise<Job>) => {
    setNotice(undefined);
    try {
      mutate(await fn());
      setNotice({ text: `${what}: done.` });
      await refetchPreview();
    } catch (error) {
      setNotice({ text: actionError(error, what) });
    }
  };
  const trigger = async () => {
    setNotice(undefined);
    try {
      const { runId } = await api<{ runId: string }>(`/api/v1/jobs/${params.id}/runs`, { method: "POST" });
      setNotice({ text: "Run started.", runId });
    } catch (error) {
      setNotice({ text: actionError(error, "Trigger") });
    }
  };
  const remove = async () => {
    if (!confirm("Delete this job? Its history is kept, but it will never run again.")) return;
    try {
      await api(`/api/v1/jobs/${params.id}`, { method: "DELETE" });
      navigate("/");
    } catch (error) {
      setNotice({ text: actionError(error, "Delete") });
    }
  };

  const tabButton = (id: Tab, label: string) => (
    <button
      type="button"
      role="tab"
      id={`tab-${id}`}
      aria-selected={tab() === id}
      aria-controls={`panel-${id}`}
      onClick={() => setTab(id)}
    >
      {label}
    </button>
  );

  return (
    <AsyncState resource={job} what="the job">
      {(j) => (
        <>
          <h1>
            {j.name} <StatusBadge status={j.status} />
          </h1>
          <p class="muted">
            {scheduleInWords(j.schedule)} · {j.request.method} {j.request.url} · version {j.version}
          </p>
          <div class="actions">
            <A class="button" href={`/jobs/${j.id}/edit`}>
              Edit
            </A>
            <Show
              when={j.status === "paused"}
              fallback={
                <button
                  type="button"
                  class="secondary"
                  disabled={j.status === "deleted"}
                  onClick={() =>
                    act("Pause", () => api<Job>(`/api/v1/jobs/${j.id}/pause`, { method: "POST" }))
                  }
                >
                  Pause
                </button>
              }
            >
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  act("Resume", () => api<Job>(`/api/v1/jobs/${j.id}/resume`, { method: "POST" }))
                }
              >
                Resume
              </button>
            </Show>
            <button type="button" disabled={j.status === "deleted"} onClick={trigger}>
              Trigger now
            </button>
            <button type="button" class="danger" disabled={j.status === "deleted"} onClick={remove}>
              Delete
            </button>
          </div>
          <Show when={notice()}>
            {(n) => (
              <p role="status" class="card">
                {n().text}{" "}
                <Show when={n().runId}>
                  <A href={`/runs/${n().runId}`}>Open the run</A>
                </Show>
              </p>
            )}
          </Show>
          <div class="tabs" role="tablist" aria-label="Job sections">
            {tabButton("overview", "Overview")}
            {tabButton("runs", "Runs")}
            {tabButton("audit", "Audit")}
          </div>
          <section id={`panel-${tab()}`} role="tabpanel" aria-labelledby={`tab-${tab()}`}>
            <Show when={tab() === "overview"}>
              <div class="grid2">
                <div class="card">
                  <h3>Next fires</h3>
                  <AsyncState
                    resource={preview}
                    what="the schedule preview"
                    isEmpty={(p) => p.fires.length === 0}
                  >
                    {(p) => (
                      <ol>
                        <For each={p.fires}>
                          {(f) => (
                            <li>
                              {f.local} <span class="muted">({formatTime(f.at)})</span>
                              {f.note ? ` — ${f.note}` : ""}
                            </li>
                          )}
                        </For>
                      </ol>
                    )}
                  </AsyncState>
                </div>
                <div class="card">
                  <h3>Definition</h3>
                  <div class="muted">
                    created {formatTime(j.createdAt)} by {j.createdBy}; updated {formatTime(j.updatedAt)} by{" "}
                    {j.updatedBy}
                  </div>
                  <pre>
                    {JSON.stringify(
                      { request: j.request, retry: j.retry, overlap: j.overlap, tags: j.tags },
                      null,
                      2,
                    )}
                  </pre>
                </div>
              </div>
            </Show>
            <Show when={tab() === "runs"}>
              <RunsTable jobId={j.id} />
            </Show>
            <Show when={tab() === "audit"}>
              <JobAudit jobId={j.id} version={j.version} />
            </Show>
          </section>
        </>
      )}
    </AsyncState>
  );
}
