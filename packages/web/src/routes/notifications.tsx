/**
 * Notifications: the delivery log (paged, newest first) and the notification preferences
 * (list, create, delete, and "Notify this browser" for Web Push).
 */
import { createResource, createSignal, For, Show } from "solid-js";
import { AsyncState, actionError } from "../components/AsyncState";
import { DeliveryLog } from "../components/DeliveryLog";
import { PreferenceForm } from "../components/PreferenceForm";
import { api } from "../lib/api";
import { formatTime } from "../lib/format";
import { channelInWords, type Delivery, type Preference, scopeInWords } from "../lib/notifications";
import { pushSupported, subscribeThisBrowser } from "../lib/push";
import { keepFresh } from "../lib/refresh";
import type { Page } from "../lib/types";

const PAGE_SIZE = 25;

function Deliveries() {
  // cursors of the pages before the current one; the current page's cursor is last
  const [cursors, setCursors] = createSignal<(string | null)[]>([null]);
  const current = () => cursors()[cursors().length - 1] ?? null;
  const [page, { refetch }] = createResource(
    () => ({ cursor: current() }),
    ({ cursor }) => {
      const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (cursor) q.set("cursor", cursor);
      return api<Page<Delivery>>(`/api/v1/notifications?${q}`);
    },
  );
  keepFresh(page, refetch);
  return (
    <section aria-labelledby="deliveries-h">
      <h2 id="deliveries-h">Delivery log</h2>
      <div class="toolbar">
        <button type="button" class="secondary" onClick={() => void refetch()}>
          Refresh
        </button>
        <button
          type="button"
          class="secondary"
          disabled={cursors().length < 2}
          onClick={() => setCursors((cs) => cs.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          class="secondary"
          disabled={!page.latest?.nextCursor}
          onClick={() => {
            const next = page.latest?.nextCursor;
            if (next) setCursors((cs) => [...cs, next]);
          }}
        >
          Older
        </button>
        <span class="muted">page {cursors().length}</span>
      </div>
      <AsyncState
        resource={page}
        what="the delivery log"
        isEmpty={(p) => p.items.length === 0}
        empty={<p>No notifications delivered yet.</p>}
      >
        {(p) => <DeliveryLog items={p.items} />}
      </AsyncState>
    </section>
  );
}

function Preferences() {
  const [prefs, { refetch, mutate }] = createResource(() =>
    api<Page<Preference>>("/api/v1/notification-preferences?limit=200"),
  );
  const [message, setMessage] = createSignal<{ error: boolean; text: string } | null>(null);
  const [pushRecipient, setPushRecipient] = createSignal("user:me");
  const [subscribing, setSubscribing] = createSignal(false);

  const added = (p: Preference) => {
    mutate((page) => (page ? { ...page, items: [p, ...page.items] } : page));
    setMessage({ error: false, text: `Preference ${p.id.slice(0, 8)} added.` });
  };
  const remove = async (p: Preference) => {
    if (!confirm(`Delete the preference for ${p.recipient} (${scopeInWords(p.scope)})?`)) return;
    try {
      await api(`/api/v1/notification-preferences/${p.id}`, { method: "DELETE" });
      mutate((page) => (page ? { ...page, items: page.items.filter((x) => x.id !== p.id) } : page));
      setMessage({ error: false, text: `Preference ${p.id.slice(0, 8)} deleted.` });
    } catch (error) {
      setMessage({ error: true, text: actionError(error, "Delete") });
    }
  };
  const notifyThisBrowser = async () => {
    setSubscribing(true);
    try {
      added(await subscribeThisBrowser(pushRecipient()));
    } catch (error) {
      setMessage({ error: true, text: actionError(error, "Subscribing this browser") });
    } finally {
      setSubscribing(false);
    }
  };

  return (
    <section aria-labelledby="prefs-h">
      <h2 id="prefs-h">Preferences</h2>
      <Show when={message()}>
        {(m) => (
          <p class={m().error ? "state state-error" : "muted"} role={m().error ? "alert" : "status"}>
            {m().text}
          </p>
        )}
      </Show>
      <AsyncState
        resource={prefs}
        what="notification preferences"
        isEmpty={(p) => p.items.length === 0}
        empty={<p>No notification preferences yet: nobody is notified.</p>}
      >
        {(page) => (
          <table>
            <thead>
              <tr>
                <th>Recipient</th>
                <th>Scope</th>
                <th>Kinds</th>
                <th>Channels</th>
                <th class="hide-narrow">Updated</th>
                <th>
                  <span class="muted">actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={page.items}>
                {(p) => (
                  <tr data-preference-id={p.id}>
                    <td>{p.recipient}</td>
                    <td>{scopeInWords(p.scope)}</td>
                    <td>{p.kinds.join(", ")}</td>
                    <td>{p.channels.map(channelInWords).join("; ")}</td>
                    <td class="hide-narrow">{formatTime(p.updatedAt)}</td>
                    <td>
                      <button type="button" class="danger" onClick={() => void remove(p)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        )}
      </AsyncState>
      <div class="toolbar">
        <button type="button" class="secondary" onClick={() => void refetch()}>
          Refresh
        </button>
      </div>
      <h3>Notify this browser</h3>
      <div class="toolbar">
        <label>
          Recipient
          <input
            name="push-recipient"
            value={pushRecipient()}
            onInput={(e) => setPushRecipient(e.currentTarget.value)}
          />
        </label>
        <button
          type="button"
          disabled={subscribing() || !pushSupported()}
          onClick={() => void notifyThisBrowser()}
        >
          {subscribing() ? "Subscribing…" : "Notify this browser"}
        </button>
        <Show when={!pushSupported()}>
          <span class="muted">This browser does not support Web Push.</span>
        </Show>
      </div>
      <h3>New preference</h3>
      <PreferenceForm onCreated={added} />
    </section>
  );
}

export default function NotificationsPage() {
  return (
    <>
      <h1>Notifications</h1>
      <Deliveries />
      <Preferences />
    </>
  );
}
