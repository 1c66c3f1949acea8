/**
 * Keeps a resource fresh: refetch after live-feed changes (coalesced: at most one refetch a
 * second, and one more shortly after, since read models trail the events that announce them),
 * and every few seconds as a fallback while the feed is down. A refetch never starts while the
 * resource is still loading: restarting a pending first load would keep a page navigation
 * (a router transition) waiting for ever under a busy feed.
 */
import { createEffect, on, onCleanup, type Resource } from "solid-js";
import { liveConnected, liveTick } from "./live";

export function keepFresh(resource: Resource<unknown>, refetch: () => unknown, fallbackMs = 5000): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pendingAgain = false;
  const fire = () => {
    timer = undefined;
    if (!resource.loading) void refetch();
    if (pendingAgain) {
      pendingAgain = false;
      timer = setTimeout(fire, 1000);
    }
  };
  createEffect(
    on(
      liveTick,
      () => {
        if (timer) pendingAgain = true;
        else timer = setTimeout(fire, 250);
      },
      { defer: true },
    ),
  );
  const poll = setInterval(() => {
    if (!liveConnected() && !resource.loading) void refetch();
  }, fallbackMs);
  onCleanup(() => {
    clearInterval(poll);
    clearTimeout(timer);
  });
}
