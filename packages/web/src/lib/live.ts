/**
 * The live feed: one EventSource on the console server's SSE relay (/api/v1/live). Pages read
 * `liveTick()` to refetch when something changed; `liveConnected()` drives the indicator.
 */
import { createSignal } from "solid-js";

const [connected, setConnected] = createSignal(false);
const [tick, setTick] = createSignal(0);
let source: EventSource | undefined;

/** the `event:` names /v1/live sends (docs/live-status.md) */
export const LIVE_EVENT_TYPES = [
  "JobCreated",
  "JobUpdated",
  "JobPaused",
  "JobResumed",
  "JobDeleted",
  "RunQueued",
  "RunSkipped",
  "AttemptStarted",
  "AttemptSucceeded",
  "AttemptFailed",
  "AttemptTimedOut",
  "RetryScheduled",
  "RunSucceeded",
  "RunDeadLettered",
  "RunCancelled",
  "RunRedriven",
];

export const liveConnected = connected;
export const liveTick = tick;

export function startLive(url = "/api/v1/live"): () => void {
  if (source || typeof EventSource === "undefined") return () => {};
  const es = new EventSource(url);
  source = es;
  es.onopen = () => setConnected(true);
  // a 503 (no Redis) or a closed stream: the browser retries on its own; show it as disconnected meanwhile
  es.onerror = () => setConnected(es.readyState === EventSource.OPEN);
  es.addEventListener("unavailable", () => setConnected(false));
  es.onmessage = () => setTick((n) => n + 1);
  // the feed names each message by its event type (docs/live-status.md)
  for (const name of LIVE_EVENT_TYPES) {
    es.addEventListener(name, () => setTick((n) => n + 1));
  }
  return () => {
    es.close();
    source = undefined;
    setConnected(false);
  };
}
