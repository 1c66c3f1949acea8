/**
 * One run: summary, attempt timeline (times, durations, codes, errors, response excerpt and a
 * link to the stored whole body), cancel, redrive.
 */
import { A, useParams } from "@solidjs/router";
import { createEffect, createResource, createSignal, For, Show } from "solid-js";
import { AsyncState, actionError } from "../../components/AsyncState";
import { StatusBadge } from "../../components/StatusBadge";
import { api, apiSettled } from "../../lib/api";
import { formatMs, formatTime } from "../../lib/format";
import { keepFresh } from "../../lib/refresh";
import type { Run } from "../../lib/types";

const FINISHED = ["succeeded", "cancelled", "skipped", "dead-lettered"];

export default function RunPage() {
  const params = useParams<{ id: string }>();
  const [run, { refetch }] = createResource(
    () => params.id,
    (id) => apiSettled<Run>(`/api/v1/runs/${id}`),
  );
  const [notice, setNotice] = createSignal("");
  keepFresh(run, refetch);
  // without the live feed, poll while the run is still in flight
  createEffect(() => {
    const r = run.latest;
    if (r && !FINISHED.includes(r.status)) {
      const timer = setTimeout(() => void refetch(), 1000);
      return () => clearTimeout(timer);
    }
  });

  const act = async (what: string, fn: () => Promise<unknown>) => {
    setNotice("");
    try {
      await fn();
      setNotice(`${what}: done.`);
      await refetch();
    } catch (error) {
      setNotice(actionError(error, what));
    }
  };
  const cancel = () =>
    confirm("Cancel this run? No further attempts will be made.") &&
    act("Cancel", () => api(`/api/v1/runs/${params.id}/cancel`, { method: "POST", json: {} }));
  const redrive = () =>
    act("Redrive", () =>
      api("/api/v1/dead-letters/redrive", { method: "POST", json: { runIds: [params.id] } }),
    );

  return (
    <AsyncState resource={run} what="the run">
      {(r) => (
        <>
          <h1>
            Run {r.runId.slice(0, 8)} <StatusBadge status={r.status} />
          </h1>
          <div class="card">
            <div>
              Job: <A href={`/jobs/${r.jobId}`}>{r.jobId}</A>
            </div>
            <div class="muted">
              trigger {r.trigger} · scheduled for {formatTime(r.scheduledFor)} · created{" "}
              {formatTime(r.createdAt)} · finished {formatTime(r.finishedAt)}
            </div>
            <div class="actions">
              <Show when={!FINISHED.includes(r.status)}>
                <button type="button" class="danger" onClick={cancel}>
                  Cancel run
                </button>
              </Show>
              <Show when={r.status === "dead-lettered"}>
                <button type="button" onClick={redrive}>
                  Redrive
                </button>
              </Show>
            </div>
            <Show when={notice()}>
              <p role="status">{notice()}</p>
            </Show>
          </div>
          <h2>Attempts</h2>
          <Show when={r.attempts.length} fallback={<p class="state">No attempts yet.</p>}>
            <ol class="timeline" aria-label="attempt timeline">
              <For each={r.attempts}>
                {(a) => (
                  <li>
                    <strong>Attempt {a.attempt}</strong> <StatusBadge status={a.outcome ?? "running"} />{" "}
                    <span>{a.statusCode !== null ? `HTTP ${a.statusCode}` : ""}</span>
                    <div class="muted">
                      started {formatTime(a.startedAt)} · finished {formatTime(a.finishedAt)} · took{" "}
                      {formatMs(a.durationMs)}
                      {a.runner ? ` · runner ${a.runner}` : ""}
                    </div>
                    <Show when={a.errorClass || a.message}>
                      <div class="field-error">
                        {a.errorClass} {a.message}
                      </div>
                    </Show>
                    <Show when={a.bodyExcerpt}>
                      <pre>{a.bodyExcerpt}</pre>
                    </Show>
                    <Show when={a.bodyExcerptReplaced}>
                      <div class="muted">
                        the body is not all UTF-8 text: bytes that are not (or NUL) are shown as �; the full
                        body has the exact bytes
                      </div>
                    </Show>
                    <Show when={a.body}>
                      {(body) => (
                        <div>
                          <a href={`/api${body().href}`} target="_blank" rel="noopener noreferrer">
                            full body ({body().bytes} bytes
                            {body().truncated ? ", cut at the runner's limit" : ""})
                          </a>
                        </div>
                      )}
                    </Show>
                  </li>
                )}
              </For>
            </ol>
          </Show>
        </>
      )}
    </AsyncState>
  );
}
