/** A strip of small bars, oldest → newest: green succeeded, red dead-lettered/cancelled, grey otherwise. */
import { For } from "solid-js";
import type { RunSummary } from "../lib/types";

export function RunHistory(props: { runs: RunSummary[] }) {
  const ordered = () => [...props.runs].reverse();
  const ok = () => props.runs.filter((r) => r.status === "succeeded").length;
  const bad = () => props.runs.filter((r) => r.status === "dead-lettered").length;
  return (
    <span
      class="history"
      role="img"
      aria-label={`last ${props.runs.length} runs: ${ok()} succeeded, ${bad()} failed`}
    >
      <For each={ordered()}>
        {(run) => (
          <span
            class={run.status === "succeeded" ? "ok" : run.status === "dead-lettered" ? "bad" : ""}
            title={`${run.status} ${run.createdAt}`}
          />
        )}
      </For>
    </span>
  );
}
