import { describe, expect, it } from "vitest";
import type { NotificationPreference } from "../src/notifications/preferences.ts";
import { backoffMs, classify, destinationOf, inQuietHours, wants } from "../src/notifications/rules.ts";

const pref = (overrides: Partial<NotificationPreference>): NotificationPreference => ({
  tenant: "t",
  id: "p",
  recipient: "user:ada",
  scope: { type: "all" },
  kinds: ["run.failed"],
  channels: [],
  quietHours: null,
  digest: null,
  createdAt: "",
  updatedAt: "",
  ...overrides,
});

describe("notification rules", () => {
  it("classifies run events, recovering only after a failure", () => {
    expect(classify("AttemptFailed", null)).toEqual({ kind: "run.failed", outcome: "failing" });
    expect(classify("AttemptTimedOut", "ok")).toEqual({ kind: "run.failed", outcome: "failing" });
    expect(classify("RunDeadLettered", null)).toEqual({ kind: "run.dead_lettered", outcome: "failing" });
    expect(classify("RunSucceeded", "failing")).toEqual({ kind: "job.recovered", outcome: "ok" });
    expect(classify("RunSucceeded", "ok")).toEqual({ kind: null, outcome: "ok" });
    expect(classify("RunSucceeded", null)).toEqual({ kind: null, outcome: "ok" });
    expect(classify("RunSkipped", "failing")).toEqual({ kind: "run.skipped", outcome: null });
    expect(classify("RunQueued", null)).toEqual({ kind: null, outcome: null });
  });

  it("matches preferences by kind and scope", () => {
    const job = { jobId: "j1", tags: ["billing"] };
    expect(wants(pref({}), "run.failed", job)).toBe(true);
    expect(wants(pref({}), "run.skipped", job)).toBe(false);
    expect(wants(pref({ scope: { type: "job", jobId: "j1" } }), "run.failed", job)).toBe(true);
    expect(wants(pref({ scope: { type: "job", jobId: "j2" } }), "run.failed", job)).toBe(false);
    expect(wants(pref({ scope: { type: "tag", tag: "billing" } }), "run.failed", job)).toBe(true);
    expect(wants(pref({ scope: { type: "tag", tag: "ops" } }), "run.failed", job)).toBe(false);
  });

  it("evaluates quiet hours in their time zone, across midnight and DST", () => {
    const night = { timezone: "Europe/Berlin", start: "22:00", end: "07:00" };
    expect(inQuietHours(night, new Date("2026-01-15T21:30:00Z"))).toBe(true); // 22:30 CET
    expect(inQuietHours(night, new Date("2026-01-15T05:59:00Z"))).toBe(true); // 06:59 CET
    expect(inQuietHours(night, new Date("2026-01-15T06:00:00Z"))).toBe(false); // 07:00 CET
    expect(inQuietHours(night, new Date("2026-07-15T20:30:00Z"))).toBe(true); // 22:30 CEST
    expect(inQuietHours(night, new Date("2026-07-15T19:30:00Z"))).toBe(false); // 21:30 CEST
    expect(inQuietHours(null, new Date())).toBe(false);
    expect(
      inQuietHours({ timezone: "UTC", start: "09:00", end: "09:00" }, new Date("2026-01-01T09:00:00Z")),
    ).toBe(false);
  });

  it("backs off exponentially up to a cap, and never exposes secrets as destinations", () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 200, 1000))).toEqual([200, 400, 800, 1000, 1000]);
    expect(
      destinationOf({ type: "webhook", url: "https://h.example.com/p?token=s3cret", secret: "whsec_x" }),
    ).toBe("https://h.example.com");
    expect(destinationOf({ type: "slack", webhookUrl: "https://hooks.slack.com/services/T/B/secret" })).toBe(
      "https://hooks.slack.com",
    );
    expect(destinationOf({ type: "email", address: "a@b.c" })).toBe("a@b.c");
  });
});
