/**
 * The dashboard body, built from resolved names without Pulumi: valid CloudWatch widgets on
 * a 24-column grid, every alarm, each consumer's iterator age and dead letters, the API's
 * metrics and our EMF metrics through SEARCH expressions (stacks.test.ts checks the
 * declared resource).
 */
import { describe, expect, it } from "vitest";
import { dashboardBody } from "../dashboard.ts";

const body = JSON.parse(
  dashboardBody({
    region: "eu-west-1",
    alarmArns: ["arn:alarm:1", "arn:alarm:2"],
    consumerFns: ["projector-fn", "runner-fn"],
    deadLetterQueues: ["projector-dlq", "runner-dlq"],
    fnNames: ["api-fn", "projector-fn", "runner-fn", "tick-fn"],
    apiId: "api123",
  }),
) as {
  widgets: {
    type: string;
    x: number;
    y: number;
    width: number;
    height: number;
    properties: { title: string; region?: string; alarms?: string[]; metrics?: unknown[][] };
  }[];
};
const metricsOf = (title: RegExp) =>
  body.widgets.find((w) => title.test(w.properties.title ?? ""))?.properties.metrics ?? [];

describe("the dashboard body", () => {
  it("places every widget on the 24-column grid without overlap", () => {
    const cells = new Set<string>();
    for (const w of body.widgets) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x++) {
        const cell = `${x},${w.y}`;
        expect(cells.has(cell)).toBe(false);
        cells.add(cell);
      }
      if (w.type === "metric") expect(w.properties.region).toBe("eu-west-1");
    }
  });

  it("shows every alarm, each consumer's iterator age and dead letters, and the API", () => {
    expect(body.widgets.find((w) => w.type === "alarm")?.properties.alarms).toEqual([
      "arn:alarm:1",
      "arn:alarm:2",
    ]);
    expect(metricsOf(/iterator age/i).map((m) => m.slice(0, 4))).toEqual([
      ["AWS/Lambda", "IteratorAge", "FunctionName", "projector-fn"],
      ["AWS/Lambda", "IteratorAge", "FunctionName", "runner-fn"],
    ]);
    expect(metricsOf(/dead letters/i).map((m) => m[3])).toEqual(["projector-dlq", "runner-dlq"]);
    expect(metricsOf(/API requests/).map((m) => m[1])).toEqual(["Count", "5xx", "4xx"]);
    expect(metricsOf(/Function errors/).map((m) => m[3])).toEqual([
      "api-fn",
      "projector-fn",
      "runner-fn",
      "tick-fn",
    ]);
  });

  it("reads our EMF metrics from the Jobledger namespace", () => {
    const expression = (title: RegExp) =>
      (metricsOf(title)[0]?.[0] as { expression?: string } | undefined)?.expression;
    expect(expression(/Runs by outcome/)).toBe(
      `SEARCH('{Jobledger,service,outcome} MetricName="jobledger_runs_total" service="jobledger"', 'Sum', 300)`,
    );
    expect(expression(/Requests per route/)).toContain("{Jobledger,service,method,route,status}");
    expect(expression(/Notification deliveries/)).toContain(
      'MetricName="jobledger_notification_deliveries_total"',
    );
    expect(metricsOf(/Schedule lag/)[0]?.slice(0, 4)).toEqual([
      "Jobledger",
      "jobledger_schedule_lag_seconds",
      "service",
      "jobledger",
    ]);
  });
});
