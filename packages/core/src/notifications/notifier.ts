/**
 * The notifier: a change-feed consumer that turns run events into notifications.
 *
 * For each event, in stream order (one after another; the batch is ordered per partition
 * key, so one job's events keep their order): classify it, find the preferences that want
 * it, deliver to every channel in parallel (each with bounded retries and backoff), then
 * append every attempt's outcome as NotificationSent / NotificationFailed to the stream
 * `<tenant>/notification/<sourceEventId>` with expected version 0. A redelivered record
 * finds that stream and sends nothing; a concurrent notifier that lost the append race
 * logs it. The job's last outcome (for `job.recovered`) is saved after the append, so a
 * crash in between re-derives the same kind on redelivery and the stream dedupes it.
 */
import { type DecodedEvent, type NewEvent, parseStreamId, streamIdOf } from "@jobledger/events";
import type { ConsumeRecord } from "../changefeed/consumer.ts";
import type { Logger } from "../logging.ts";
import { notificationDeliveries } from "../observability/instruments.ts";
import type { Clock } from "../ports/clock.ts";
import { type EventStore, VersionConflict } from "../ports/event-store.ts";
import type {
  DeliveryLog,
  DeliveryRecord,
  IntegrationPublisher,
  JobOutcomeStore,
  NotificationChannel,
  PreferenceStore,
} from "./ports.ts";
import type { ChannelConfig, NotificationPreference } from "./preferences.ts";
import {
  backoffMs,
  buildMessage,
  classify,
  destinationOf,
  inQuietHours,
  type NotificationMessage,
  wants,
} from "./rules.ts";

export interface JobDirectory {
  lookup(tenant: string, jobId: string): Promise<{ name: string; tags: string[] } | null>;
}

export interface NotifierRetry {
  /** attempts per channel, >= 1 */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface NotifierOptions {
  eventStore: Pick<EventStore, "append" | "readStream">;
  preferences: Pick<PreferenceStore, "list">;
  outcomes: JobOutcomeStore;
  deliveries: DeliveryLog;
  jobs: JobDirectory;
  channels: NotificationChannel[];
  clock: Clock;
  logger: Logger;
  consoleUrl: string;
  retry?: Partial<NotifierRetry>;
  /** on AWS: EventBridge; absent locally */
  integration?: IntegrationPublisher | null;
  newId: () => string;
  /** waits between retries; injectable for tests */
  sleep?: (ms: number) => Promise<void>;
}

export interface Notifier {
  handleBatch: ConsumeRecord;
  /** one event (exposed for tests) */
  handle(event: DecodedEvent): Promise<void>;
}

const RELEVANT = new Set([
  "AttemptFailed",
  "AttemptTimedOut",
  "RunDeadLettered",
  "RunSucceeded",
  "RunSkipped",
]);

interface Attempted {
  preference: NotificationPreference;
  channel: ChannelConfig;
  attempts: { ok: boolean; error: string | null; final: boolean }[];
}

export function createNotifier(options: NotifierOptions): Notifier {
  const retry: NotifierRetry = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5_000, ...options.retry };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const byType = new Map(options.channels.map((c) => [c.type, c]));
  const runJobs = new Map<string, string>();
  const logger = options.logger;

  async function jobIdOf(event: DecodedEvent): Promise<string | null> {
    const data = event.data as unknown as { jobId?: unknown };
    if (typeof data.jobId === "string") return data.jobId;
    const cached = runJobs.get(event.streamId);
    if (cached) return cached;
    const first = (await options.eventStore.readStream(event.streamId, { limit: 1 })).events[0];
    const jobId = (first?.data as { jobId?: unknown } | undefined)?.jobId;
    if (typeof jobId !== "string") return null;
    if (runJobs.size > 10_000) runJobs.clear();
    runJobs.set(event.streamId, jobId);
    return jobId;
  }

