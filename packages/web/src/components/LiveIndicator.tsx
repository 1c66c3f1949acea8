import { liveConnected } from "../lib/live";

export function LiveIndicator() {
  return (
    <span class={`live ${liveConnected() ? "live-on" : "live-off"}`} role="status" aria-live="polite">
      {liveConnected() ? "● Live" : "○ Live feed disconnected"}
    </span>
  );
}
