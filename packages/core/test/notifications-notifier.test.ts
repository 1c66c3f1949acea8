import { randomUUID } from "node:crypto";
import type { DecodedEvent, NewEvent } from "@jobledger/events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { createDynamoDeliveryLog } from "../src/adapters/notify/delivery-log.ts";
import { ensureNotificationsTable } from "../src/adapters/notify/notify-table.ts";
import {
  createDynamoJobOutcomeStore,
  createDynamoPreferenceStore,
} from "../src/adapters/notify/preference-store.ts";
import { createSlackChannel } from "../src/adapters/notify/slack-channel.ts";
import { createWebhookChannel } from "../src/adapters/notify/webhook-channel.ts";
import { createLogger } from "../src/logging.ts";
import { createNotifier, type Notifier } from "../src/notifications/notifier.ts";
import type { PreferenceStore } from "../src/notifications/ports.ts";
import { ManualClock } from "../src/ports/clock.ts";
import { localPost, type Receiver, startReceiver } from "./notifications-support.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";

const clock = new ManualClock(new Date("2026-11-23T12:00:00.000Z"));
let dynamo: TestDynamo;
let store: DynamoEventStore;
let receiver: Receiver;
let failing: Receiver;
let table: string;
let preferences: PreferenceStore;
let notifier: Notifier;
let tenant: string;

const response = { durationMs: 5, headers: {}, bodyExcerpt: "", bodyBytes: 0, bodyTruncated: false };

function envelope(type: string, data: unknown): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    data,
    occurredAt: clock.now(),
    correlationId: "c",
    causationId: null,
    actor: "system:runner",
    tenant,
  } as NewEvent;
}

/** A run of `jobId` with the given outcome events after its RunQueued; returns those events. */
async function run(jobId: string, ...events: [string, unknown][]): Promise<DecodedEvent[]> {
  const streamId = `${tenant}/run/${randomUUID()}`;
  const queued = envelope("RunQueued", {
    jobId,
    jobVersion: 1,
    attempt: 1,
    trigger: "manual",
    scheduledFor: null,
    dueAt: clock.now().toISOString(),
    request: { method: "GET", url: "https://example.com", headers: {}, body: null, timeoutMs: 1000 },
    retry: null,
  });
  const result = await store.append(streamId, 0, [queued, ...events.map(([t, d]) => envelope(t, d))]);
  return result.events.slice(1);
}

const failed = (attempt: number) =>
  [
    "AttemptFailed",
    { attempt, errorClass: "http-5xx", status: 503, message: "down", retryAfterMs: null, ...response },
  ] as [string, unknown];

beforeAll(async () => {
  dynamo = await withDynalite();
  const events = await dynamo.newEventsTable();
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: events, clock });
  table = uniqueName("notify");
  await ensureNotificationsTable(dynamo.client, table);
  receiver = await startReceiver();
  failing = await startReceiver();
  failing.answer(503);
  preferences = createDynamoPreferenceStore({ doc: dynamo.doc, tableName: table, clock });
});
afterAll(async () => {
  await receiver?.close();
  await failing?.close();
  await dynamo?.close();
});

beforeEach(() => {
  tenant = uniqueName("t");
  receiver.received.length = 0;
  failing.received.length = 0;
  notifier = createNotifier({
    eventStore: store,
    preferences,
    outcomes: createDynamoJobOutcomeStore({ doc: dynamo.doc, tableName: table }),
    deliveries: createDynamoDeliveryLog({ doc: dynamo.doc, tableName: table }),
    jobs: {
      lookup: async (_t, jobId) => ({
        name: `job ${jobId}`,
        tags: jobId.startsWith("tagged") ? ["billing"] : [],
      }),
    },
    channels: [createSlackChannel(localPost), createWebhookChannel(clock, localPost)],
    clock,
    logger: createLogger(undefined, "silent"),
    consoleUrl: "http://console.local",
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    newId: randomUUID,
  });
});

const slackTo = (r: Receiver, path = "/slack") => ({ type: "slack" as const, webhookUrl: `${r.url}${path}` });
const titles = () => receiver.received.map((r) => JSON.parse(r.body.toString("utf8")).text as string);

