import { createECDH, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";
import { verifySignature } from "../src/adapters/http/signature.ts";
import { createJsonPoster } from "../src/adapters/notify/http-post.ts";
import { createPushChannel } from "../src/adapters/notify/push-channel.ts";
import { createSlackChannel } from "../src/adapters/notify/slack-channel.ts";
import { createTeamsChannel } from "../src/adapters/notify/teams-channel.ts";
import { createWebhookChannel } from "../src/adapters/notify/webhook-channel.ts";
import { EMPTY_ALLOW_LIST } from "../src/domain/job/target-policy.ts";
import type { NotificationMessage } from "../src/notifications/rules.ts";
import { ManualClock } from "../src/ports/clock.ts";
import { localPost, type Receiver, startReceiver } from "./notifications-support.ts";

const message: NotificationMessage = {
  kind: "run.dead_lettered",
  tenant: "acme",
  jobId: "job-1",
  jobName: "Nightly invoices",
  runId: "run-1",
  title: "Run dead-lettered: Nightly invoices (job-1)",
  detail: "exhausted after 3 attempt(s): http-5xx: 503",
  link: "http://console.local/runs/run-1",
  occurredAt: "2026-11-23T12:00:00.000Z",
  sourceEventId: "evt-1",
};

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver?.close());

const lastJson = () => JSON.parse(receiver.received.at(-1)!.body.toString("utf8"));

describe("notification channels against a local receiver", () => {
  it("slack: posts a Block Kit message with job, run, error and a console link", async () => {
    await createSlackChannel(localPost).send(message, { type: "slack", webhookUrl: `${receiver.url}/slack` });
    const req = receiver.received.at(-1)!;
    expect(req.path).toBe("/slack");
    expect(req.headers["content-type"]).toBe("application/json");
    const body = lastJson();
    expect(body.text).toBe(message.title);
    expect(body.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: message.title } });
    expect(JSON.stringify(body.blocks[1])).toContain("Nightly invoices");
    expect(JSON.stringify(body.blocks[1])).toContain("run-1");
    expect(JSON.stringify(body.blocks[2])).toContain("http-5xx: 503");
    expect(body.blocks[3].elements[0].url).toBe(message.link);
  });

  it("teams: posts an Adaptive Card attachment", async () => {
    await createTeamsChannel(localPost).send(message, { type: "teams", webhookUrl: `${receiver.url}/teams` });
    const body = lastJson();
    expect(body.type).toBe("message");
    const card = body.attachments[0];
    expect(card.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(card.content.type).toBe("AdaptiveCard");
    expect(card.content.body[0].text).toBe(message.title);
    expect(card.content.body[1].facts).toContainEqual({ title: "Run", value: "run-1" });
    expect(card.content.actions[0]).toEqual({
      type: "Action.OpenUrl",
      title: "Open in console",
      url: message.link,
    });
  });

  it("webhook: posts signed JSON that verifies with the job-request HMAC scheme", async () => {
    const clock = new ManualClock(new Date("2026-11-23T12:00:05.000Z"));
    const secret = "whsec_notification-test-secret";
    await createWebhookChannel(clock, localPost).send(message, {
      type: "webhook",
      url: `${receiver.url}/hook`,
      secret,
    });
    const req = receiver.received.at(-1)!;
    const raw = req.body.toString("utf8");
    const check = verifySignature(String(req.headers["jobledger-signature"]), raw, secret, clock.now());
    expect(check.ok).toBe(true);
    expect(
      verifySignature(String(req.headers["jobledger-signature"]), raw, "whsec_wrong", clock.now()).ok,
    ).toBe(false);
    expect(req.headers["jobledger-event-id"]).toBe("evt-1");
    expect(JSON.parse(raw)).toMatchObject({ type: "run.dead_lettered", jobId: "job-1", runId: "run-1" });
  });

  it("push: reaches the subscription endpoint with VAPID authorization and an encrypted body", async () => {
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const subscription = {
      endpoint: `${receiver.url}/push/sub-1`,
      keys: {
        p256dh: ecdh.getPublicKey().toString("base64url"),
        auth: randomBytes(16).toString("base64url"),
      },
    };
    const vapid = webpush.generateVAPIDKeys();
    receiver.answer(201);
    await createPushChannel({ vapid, subject: "mailto:ops@example.com", post: localPost }).send(message, {
      type: "push",
      subscription,
    });
    receiver.answer(200);
    const req = receiver.received.at(-1)!;
    expect(req.path).toBe("/push/sub-1");
    expect(String(req.headers.authorization)).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=/);
    expect(String(req.headers.authorization)).toContain(`k=${vapid.publicKey}`);
    expect(req.headers["content-encoding"]).toBe("aes128gcm");
    expect(req.body.length).toBeGreaterThan(86); // header (86 bytes) + ciphertext
    expect(req.body.toString("utf8")).not.toContain("Nightly invoices");
  });

  it("a non-2xx answer is a failed delivery", async () => {
    receiver.answer(500);
    await expect(
      createSlackChannel(localPost).send(message, { type: "slack", webhookUrl: `${receiver.url}/slack` }),
    ).rejects.toThrow(/HTTP 500/);
    receiver.answer(200);
  });

  it("refuses a private address unless it is on the allow-list, before connecting", async () => {
    const before = receiver.received.length;
    const strict = createJsonPoster({ allowList: EMPTY_ALLOW_LIST });
    await expect(
      createSlackChannel(strict).send(message, { type: "slack", webhookUrl: `${receiver.url}/slack` }),
    ).rejects.toThrow(/may not be reached/);
    expect(receiver.received.length).toBe(before);
  });

  it("push: a subscription endpoint on a private address is refused at send time, before connecting", async () => {
    const before = receiver.received.length;
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const subscription = {
      endpoint: `${receiver.url}/push/sub-2`,
      keys: {
        p256dh: ecdh.getPublicKey().toString("base64url"),
        auth: randomBytes(16).toString("base64url"),
      },
    };
    const channel = createPushChannel({
      vapid: webpush.generateVAPIDKeys(),
      subject: "mailto:ops@example.com",
      post: createJsonPoster({ allowList: EMPTY_ALLOW_LIST }),
    });
    await expect(channel.send(message, { type: "push", subscription })).rejects.toThrow(/may not be reached/);
    expect(receiver.received.length).toBe(before);
  });

  it("refuses a public name that resolves to a private address at send time (DNS rebinding)", async () => {
    const before = receiver.received.length;
    const port = new URL(receiver.url).port;
    const rebinding = createJsonPoster({
      allowList: EMPTY_ALLOW_LIST,
      resolve: async () => [{ address: "127.0.0.1", family: 4 }],
    });
    await expect(
      createWebhookChannel(new ManualClock(new Date()), rebinding).send(message, {
        type: "webhook",
        url: `http://hooks.example.com:${port}/hook`,
        secret: "whsec_x",
      }),
    ).rejects.toThrow(/resolves to 127\.0\.0\.1, a loopback address/);
    expect(receiver.received.length).toBe(before);
  });
});
