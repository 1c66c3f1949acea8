/**
 * The Lambda handler every change-feed consumer (projectors, runner, notifier) runs under,
 * on AWS and under the local poller alike.
 *
 * Kinesis shards are ordered, so records are handled one after another (or, for a consumer
 * that writes whole batches, as one batch). A record that fails is tried again a few times
 * where it stands. Then:
 * - when the failure lies outside the record (`isTransientFailure`: a database that is down,
 *   throttling), the handler reports that record and every later one as
 *   `batchItemFailures`: Lambda (and the local poller) checkpoints just before it and retries
 *   from there, so nothing is skipped and nothing before it is redone;
 * - otherwise the record is a poison pill: with parking configured, its stream is *parked*
 *   (kept in the ParkedRecordStore with the error, versions and consumer) and the handler
 *   goes on. Later records of that stream are held back behind it (order is kept); no other
 *   stream waits. `retryParked` applies the held versions from the event store after a fix
 *   and releases the stream. Without parking every failure is retried where it stands.
 *
 * Records of the relay and of DynamoDB's native feed can repeat and arrive out of order;
 * consumers are idempotent and gap-aware, so a retry re-reading from the event store is safe.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DecodedEvent } from "@jobledger/events";
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { createLogger, type Logger } from "../logging.ts";
import { parkedStreams, recordsParked } from "../observability/instruments.ts";
import { traceRecord } from "../observability/tracing.ts";
import type { EventStore } from "../ports/event-store.ts";
import type { ParkedError, ParkedRecordStore } from "../ports/parked-records.ts";
import { isTransientFailure } from "./failure-kind.ts";
import { changeRecordPlace, decodeChangeRecord } from "./record.ts";

export interface ChangeRecordRef {
  sequenceNumber: string;
  partitionKey: string;
}

/** Applies one record's events (may be empty: then it is still called, for bookkeeping). */
export type ConsumeRecord = (events: DecodedEvent[], record: ChangeRecordRef) => Promise<void>;

/** One record as a whole-batch consumer receives it. */
export interface ConsumedRecord {
  events: DecodedEvent[];
  record: ChangeRecordRef;
}

/** Applies several records at once (the lake writes a batch as few objects); all or nothing. */
export type ConsumeBatch = (records: ConsumedRecord[]) => Promise<void>;

export type StreamConsumerHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

export interface ConsumerParking {
  store: ParkedRecordStore;
  /** where a retry reads the parked versions */
  eventStore: Pick<EventStore, "readStreamAll">;
  /** how often the handler re-reads the parked streams: 0 = every invocation (several Lambda instances may share a consumer) */
  refreshMs?: number;
}

export interface StreamConsumerOptions {
  logger?: Logger;
  /** skip records that carry no events (non-INSERT, non-commit items); default true */
  skipEmpty?: boolean;
  /** park poison records instead of retrying them forever (every wired consumer has it) */
  parking?: ConsumerParking | null;
  /** tries of a failing record before it counts as failed; default 3 */
  tries?: number;
  /** wait before the second try; doubles for each later one; default 100 ms */
  retryDelayMs?: number;
}

export type RetryOutcome =
  | { status: "released"; applied: number }
  | { status: "failed"; error: ParkedError }
  | { status: "not-parked" };

export interface StreamConsumer {
  name: string;
  handler: StreamConsumerHandler;
  /** applies a parked stream's held versions and releases it (see the module comment) */
  retryParked(streamId: string): Promise<RetryOutcome>;
}

/** What a consumer does with records: one at a time, or whole batches. */
export type ConsumerWork = { consume: ConsumeRecord } | { consumeBatch: ConsumeBatch };

/** An error as the parked record keeps it. */
export function describeError(error: unknown): ParkedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
    const cause = error.cause instanceof Error ? error.cause.message : "";
    const message = cause && !error.message.includes(cause) ? `${error.message}: ${cause}` : error.message;
    return {
      name: error.name,
      message: message.slice(0, 2000),
      code: typeof code === "string" ? code : null,
    };
  }
  return { name: "Error", message: String(error).slice(0, 2000), code: null };
}

