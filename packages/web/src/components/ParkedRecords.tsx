/**
 * Parked change records (GET /v1/system/parked): what a consumer could not handle, with its
 * error, and a retry after the fix (POST /v1/system/parked/retry). Admins only: others see
 * why the list is not shown.
 */
import { createResource, createSignal, For, Show } from "solid-js";
import { ApiError, api } from "../lib/api";
import { formatTime } from "../lib/format";
import { actionError } from "./AsyncState";

export interface ParkedStream {
  consumer: string;
  streamId: string;
  fromVersion: number;
  toVersion: number;
  error: { name: string; message: string; code: string | null };
  tries: number;
  parkedAt: string;
}

interface RetryResult {
  consumer: string;
  streamId: string;
  status: "released" | "failed" | "not-parked";
  error?: { name: string; message: string };
}

const load = async (): Promise<ParkedStream[] | "forbidden"> => {
  try {
    return (await api<{ items: ParkedStream[] }>("/api/v1/system/parked")).items;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return "forbidden";
    throw error;
  }
};

export function ParkedRecords() {
  const [parked, { refetch }] = createResource(load);
  const [message, setMessage] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const retry = async (body: { consumer?: string; streamId?: string }) => {
    setBusy(true);
    setMessage(null);
    try {
      const { results } = await api<{ results: RetryResult[] }>("/api/v1/system/parked/retry", {
        method: "POST",
        json: body,
      });
      const failed = results.filter((r) => r.status === "failed");
      setMessage(
        failed.length === 0
          ? `Released ${results.length} parked stream${results.length === 1 ? "" : "s"}.`
          : `${failed.length} still parked: ${failed.map((r) => `${r.consumer}: ${r.error?.message}`).join("; ")}`,
      );
    } catch (error) {
      setMessage(actionError(error, "Retry"));
    } finally {
      setBusy(false);
      void refetch();
    }
  };

  return (
    <section class="card" aria-labelledby="parked-heading">
      <h2 id="parked-heading">Parked records</h2>
      <p class="muted">
        Change records a consumer could not handle. Their stream waits behind them; every other stream goes
        on. Fix the cause, then retry.
      </p>
      <Show when={message()}>{(text) => <p role="status">{text()}</p>}</Show>
      <Show when={parked.error}>
        <p role="alert">{actionError(parked.error, "Loading parked records")}</p>
      </Show>
      <Show when={parked.latest === "forbidden"}>
        <p>Only admins can see parked records.</p>
      </Show>
      <Show when={Array.isArray(parked.latest) ? (parked.latest as ParkedStream[]) : null}>
        {(items) => (
          <Show when={items().length > 0} fallback={<p data-testid="parked-none">Nothing is parked.</p>}>
            <button type="button" disabled={busy()} onClick={() => void retry({})}>
              Retry all
            </button>
            <table data-testid="parked-table">
              <thead>
                <tr>
                  <th scope="col">Consumer</th>
                  <th scope="col">Stream</th>
                  <th scope="col">Versions</th>
                  <th scope="col">Error</th>
                  <th scope="col">Parked</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                <For each={items()}>
                  {(p) => (
                    <tr>
                      <td>{p.consumer}</td>
                      <td>
                        <code>{p.streamId}</code>
                      </td>
                      <td>
                        {p.fromVersion}–{p.toVersion}
                      </td>
                      <td>
                        <strong>{p.error.name}</strong>
                        {p.error.code ? ` (${p.error.code})` : ""}: {p.error.message}
                      </td>
                      <td>
                        {formatTime(p.parkedAt)} · {p.tries} {p.tries === 1 ? "try" : "tries"}
                      </td>
                      <td>
                        <button
                          type="button"
                          disabled={busy()}
                          onClick={() => void retry({ consumer: p.consumer, streamId: p.streamId })}
                        >
                          Retry
                        </button>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </Show>
        )}
      </Show>
    </section>
  );
}