  async function allPreferences(tenant: string): Promise<NotificationPreference[]> {
    const all: NotificationPreference[] = [];
    let cursor: string | null = null;
    do {
      const page = await options.preferences.list(tenant, { cursor, limit: 100 });
      all.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return all;
  }

  async function deliver(
    message: NotificationMessage,
    preference: NotificationPreference,
    channel: ChannelConfig,
  ): Promise<Attempted> {
    const attempts: Attempted["attempts"] = [];
    const adapter = byType.get(channel.type);
    for (let n = 1; n <= retry.maxAttempts; n++) {
      try {
        if (!adapter) throw new Error(`no ${channel.type} channel is configured`);
        await adapter.send(message, channel);
        attempts.push({ ok: true, error: null, final: true });
        break;
      } catch (error) {
        const final = !adapter || n === retry.maxAttempts;
        attempts.push({ ok: false, error: error instanceof Error ? error.message : String(error), final });
        if (final) break;
        await sleep(backoffMs(n, retry.baseDelayMs, retry.maxDelayMs));
      }
    }
    return { preference, channel, attempts };
  }

  async function handle(event: DecodedEvent): Promise<void> {
    if (!RELEVANT.has(event.type)) return;
    const { tenant, kind: streamKind } = parseStreamId(event.streamId);
    if (streamKind !== "run") return;
    const jobId = await jobIdOf(event);
    if (!jobId) {
      logger.warn(
        { streamId: event.streamId, eventId: event.eventId },
        "run event without a known job: skipped",
      );
      return;
    }
    const previous = await options.outcomes.get(tenant, jobId);
    const { kind, outcome } = classify(event.type, previous);
    if (kind) await notify(event, kind, tenant, jobId);
    if (outcome && outcome !== previous) await options.outcomes.set(tenant, jobId, outcome);
  }

  async function notify(
    event: DecodedEvent,
    kind: NonNullable<ReturnType<typeof classify>["kind"]>,
    tenant: string,
    jobId: string,
  ): Promise<void> {
    const streamId = streamIdOf(tenant, "notification", event.eventId);
    const existing = await options.eventStore.readStream(streamId, { limit: 1 });
    if (existing.events.length > 0) {
      logger.debug({ streamId }, "already notified: skipped");
      return;
    }
    const job = await options.jobs.lookup(tenant, jobId);
    const runId = parseStreamId(event.streamId).id;
    const message = buildMessage({
      event,
      kind,
      jobId,
      jobName: job?.name ?? null,
      runId,
      consoleUrl: options.consoleUrl,
    });
    if (options.integration) {
      await options.integration.publish(message);
    }
    const now = options.clock.now();
    const targets = (await allPreferences(tenant))
      .filter((p) => wants(p, kind, { jobId, tags: job?.tags ?? [] }))
      .filter((p) => {
        const quiet = inQuietHours(p.quietHours, now);
        if (quiet) logger.info({ preferenceId: p.id, kind }, "quiet hours: notification held back");
        return !quiet;
      })
      .flatMap((p) => p.channels.map((channel) => ({ preference: p, channel })));
    if (targets.length === 0) return;

    const settled = await Promise.allSettled(targets.map((t) => deliver(message, t.preference, t.channel)));
    const occurredAt = options.clock.now();
    const events: NewEvent[] = [];
    const records: DeliveryRecord[] = [];
    for (const result of settled) {
      if (result.status !== "fulfilled") continue; // deliver() never rejects; defensive
      const { preference, channel, attempts } = result.value;
      const facts = {
        sourceEventId: event.eventId,
        sourceStreamId: event.streamId,
        kind,
        jobId,
        runId,
        preferenceId: preference.id,
        recipient: preference.recipient,
        channel: channel.type,
        destination: destinationOf(channel),
      };
      attempts.forEach((attempt, i) => {
        notificationDeliveries.inc({ channel: channel.type, result: attempt.ok ? "sent" : "failed" });
        const eventId = options.newId();
        const envelope = {
          eventId,
          occurredAt,
          correlationId: event.correlationId,
          causationId: event.eventId,
          actor: "system:notifier",
          tenant,
        };
        if (attempt.ok) {
          events.push({ ...envelope, type: "NotificationSent", data: { ...facts, attempts: i + 1 } });
        } else {
          events.push({
            ...envelope,
            type: "NotificationFailed",
            data: { ...facts, attempts: i + 1, error: attempt.error ?? "", final: attempt.final },
          });
        }
        if (attempt.final) {
          records.push({
            tenant,
            id: eventId,
            at: occurredAt.toISOString(),
            ...facts,
            status: attempt.ok ? "sent" : "failed",
            attempts: i + 1,
            error: attempt.error,
          });
        }
      });
    }
    try {
      await options.eventStore.append(streamId, 0, events);
    } catch (error) {
      if (error instanceof VersionConflict) {
        logger.warn({ streamId }, "another notifier recorded this notification first");
        return;
      }
      throw error;
    }
    await options.deliveries.record(records);
    const failed = records.filter((r) => r.status === "failed");
    if (failed.length > 0) {
      logger.warn(
        {
          sourceEventId: event.eventId,
          failed: failed.map((r) => `${r.channel}:${r.destination}: ${r.error}`),
        },
        "notification channels failed after their last attempt",
      );
    }
  }

  return {
    handle,
    handleBatch: async (events) => {
      for (const event of events) await handle(event);
    },
  };
}
