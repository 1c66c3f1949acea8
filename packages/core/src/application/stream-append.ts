/**
 * What every command service does around its pure `decide`: read a stream, and append the
 * decided events with the envelope of the command (who, why, when) at the version read.
 */
import type { DecodedEvent, EventDataMap, EventType, NewEvent } from "@jobledger/events";
import { type EventStore, VersionConflict } from "../ports/event-store.ts";
import { ConcurrentModification } from "./errors.ts";

/** Who asks and why: carried into every event's envelope. */
export interface CommandMeta {
  tenant: string;
  actor: string;
  correlationId: string;
  causationId?: string | null;
}

export type DecidedEvent = { [T in EventType]: { type: T; data: EventDataMap[T] } }[EventType];

export async function loadStream(
  eventStore: Pick<EventStore, "readStreamAll">,
  streamId: string,
): Promise<{ history: DecodedEvent[]; version: number }> {
  const history: DecodedEvent[] = [];
  for await (const event of eventStore.readStreamAll(streamId)) history.push(event);
  return { history, version: history.at(-1)?.version ?? 0 };
}

/**
 * Appends `decided` as one commit at `version`. A writer that got there first turns the
 * store's VersionConflict into ConcurrentModification.
 */
export async function appendDecided(
  eventStore: Pick<EventStore, "append">,
  streamId: string,
  version: number,
  decided: readonly DecidedEvent[],
  meta: CommandMeta,
  occurredAt: Date,
  newId: () => string,
): Promise<DecodedEvent[]> {
  const events = decided.map(
    (event): NewEvent => ({
      eventId: newId(),
      type: event.type,
      data: event.data,
      occurredAt,
      correlationId: meta.correlationId,
      causationId: meta.causationId ?? null,
      actor: meta.actor,
      tenant: meta.tenant,
    }),
  );
  try {
    return (await eventStore.append(streamId, version, events)).events;
  } catch (error) {
    if (error instanceof VersionConflict) {
      throw new ConcurrentModification(streamId, version, error.actualVersion, { cause: error });
    }
    throw error;
  }
}
