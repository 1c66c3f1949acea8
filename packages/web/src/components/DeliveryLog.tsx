/**
 * The notification delivery log as a table: one row per notification and channel with its
 * final status, time, job/run links, recipient, destination, attempts and error. Pure rendering
 * of a given list (plain links: the router handles same-origin anchors).
 */
import { For, Show } from "solid-js";
import { formatTime } from "../lib/format";
import type { Delivery } from "../lib/notifications";

export function DeliveryLog(props: { items: Delivery[] }) {
  return (
    <table class="delivery-log">
      <thead>
        <tr>
          <th>Time</th>
          <th>Status</th>
          <th>Channel</th>
          <th>Kind</th>
          <th>Job / run</th>
          <th class="hide-narrow">Recipient</th>
          <th class="hide-narrow">Destination</th>
          <th class="hide-narrow">Attempts</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        <For each={props.items}>
          {(d) => (
            <tr data-delivery-id={d.id} data-status={d.status}>
              <td>{formatTime(d.at)}</td>
              <td>
                <span class={`badge badge-${d.status === "sent" ? "succeeded" : "dead-lettered"}`}>
                  {d.status}
                </span>
              </td>
              <td>{d.channel}</td>
              <td>{d.kind}</td>
              <td>
                <a href={`/jobs/${d.jobId}`}>job {d.jobId.slice(0, 8)}</a>
                <Show when={d.runId}>
                  {(runId) => (
                    <>
                      {" · "}
                      <a href={`/runs/${runId()}`}>run {runId().slice(0, 8)}</a>
                    </>
                  )}
                </Show>
              </td>
              <td class="hide-narrow">{d.recipient}</td>
              <td class="hide-narrow">{d.destination}</td>
              <td class="hide-narrow">{d.attempts}</td>
              <td>{d.error ?? "—"}</td>
            </tr>
          )}
        </For>
      </tbody>
    </table>
  );
}
