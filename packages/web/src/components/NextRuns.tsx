/**
 * "Next runs" of a schedule that may not be saved yet, recomputed by the API (debounced) as the
 * schedule changes. Field errors go back to the form (`onFieldErrors`) to show inline; the
 * rest shows here. A newer schedule aborts the request for an older one.
 */
import { createEffect, createSignal, For, on, onCleanup, Show } from "solid-js";
import { formatTime } from "../lib/format";
import {
  type FormFieldErrors,
  type PreviewedFire,
  previewProblem,
  previewSchedule,
  type SchedulePreviewer,
} from "../lib/schedule-preview";

export const NEXT_RUNS_DEBOUNCE_MS = 400;

export function NextRuns(props: {
  schedule: () => Record<string, unknown>;
  onFieldErrors?: (errors: FormFieldErrors) => void;
  previewer?: SchedulePreviewer;
  debounceMs?: number;
}) {
  const [fires, setFires] = createSignal<PreviewedFire[] | null>(null);
  const [other, setOther] = createSignal<string[]>([]);
  const [loading, setLoading] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: AbortController | undefined;

  const run = async (schedule: Record<string, unknown>) => {
    current?.abort();
    const mine = new AbortController();
    current = mine;
    try {
      const result = await (props.previewer ?? previewSchedule)(schedule, mine.signal);
      if (mine.signal.aborted) return;
      setFires(result.fires);
      setOther([]);
      props.onFieldErrors?.({});
    } catch (error) {
      if (mine.signal.aborted) return;
      const problem = previewProblem(error);
      setFires(null);
      setOther(problem.other);
      props.onFieldErrors?.(problem.fields);
    } finally {
      if (current === mine) setLoading(false);
    }
  };

  // keyed on the JSON so an edit that leaves the schedule the same asks nothing
  createEffect(
    on(
      () => JSON.stringify(props.schedule()),
      (key) => {
        clearTimeout(timer);
        setLoading(true);
        timer = setTimeout(() => void run(JSON.parse(key)), props.debounceMs ?? NEXT_RUNS_DEBOUNCE_MS);
      },
    ),
  );
  onCleanup(() => {
    clearTimeout(timer);
    current?.abort();
  });

  return (
    <section class="next-runs" aria-live="polite" aria-busy={loading() ? "true" : undefined}>
      <h2>Next runs</h2>
      <Show when={other().length}>
        <div class="field-error" role="alert">
          <For each={other()}>{(m) => <div>{m}</div>}</For>
        </div>
      </Show>
      <Show
        when={fires()}
        fallback={
          <p class="muted">
            {loading() ? "Computing…" : other().length ? "" : "Fix the schedule to see its next runs."}
          </p>
        }
      >
        {(list) => (
          <Show when={list().length} fallback={<p class="muted">This schedule does not fire again.</p>}>
            <ol class="next-runs-list">
              <For each={list()}>
                {(fire) => (
                  <li>
                    <time datetime={fire.at}>{fire.local}</time>{" "}
                    <span class="muted">({formatTime(fire.at)})</span>
                    <Show when={fire.note}>
                      {" "}
                      <span class="next-runs-note">{fire.note}</span>
                    </Show>
                  </li>
                )}
              </For>
            </ol>
          </Show>
        )}
      </Show>
    </section>
  );
}
