/**
 * Audit export: a job's or a tenant's events as JSON Lines, decoded (upcast to today's
 * schema) with their envelope, filtered by time and type, produced page by page so memory
 * stays constant whatever the history's size.
 */
import type { DecodedEvent } from "@jobledger/events";
import { jobStreamId } from "../../domain/job/stream.ts";
import type { EventStore } from "../../ports/event-store.ts";

export interface ExportFilter {
  /** only events that occurred at or after this instant */
  from?: Date;
  /** only events that occurred before this instant (exclusive) */
  to?: Date;
  /** only these event types (all when empty or absent) */
  types?: readonly string[];
}

export type ExportScope = { tenant: string; jobId: string } | { tenant: string };

/** One line of the export. */
export interface ExportLine {
  stream: string;
  version: number;
  type: string;
  schemaVersion: number;
  eventId: string;
  occurredAt: string;
  actor: string;
  correlationId: string;
  causationId: string | null;
  prevHash: string;
  hash: string;
  payload: unknown;
}

export function exportLine(e: DecodedEvent): ExportLine {
  return {
    stream: e.streamId,
    version: e.version,
    type: e.type,
    schemaVersion: e.schemaVersion,
    eventId: e.eventId,
    occurredAt: e.occurredAt.toISOString(),
    actor: e.actor,
    correlationId: e.correlationId,
    causationId: e.causationId,
    prevHash: e.prevHash,
    hash: e.hash,
    payload: e.data,
  };
}

export function matchesFilter(e: DecodedEvent, filter: ExportFilter): boolean {
  const t = e.occurredAt.getTime();
  if (filter.from && t < filter.from.getTime()) return false;
  if (filter.to && t >= filter.to.getTime()) return false;
  if (filter.types && filter.types.length > 0 && !filter.types.includes(e.type)) return false;
  return true;
}

/** Every event of the scope (a job's stream, or a tenant's streams in commit order), read page by page. */
export async function* scopeEvents(store: EventStore, scope: ExportScope): AsyncGenerator<DecodedEvent> {
  if ("jobId" in scope) {
    yield* store.readStreamAll(jobStreamId(scope.tenant, scope.jobId));
    return;
  }
  let cursor: string | null = null;
  do {
    const page = await store.readTenant(scope.tenant, { cursor, limit: 100 });
    yield* page.events;
    cursor = page.cursor;
  } while (cursor !== null);
}

export async function* exportLines(
  store: EventStore,
  scope: ExportScope,
  filter: ExportFilter = {},
): AsyncGenerator<ExportLine> {
  for await (const event of scopeEvents(store, scope)) {
    if (matchesFilter(event, filter)) yield exportLine(event);
  }
}

/** JSON text of one line: Dates as ISO, bigints as decimal strings, bytes as base64. */
export function ndjsonLine(line: ExportLine): string {
  return `${JSON.stringify(line, (_key, value: unknown) => {
    if (typeof value === "bigint") return value.toString();
    if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
    return value;
  })}\n`;
}

/**
 * A pull-driven byte stream of NDJSON: the next page is read only when the consumer asks for
 * more, so a slow client never makes the server buffer the whole history.
 */
export function ndjsonStream(lines: AsyncIterable<ExportLine>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = lines[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // batch a few lines per chunk: one chunk per line costs more than the JSON itself
        let text = "";
        for (let i = 0; i < 64; i++) {
          const next = await iterator.next();
          if (next.done) {
            if (text) controller.enqueue(encoder.encode(text));
            controller.close();
            return;
          }
          text += ndjsonLine(next.value);
        }
        controller.enqueue(encoder.encode(text));
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 1 },
  );
}
