/**
 * System status (consumer lag, schedule lag, throughput, dependencies, parked records) from
 * /v1/system/status, and the parked change records with their retry.
 */
import { createResource, For, onCleanup } from "solid-js";
import { AsyncState } from "../components/AsyncState";
import { JsonView } from "../components/JsonView";
import { ParkedRecords } from "../components/ParkedRecords";
import { api } from "../lib/api";

export default function SystemPage() {
  const [status, { refetch }] = createResource(() => api<Record<string, unknown>>("/api/v1/system/status"));
  const timer = setInterval(() => void refetch(), 5000);
  onCleanup(() => clearInterval(timer));
  return (
    <>
      <h1>System</h1>
      <ParkedRecords />
      <AsyncState resource={status} what="the system status">
        {(s) => (
          <div class="grid2">
            <For each={Object.entries(s)}>
              {([key, value]) => (
                <section class="card">
                  <h2>{key}</h2>
                  <JsonView value={value} />
                </section>
              )}
            </For>
          </div>
        )}
      </AsyncState>
    </>
  );
}
