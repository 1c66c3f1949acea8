/** A batch of change-feed events grouped by stream: streams in the order they first appear, each stream's events in batch order. */
import type { DecodedEvent } from "@jobledger/events";

export function groupByStream(events: readonly DecodedEvent[]): Map<string, DecodedEvent[]> {
  const streams = new Map<string, DecodedEvent[]>();
  for (const event of events) {
    const list = streams.get(event.streamId);
    if (list) list.push(event);
    else streams.set(event.streamId, [event]);
  }
  return streams;
}
