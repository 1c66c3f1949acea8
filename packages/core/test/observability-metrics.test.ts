/**
 * The metrics port and its adapters: prom-client renders the Prometheus text format; the
 * Powertools (EMF) adapter prints CloudWatch Embedded Metric Format with the labels as
 * dimensions; instruments defined before a backend is installed record into it afterwards.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createEmfBackend } from "../src/observability/emf.ts";
import { notificationDeliveries, recordAppended } from "../src/observability/instruments.ts";
import { defineCounter, setMetricsBackend } from "../src/observability/metrics.ts";
import { createPrometheusBackend } from "../src/observability/prometheus.ts";

afterEach(() => {
  setMetricsBackend(null);
  vi.restoreAllMocks();
});

describe("metrics", () => {
  it("are no-ops without a backend and record once one is installed", async () => {
    const counter = defineCounter({
      name: "test_things_total",
      help: "things",
      labelNames: ["kind"],
      unit: "count",
    });
    counter.inc({ kind: "before" }); // nowhere to go: dropped
    const prom = createPrometheusBackend();
    setMetricsBackend(prom);
    counter.inc({ kind: "a" });
    counter.inc({ kind: "a" }, 2);
    const text = await prom.scrape();
    expect(text).toContain("# TYPE test_things_total counter");
    expect(text).toContain('test_things_total{kind="a"} 3');
    expect(text).not.toContain("before");
  });

  it("count appended events by type and run transitions by outcome", async () => {
    const prom = createPrometheusBackend();
    setMetricsBackend(prom);
    recordAppended([
      { type: "RunQueued" },
      { type: "AttemptStarted" },
      { type: "RunDeadLettered" },
      { type: "JobCreated" },
    ]);
    notificationDeliveries.inc({ channel: "email", result: "sent" });
    const text = await prom.scrape();
    expect(text).toContain('jobledger_events_appended_total{type="RunQueued"} 1');
    expect(text).toContain('jobledger_events_appended_total{type="JobCreated"} 1');
    expect(text).toContain('jobledger_runs_total{outcome="queued"} 1');
    expect(text).toContain('jobledger_runs_total{outcome="started"} 1');
    expect(text).toContain('jobledger_runs_total{outcome="dead_lettered"} 1');
    expect(text).toContain('jobledger_notification_deliveries_total{channel="email",result="sent"} 1');
  });

  it("print CloudWatch EMF with labels as dimensions on Lambda", () => {
    const printed: string[] = [];
    // Powertools writes EMF straight to stdout (its own Console on process.stdout)
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      printed.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    });
    setMetricsBackend(createEmfBackend({ namespace: "JobledgerTest", serviceName: "jobledger" }));
    recordAppended([{ type: "RunSucceeded" }]);
    const docs = printed.map((l) => JSON.parse(l) as Record<string, unknown>);
    const runs = docs.find((d) => "jobledger_runs_total" in d) as
      | {
          _aws: {
            CloudWatchMetrics: {
              Namespace: string;
              Dimensions: string[][];
              Metrics: { Name: string; Unit: string }[];
            }[];
          };
          outcome: string;
          jobledger_runs_total: number;
        }
      | undefined;
    expect(runs).toBeDefined();
    expect(runs?.outcome).toBe("succeeded");
    expect(runs?.jobledger_runs_total).toBe(1);
    const [directive] = runs?._aws.CloudWatchMetrics ?? [];
    expect(directive?.Namespace).toBe("JobledgerTest");
    expect(directive?.Dimensions[0]).toEqual(expect.arrayContaining(["service", "outcome"]));
    expect(directive?.Metrics).toEqual([{ Name: "jobledger_runs_total", Unit: "Count" }]);
  });
});