describe("notifier", () => {
  it("notifies a failed run once, even when the stream record is delivered twice", async () => {
    await preferences.create(tenant, {
      recipient: "team:ops",
      scope: { type: "all" },
      kinds: ["run.failed"],
      channels: [slackTo(receiver)],
      quietHours: null,
      digest: null,
    });
    const events = await run("job-a", failed(1));
    await notifier.handleBatch(events, { sequenceNumber: "1", partitionKey: "p" });
    await notifier.handleBatch(events, { sequenceNumber: "1", partitionKey: "p" });
    expect(receiver.received).toHaveLength(1);
    expect(titles()[0]).toBe("Run failed: job job-a (job-a)");

    const stream = await store.readStream(`${tenant}/notification/${events[0]!.eventId}`);
    expect(stream.events.map((e) => e.type)).toEqual(["NotificationSent"]);
    expect(stream.events[0]!.data).toMatchObject({
      channel: "slack",
      recipient: "team:ops",
      attempts: 1,
      jobId: "job-a",
    });
  });

  it("keeps one job's notifications in event order, and tells of a recovery after failures", async () => {
    await preferences.create(tenant, {
      recipient: "user:ada",
      scope: { type: "job", jobId: "job-b" },
      kinds: ["run.failed", "run.dead_lettered", "job.recovered"],
      channels: [slackTo(receiver)],
      quietHours: null,
      digest: null,
    });
    const first = await run("job-b", failed(1), failed(2), [
      "RunDeadLettered",
      { attempts: 2, reason: "exhausted", lastError: "down" },
    ]);
    const second = await run("job-b", ["RunSucceeded", { attempts: 1 }]);
    const third = await run("job-b", ["RunSucceeded", { attempts: 1 }]);
    const other = await run("job-other", failed(1));
    await notifier.handleBatch([...first, ...second, ...third, ...other], {
      sequenceNumber: "1",
      partitionKey: "p",
    });
    expect(titles()).toEqual([
      "Run failed: job job-b (job-b)",
      "Run failed: job job-b (job-b)",
      "Run dead-lettered: job job-b (job-b)",
      "Job recovered: job job-b (job-b)",
    ]);
  });

  it("a failing channel is retried a bounded number of times, reported, and does not block the others", async () => {
    await preferences.create(tenant, {
      recipient: "team:ops",
      scope: { type: "tag", tag: "billing" },
      kinds: ["run.dead_lettered"],
      channels: [
        slackTo(failing),
        { type: "webhook", url: `${receiver.url}/hook`, secret: "whsec_0123456789abcdef" },
      ],
      quietHours: null,
      digest: null,
    });
    const events = await run("tagged-1", [
      "RunDeadLettered",
      { attempts: 1, reason: "not-retryable", lastError: "403" },
    ]);
    await notifier.handleBatch(events, { sequenceNumber: "1", partitionKey: "p" });
    expect(failing.received).toHaveLength(3);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.path).toBe("/hook");

    const stream = await store.readStream(`${tenant}/notification/${events[0]!.eventId}`);
    const summary = stream.events.map((e) => {
      const d = e.data as { channel: string; attempts: number; final?: boolean };
      return `${e.type}:${d.channel}:${d.attempts}:${d.final ?? "-"}`;
    });
    expect(summary.sort()).toEqual(
      [
        "NotificationFailed:slack:1:false",
        "NotificationFailed:slack:2:false",
        "NotificationFailed:slack:3:true",
        "NotificationSent:webhook:1:-",
      ].sort(),
    );
    const log = await createDynamoDeliveryLog({ doc: dynamo.doc, tableName: table }).list(tenant);
    expect(log.items.map((i) => `${i.channel}:${i.status}:${i.attempts}`).sort()).toEqual([
      "slack:failed:3",
      "webhook:sent:1",
    ]);
    expect(log.items.find((i) => i.channel === "slack")?.error).toContain("HTTP 503");
  });

  it("holds notifications back in quiet hours and ignores kinds nobody asked for", async () => {
    await preferences.create(tenant, {
      recipient: "user:bob",
      scope: { type: "all" },
      kinds: ["run.failed"],
      channels: [slackTo(receiver)],
      // 12:00 UTC is 13:00 in Berlin
      quietHours: { timezone: "Europe/Berlin", start: "12:30", end: "14:00" },
      digest: null,
    });
    await notifier.handleBatch(await run("job-q", failed(1)), { sequenceNumber: "1", partitionKey: "p" });
    await notifier.handleBatch(await run("job-q", ["RunSucceeded", { attempts: 1 }]), {
      sequenceNumber: "2",
      partitionKey: "p",
    });
    expect(receiver.received).toHaveLength(0);
  });
});