export function createStreamConsumer(
  name: string,
  work: ConsumerWork,
  options: StreamConsumerOptions = {},
): StreamConsumer {
  const logger = options.logger ?? createLogger(name);
  const skipEmpty = options.skipEmpty ?? true;
  const parking = options.parking ?? null;
  const tries = Math.max(1, options.tries ?? 3);
  const retryDelayMs = options.retryDelayMs ?? 100;
  const refreshMs = parking?.refreshMs ?? 0;
  const consumeBatch: ConsumeBatch =
    "consumeBatch" in work
      ? work.consumeBatch
      : async (records) => {
          for (const r of records) await work.consume(r.events, r.record);
        };

  let parked = new Set<string>();
  let loadedAt = Number.NEGATIVE_INFINITY;

  /** Runs `fn` up to `tries` times; returns the last error, or null once it succeeded. */
  async function attempt(fn: () => Promise<void>, times = tries): Promise<unknown> {
    let last: unknown = null;
    for (let i = 0; i < times; i++) {
      if (i > 0) await sleep(retryDelayMs * 2 ** (i - 1));
      try {
        await fn();
        return null;
      } catch (error) {
        last = error;
        if (isTransientFailure(error)) return error; // retried by the event source, with backoff
      }
    }
    return last ?? new Error("failed");
  }

  async function refreshParked(): Promise<void> {
    if (!parking || Date.now() - loadedAt < refreshMs) return;
    parked = await parking.store.parkedStreams(name);
    loadedAt = Date.now();
    parkedStreams.set({ consumer: name }, parked.size);
  }

  /** True when the record is held back behind its parked stream. */
  async function heldBack(streamId: string, lastVersion: number): Promise<boolean> {
    if (!parking || !parked.has(streamId)) return false;
    if (await parking.store.holdBack(name, streamId, lastVersion)) {
      logger.warn({ streamId, lastVersion }, "record held back behind its parked stream");
      return true;
    }
    parked.delete(streamId); // released meanwhile
    return false;
  }

  async function park(record: KinesisStreamRecord, error: unknown, spent: number): Promise<void> {
    if (!parking) throw error;
    const place = changeRecordPlace(record);
    const now = new Date().toISOString();
    const entry = {
      consumer: name,
      streamId: place.streamId,
      tenant: place.streamId.split("/")[0] ?? "",
      fromVersion: place.firstVersion,
      toVersion: place.lastVersion,
      sequenceNumber: record.kinesis.sequenceNumber,
      error: describeError(error),
      tries: spent,
      parkedAt: now,
      lastTriedAt: now,
    };
    if (!(await parking.store.park(entry)))
      await parking.store.holdBack(name, entry.streamId, entry.toVersion);
    parked.add(entry.streamId);
    recordsParked.inc({ consumer: name });
    parkedStreams.set({ consumer: name }, parked.size);
    logger.error(
      { err: error, streamId: entry.streamId, fromVersion: entry.fromVersion, toVersion: entry.toVersion },
      "change record parked after its tries: its stream waits, every other stream goes on",
    );
  }

  const failuresFrom = (records: KinesisStreamRecord[], index: number, error: unknown) => {
    const failed = records.slice(index).map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber }));
    logger.error(
      {
        err: error,
        sequenceNumber: records[index]?.kinesis.sequenceNumber,
        partitionKey: records[index]?.kinesis.partitionKey,
        eventSourceARN: records[index]?.eventSourceARN,
        failedRecords: failed.length,
      },
      "change record failed; it and the rest of the batch will be retried",
    );
    return { batchItemFailures: failed };
  };

  const apply = (batch: ConsumedRecord[]) =>
    traceRecord(
      name,
      batch.flatMap((r) => r.events),
      () => consumeBatch(batch),
    );

  /** Decoded records not held back, in order; a record that cannot be decoded is parked. */
  async function collect(records: KinesisStreamRecord[]) {
    const pending: { index: number; raw: KinesisStreamRecord; item: ConsumedRecord }[] = [];
    for (let i = 0; i < records.length; i++) {
      const raw = records[i]!;
      const ref = { sequenceNumber: raw.kinesis.sequenceNumber, partitionKey: raw.kinesis.partitionKey };
      let events: DecodedEvent[];
      try {
        events = decodeChangeRecord(raw).events;
      } catch (error) {
        const place = changeRecordPlace(raw);
        if (!parking) return { pending, stop: { index: i, error } };
        if (!(await heldBack(place.streamId, place.lastVersion))) await park(raw, error, 1);
        continue;
      }
      if (events.length === 0 && skipEmpty) continue;
      const streamId = events[0]?.streamId ?? ref.partitionKey;
      if (await heldBack(streamId, events.at(-1)?.version ?? 0)) continue;
      pending.push({ index: i, raw, item: { events, record: ref } });
    }
    return { pending, stop: null };
  }

  const handler: StreamConsumerHandler = async (event) => {
    const records = event.Records ?? [];
    try {
      await refreshParked();
    } catch (error) {
      return failuresFrom(records, 0, error);
    }
    let index = 0;
    try {
      const { pending, stop } = await collect(records);
      const batchWise = "consumeBatch" in work;
      if (batchWise && pending.length > 0) {
        const error = await attempt(() => apply(pending.map((p) => p.item)));
        if (error === null)
          return stop ? failuresFrom(records, stop.index, stop.error) : { batchItemFailures: [] };
        if (!parking || isTransientFailure(error)) return failuresFrom(records, pending[0]!.index, error);
        // a poison record in the batch: find it by applying the records one by one
      }
      for (const p of pending) {
        index = p.index;
        const streamId = p.item.events[0]?.streamId ?? p.item.record.partitionKey;
        if (await heldBack(streamId, p.item.events.at(-1)?.version ?? 0)) continue;
        const error = await attempt(() => apply([p.item]), batchWise ? 1 : tries);
        if (error === null) continue;
        if (!parking || isTransientFailure(error)) return failuresFrom(records, p.index, error);
        await park(p.raw, error, tries);
      }
      return stop ? failuresFrom(records, stop.index, stop.error) : { batchItemFailures: [] };
    } catch (error) {
      // the parked-record store itself failed: retry from where we stood
      return failuresFrom(records, index, error);
    }
  };

  async function retryParked(streamId: string): Promise<RetryOutcome> {
    if (!parking) return { status: "not-parked" };
    let entry = await parking.store.get(name, streamId);
    if (!entry) return { status: "not-parked" };
    let fromVersion = Math.max(1, entry.fromVersion);
    let applied = 0;
    for (;;) {
      const events: DecodedEvent[] = [];
      try {
        for await (const e of parking.eventStore.readStreamAll(streamId, {
          fromVersion,
          toVersion: entry.toVersion,
        })) {
          events.push(e);
        }
        if (events.length > 0) {
          await apply([{ events, record: { sequenceNumber: entry.sequenceNumber, partitionKey: streamId } }]);
        }
      } catch (error) {
        const described = describeError(error);
        await parking.store.retryFailed(name, streamId, described, new Date().toISOString());
        logger.warn({ err: error, streamId }, "retry of a parked stream failed; it stays parked");
        return { status: "failed", error: described };
      }
      applied += events.length;
      if (await parking.store.release(name, streamId, entry.toVersion)) break;
      const next = await parking.store.get(name, streamId);
      if (!next) break; // released by another retry
      fromVersion = entry.toVersion + 1; // more was held back while we applied
      entry = next;
    }
    parked.delete(streamId);
    parkedStreams.set({ consumer: name }, parked.size);
    logger.info({ streamId, applied }, "parked stream retried and released");
    return { status: "released", applied };
  }

  return { name, handler, retryParked };
}

/** A record-at-a-time consumer's handler alone (tests, and consumers wired without a name). */
export function createStreamConsumerHandler(
  consume: ConsumeRecord,
  options: StreamConsumerOptions = {},
): StreamConsumerHandler {
  const logger = options.logger ?? createLogger("stream-consumer");
  const name = String(logger.bindings().component ?? "consumer");
  return createStreamConsumer(name, { consume }, { ...options, logger }).handler;
}
