/**
 * Notifications through a running local system: preference CRUD and validation, and a job
 * whose run dead-letters ends as an email in the SMTP sink's folder (parsed with mailparser),
 * a Slack message at a local receiver and entries in the delivery log.
 */
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
const slackBodies: string[] = [];
let slackUrl = "";
let closeSlack: () => Promise<void> = async () => {};

beforeAll(async () => {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      slackBodies.push(body);
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  slackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack`;
  closeSlack = () => new Promise<void>((resolve) => server.close(() => resolve()));
  sys = await startTestSystem({
    JOBLEDGER_TICK_MS: "200",
    JOBLEDGER_CONSOLE_URL: "http://console.test",
    JOBLEDGER_TARGET_ALLOWLIST: new URL(slackUrl).host,
  });
});
afterAll(async () => {
  await sys?.stop();
  await closeSlack();
});

const preference = (overrides: Record<string, unknown> = {}) => ({
  recipient: "team:ops",
  kinds: ["run.dead_lettered"],
  channels: [{ type: "email", address: "ops@example.com" }],
  ...overrides,
});

describe("notification preferences API", () => {
  it("creates, reads, lists, replaces and deletes a preference; secrets are write-only", async () => {
    const created = await sys.json(
      "POST",
      "/v1/notification-preferences",
      preference({
        scope: { type: "tag", tag: "billing" },
        channels: [{ type: "webhook", url: "https://hooks.example.com/x", secret: "whsec_0123456789abcdef" }],
        quietHours: { timezone: "Europe/Berlin", start: "22:00", end: "07:00" },
        digest: { enabled: true, intervalMinutes: 60 },
      }),
    );
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; channels: unknown[] };
    expect(created.headers.get("location")).toBe(`/v1/notification-preferences/${body.id}`);
    expect(body.channels).toEqual([{ type: "webhook", url: "https://hooks.example.com/x", secretSet: true }]);
    expect(JSON.stringify(body)).not.toContain("whsec_");

    const read = await sys.http(`/v1/notification-preferences/${body.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({
      scope: { type: "tag", tag: "billing" },
      digest: { enabled: true },
    });

    const list = (await (await sys.http("/v1/notification-preferences")).json()) as {
      items: { id: string }[];
    };
    expect(list.items.map((i) => i.id)).toContain(body.id);

    const replaced = await sys.json(
      "PUT",
      `/v1/notification-preferences/${body.id}`,
      preference({ kinds: ["run.skipped"] }),
    );
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({
      kinds: ["run.skipped"],
      scope: { type: "all" },
      quietHours: null,
    });

    expect((await sys.http(`/v1/notification-preferences/${body.id}`, { method: "DELETE" })).status).toBe(
      204,
    );
    expect((await sys.http(`/v1/notification-preferences/${body.id}`)).status).toBe(404);
  });

  it("refuses bad preferences with a 4xx problem", async () => {
    const bad = [
      preference({ kinds: ["run.exploded"] }),
      preference({ channels: [] }),
      preference({ channels: [{ type: "email", address: "not-an-address" }] }),
      preference({ channels: [{ type: "slack", webhookUrl: "ftp://x" }] }),
      preference({ channels: [{ type: "webhook", url: "https://x.example.com", secret: "short" }] }),
      preference({ quietHours: { timezone: "Mars/Olympus", start: "22:00", end: "07:00" } }),
      preference({ quietHours: { timezone: "UTC", start: "25:00", end: "07:00" } }),
      preference({ recipient: "ops" }),
      preference({
        channels: [{ type: "webhook", url: "http://127.0.0.1:9/x", secret: "whsec_0123456789abcdef" }],
      }),
      preference({ channels: [{ type: "slack", webhookUrl: "http://169.254.169.254/latest" }] }),
      preference({ tenant: "other" }),
    ];
    for (const body of bad) {
      const res = await sys.json("POST", "/v1/notification-preferences", body);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});

describe("notifications end to end", () => {
  it("a dead-lettered run sends an email to the SMTP sink and a Slack message, and shows in the delivery log", async () => {
    const pref = await sys.json(
      "POST",
      "/v1/notification-preferences",
      preference({
        channels: [
          { type: "email", address: "ops@example.com" },
          { type: "slack", webhookUrl: slackUrl },
        ],
      }),
    );
    expect(pref.status).toBe(201);
    const job = await sys.json("POST", "/v1/jobs", {
      name: "always failing",
      request: { method: "GET", url: `${sys.testTarget?.url}/status/404`, timeoutMs: 5000 },
      schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
      retry: { maxAttempts: 1, initialDelayMs: 100, maxDelayMs: 200 },
    });
    expect(job.status).toBe(201);
    const { id: jobId } = (await job.json()) as { id: string };
    const triggered = await sys.http(`/v1/jobs/${jobId}/runs`, { method: "POST" });
    const { runId } = (await triggered.json()) as { runId: string };

    const mailDir = path.join(sys.config.dataDir, "mail");
    const files = await eventually(async () => {
      const names = await readdir(mailDir).catch(() => []);
      return names.length > 0 ? names : undefined;
    }, 20_000);
    const mail = await simpleParser(await readFile(path.join(mailDir, files[0]!)));
    expect(mail.subject).toBe(`[Jobledger] Run dead-lettered: always failing (${jobId})`);
    expect(mail.text).toContain(`http://console.test/runs/${runId}`);
    expect((mail.to as { text: string }).text).toBe("ops@example.com");

    await eventually(async () => (slackBodies.length > 0 ? true : undefined));
    expect(JSON.parse(slackBodies[0]!).text).toBe(`Run dead-lettered: always failing (${jobId})`);

    const log = await eventually(async () => {
      const res = (await (await sys.http("/v1/notifications")).json()) as {
        items: { channel: string; status: string; runId: string }[];
      };
      return res.items.length >= 2 ? res.items : undefined;
    });
    expect(log.map((i) => `${i.channel}:${i.status}:${i.runId}`).sort()).toEqual([
      `email:sent:${runId}`,
      `slack:sent:${runId}`,
    ]);
  });
});
