/** The notifications page's pure parts: the delivery-log table and the preference form mapping. */
import { cleanup, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { DeliveryLog } from "../src/components/DeliveryLog";
import { preferenceFieldOf } from "../src/components/PreferenceForm";
import {
  base64UrlToBytes,
  channelInWords,
  type Delivery,
  emptyPreferenceForm,
  preferenceBody,
  pushPreferenceBody,
} from "../src/lib/notifications";

afterEach(cleanup);

const delivery = (overrides: Partial<Delivery>): Delivery => ({
  id: "d1",
  at: "2026-11-23T10:00:05Z",
  sourceEventId: "e1",
  kind: "run.dead_lettered",
  jobId: "job-0123456789",
  runId: "run-abcdefghij",
  recipient: "team:ops",
  channel: "email",
  destination: "ops@example.com",
  status: "sent",
  attempts: 1,
  error: null,
  ...overrides,
});

describe("DeliveryLog", () => {
  it("renders status per channel, time, job/run links and the error", () => {
    render(() => (
      <DeliveryLog
        items={[
          delivery({}),
          delivery({
            id: "d2",
            channel: "slack",
            destination: "hooks.slack.com",
            status: "failed",
            attempts: 3,
            error: "HTTP 500",
            runId: null,
            kind: "job.recovered",
          }),
        ]}
      />
    ));
    const rows = screen.getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    const [sent, failed] = rows as [HTMLElement, HTMLElement];
    expect(sent.dataset.status).toBe("sent");
    expect(sent.textContent).toContain("2026-11-23 10:00:05 UTC");
    expect(sent.textContent).toContain("email");
    expect(sent.querySelector(".badge")?.textContent).toBe("sent");
    const sentLinks = [...sent.querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(sentLinks).toEqual(["/jobs/job-0123456789", "/runs/run-abcdefghij"]);
    expect(failed.querySelector(".badge")?.textContent).toBe("failed");
    expect(failed.querySelector(".badge")?.className).toContain("badge-dead-lettered");
    expect(failed.textContent).toContain("HTTP 500");
    expect(failed.textContent).toContain("slack");
    // no run for a job-level notification: only the job link
    expect([...failed.querySelectorAll("a")].map((a) => a.getAttribute("href"))).toEqual([
      "/jobs/job-0123456789",
    ]);
  });

  it("renders an empty body for an empty list", () => {
    render(() => <DeliveryLog items={[]} />);
    expect(screen.getAllByRole("row")).toHaveLength(1);
  });
});

describe("preference form mapping", () => {
  it("maps the simple form to the API body, one channel", () => {
    const form = {
      ...emptyPreferenceForm(),
      scope: "tag" as const,
      scopeValue: " billing ",
      channel: "webhook" as const,
      target: "https://hooks.example.com/x",
      secret: "whsec_0123456789abcdef",
    };
    expect(preferenceBody(form)).toEqual({
      recipient: "team:ops",
      scope: { type: "tag", tag: "billing" },
      kinds: ["run.dead_lettered"],
      channels: [{ type: "webhook", url: "https://hooks.example.com/x", secret: "whsec_0123456789abcdef" }],
    });
    expect(preferenceBody({ ...form, scope: "all", channel: "slack" })).toMatchObject({
      scope: { type: "all" },
      channels: [{ type: "slack", webhookUrl: "https://hooks.example.com/x" }],
    });
  });

  it("routes problem paths to form fields", () => {
    expect(preferenceFieldOf("channels.0.address")).toBe("target");
    expect(preferenceFieldOf("channels.0.secret")).toBe("secret");
    expect(preferenceFieldOf("scope.tag")).toBe("scope");
    expect(preferenceFieldOf("recipient")).toBe("recipient");
    expect(preferenceFieldOf("quietHours")).toBeNull();
  });

  it("builds a push preference and decodes the VAPID key", () => {
    const body = pushPreferenceBody("user:me", {
      endpoint: "https://push.example.com/abc",
      keys: { p256dh: "p", auth: "a" },
    });
    expect(body.channels).toEqual([
      {
        type: "push",
        subscription: { endpoint: "https://push.example.com/abc", keys: { p256dh: "p", auth: "a" } },
      },
    ]);
    expect([...base64UrlToBytes("BP-_")]).toEqual([0x04, 0xff, 0xbf]);
    expect(channelInWords({ type: "push", endpoint: "https://push.example.com/abc" })).toBe(
      "push push.example.com",
    );
  });
});
