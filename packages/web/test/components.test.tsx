import { cleanup, render, screen } from "@solidjs/testing-library";
import { createResource } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { AsyncState } from "../src/components/AsyncState";
import { JsonView } from "../src/components/JsonView";
import { LiveIndicator } from "../src/components/LiveIndicator";
import { RunHistory } from "../src/components/RunHistory";
import { StatusBadge } from "../src/components/StatusBadge";
import { ApiError } from "../src/lib/api";
import type { RunSummary } from "../src/lib/types";

afterEach(cleanup);

const run = (status: RunSummary["status"], i: number): RunSummary => ({
  runId: `r${i}`,
  jobId: "j",
  status,
  trigger: "schedule",
  scheduledFor: null,
  attempt: 1,
  lastStatusCode: null,
  lastError: null,
  skipReason: null,
  createdAt: "2026-11-23T10:00:00Z",
  updatedAt: "2026-11-23T10:00:00Z",
  finishedAt: null,
});

describe("components", () => {
  it("StatusBadge shows the status as text", () => {
    render(() => <StatusBadge status="paused" />);
    expect(screen.getByText("paused").className).toContain("badge-paused");
  });

  it("RunHistory summarises successes and failures for screen readers", () => {
    render(() => <RunHistory runs={[run("succeeded", 1), run("dead-lettered", 2), run("succeeded", 3)]} />);
    const strip = screen.getByRole("img");
    expect(strip.getAttribute("aria-label")).toBe("last 3 runs: 2 succeeded, 1 failed");
    expect(strip.querySelectorAll(".ok")).toHaveLength(2);
    expect(strip.querySelectorAll(".bad")).toHaveLength(1);
  });

  it("LiveIndicator says when the feed is disconnected", () => {
    render(() => <LiveIndicator />);
    expect(screen.getByRole("status").textContent).toContain("disconnected");
  });

  it("AsyncState explains a missing endpoint", async () => {
    render(() => {
      const [res] = createResource(async (): Promise<string> => {
        throw new ApiError(404, {
          status: 404,
          title: "Not Found",
          detail: "no route GET /v1/system/status",
        });
      });
      return (
        <AsyncState resource={res} what="the system status">
          {(v) => <p>{v}</p>}
        </AsyncState>
      );
    });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("the system status is not available from this API (404");
  });

  it("AsyncState shows the empty state, then content", async () => {
    render(() => {
      const [res] = createResource(async () => [] as string[]);
      return (
        <AsyncState resource={res} what="jobs" isEmpty={(v) => v.length === 0}>
          {(v) => <p>{v.length} jobs</p>}
        </AsyncState>
      );
    });
    expect(await screen.findByText("No jobs yet.")).toBeTruthy();
  });

  it("JsonView renders objects and arrays of objects", () => {
    render(() => <JsonView value={{ lag: [{ consumer: "runs", seconds: 2 }], ok: true }} />);
    expect(screen.getByText("consumer")).toBeTruthy();
    expect(screen.getByText("runs")).toBeTruthy();
    expect(screen.getByText("true")).toBeTruthy();
  });
});
