/** A job's audit trail: its events (who, what, when, correlation id), its state at a version or time, a diff. */
import { createResource, createSignal, For, Show } from "solid-js";
import { api } from "../lib/api";
import { formatTime } from "../lib/format";
import type { AuditEvent } from "../lib/types";
import { AsyncState, errorMessage } from "./AsyncState";

export function JobAudit(props: { jobId: string; version: number }) {
  const [events] = createResource(
    () => props.jobId,
    (id) => api<{ items: AuditEvent[] }>(`/api/v1/jobs/${id}/events?limit=500`),
  );
  const [at, setAt] = createSignal("");
  const [stateOut, setStateOut] = createSignal<string>("");
  const [from, setFrom] = createSignal("1");
  const [to, setTo] = createSignal(String(props.version));
  const [diffOut, setDiffOut] = createSignal<string>("");

  const showState = async (e: SubmitEvent) => {
    e.preventDefault();
    const v = at().trim();
    const q = /^\d+$/.test(v) ? `version=${v}` : `at=${encodeURIComponent(v)}`;
    try {
      setStateOut(JSON.stringify(await api(`/api/v1/jobs/${props.jobId}/state?${q}`), null, 2));
    } catch (error) {
      setStateOut(errorMessage(error, "the job's state at that point"));
    }
  };
  const showDiff = async (e: SubmitEvent) => {
    e.preventDefault();
    try {
      const q = `from=${encodeURIComponent(from())}&to=${encodeURIComponent(to())}`;
      setDiffOut(JSON.stringify(await api(`/api/v1/jobs/${props.jobId}/diff?${q}`), null, 2));
    } catch (error) {
      setDiffOut(errorMessage(error, "the difference between versions"));
    }
  };

  return (
    <>
      <AsyncState resource={events} what="audit events" isEmpty={(p) => p.items.length === 0}>
        {(page) => (
          <table aria-label="audit trail">
            <thead>
              <tr>
                <th>v</th>
                <th>Event</th>
                <th>Actor</th>
                <th>When</th>
                <th class="hide-narrow">Correlation id</th>
              </tr>
            </thead>
            <tbody>
              <For each={[...page.items].reverse()}>
                {(ev) => (
                  <tr>
                    <td>{ev.version}</td>
                    <td>
                      <details>
                        <summary>{ev.type}</summary>
                        <pre>{JSON.stringify(ev.data, null, 2)}</pre>
                      </details>
                    </td>
                    <td>{ev.actor}</td>
                    <td>{formatTime(ev.occurredAt)}</td>
                    <td class="hide-narrow">
                      <code>{ev.correlationId}</code>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        )}
      </AsyncState>
      <div class="grid2" style={{ "margin-top": "12px" }}>
        <form class="card" onSubmit={showState}>
          <h3>State at a version or time</h3>
          <div class="toolbar">
            <label>
              Version or ISO time
              <input name="at" value={at()} onInput={(e) => setAt(e.currentTarget.value)} placeholder="3" />
            </label>
            <button type="submit">Show state</button>
          </div>
          <Show when={stateOut()}>
            <pre>{stateOut()}</pre>
          </Show>
        </form>
        <form class="card" onSubmit={showDiff}>
          <h3>Difference between versions</h3>
          <div class="toolbar">
            <label>
              From
              <input
                name="diff-from"
                value={from()}
                size="4"
                onInput={(e) => setFrom(e.currentTarget.value)}
              />
            </label>
            <label>
              To
              <input name="diff-to" value={to()} size="4" onInput={(e) => setTo(e.currentTarget.value)} />
            </label>
            <button type="submit">Diff</button>
          </div>
          <Show when={diffOut()}>
            <pre>{diffOut()}</pre>
          </Show>
        </form>
      </div>
    </>
  );
}
