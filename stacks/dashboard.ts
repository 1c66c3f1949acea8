/// <reference path="../.sst/platform/config.d.ts" />
/**
 * One CloudWatch dashboard per stage with what an operator checks first: alarm states, the
 * consumers' iterator age and dead letters, the API's traffic, errors and latency, and the
 * functions' own EMF metrics (runs by outcome, schedule lag, events appended, requests per
 * route, notification deliveries per channel). Metric names: docs/observability.md.
 */
import { METRICS_NAMESPACE, METRICS_SERVICE } from "./alarms.ts";
import type { FunctionResources } from "./functions.ts";

type Widget = Record<string, unknown>;

/** A SEARCH over one of our EMF metrics with all its dimensions (one line per label set). */
const search = (metric: string, dimensions: string[], stat: string, period = 300) =>
  `SEARCH('{${METRICS_NAMESPACE},${["service", ...dimensions].join(",")}} MetricName="${metric}" service="${METRICS_SERVICE}"', '${stat}', ${period})`;

export function dashboard(fns: FunctionResources, alarms: aws.cloudwatch.MetricAlarm[]) {
  const region = aws.getRegionOutput().name;
  const consumers = [
    ["PostgresProjector", fns.postgresProjector],
    ["Runner", fns.runner],
    ["RedisProjector", fns.redisProjector],
    ["Notifier", fns.notifier],
    ["LakeProjector", fns.lakeProjector],
  ] as const;
  const functions = [
    ["Api", fns.api],
    ["PostgresProjector", fns.postgresProjector.function],
    ["Runner", fns.runner.function],
    ["RedisProjector", fns.redisProjector.function],
    ["Notifier", fns.notifier.function],
    ["LakeProjector", fns.lakeProjector.function],
    ["SchedulerTick", fns.schedulerTick],
  ] as const;
  const apiId = fns.httpApi.nodes.api.id;

  const body = $resolve({
    region,
    alarmArns: $resolve(alarms.map((a) => a.arn)),
    consumerFns: $resolve(consumers.map(([, c]) => c.function.name)),
    deadLetterQueues: $resolve(consumers.map(([, c]) => c.deadLetters.name)),
    fnNames: $resolve(functions.map(([, f]) => f.name)),
    apiId,
  }).apply(dashboardBody);

  const name = `jobledger-${$app.stage}`;
  // `name` is returned as a plain string: the body waits for the functions' builds
  return {
    name,
    dashboard: new aws.cloudwatch.Dashboard("Dashboard", { dashboardName: name, dashboardBody: body }),
  };
}

/** What the dashboard shows, resolved; the body is built from it by `dashboardBody`. */
export interface DashboardInputs {
  region: string;
  alarmArns: string[];
  consumerFns: string[];
  deadLetterQueues: string[];
  fnNames: string[];
  apiId: string;
}

/** The dashboard's JSON body (CloudWatch dashboard body structure). */
export function dashboardBody({
  region,
  alarmArns,
  consumerFns,
  deadLetterQueues,
  fnNames,
  apiId,
}: DashboardInputs): string {
  let y = 0;
  const row = (widgets: Widget[]) => {
    const width = 24 / widgets.length;
    const placed = widgets.map((w, i) => ({ x: i * width, y, width, height: 6, ...w }));
    y += 6;
    return placed;
  };
  const chart = (title: string, metrics: unknown[], extra: Record<string, unknown> = {}): Widget => ({
    type: "metric",
    properties: { title, region, view: "timeSeries", stacked: false, metrics, ...extra },
  });
  /** one metrics row holding a math/search expression */
  const expression = (id: string, expr: string, label: string) => [[{ id, expression: expr, label }]];
  return JSON.stringify({
    widgets: [
      ...row([{ type: "alarm", properties: { title: "Alarms", alarms: alarmArns } }]),
      ...row([
        chart(
          "Consumer iterator age (ms): oldest unprocessed record",
          consumerFns.map((name) => ["AWS/Lambda", "IteratorAge", "FunctionName", name, { stat: "Maximum" }]),
        ),
        chart(
          "Consumer dead letters (records given up on)",
          deadLetterQueues.map((name) => [
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            name,
          ]),
        ),
      ]),
      ...row([
        chart("API requests and 5xx", [
          ["AWS/ApiGateway", "Count", "ApiId", apiId, { stat: "Sum" }],
          ["AWS/ApiGateway", "5xx", "ApiId", apiId, { stat: "Sum" }],
          ["AWS/ApiGateway", "4xx", "ApiId", apiId, { stat: "Sum" }],
        ]),
        chart("API latency (ms)", [
          ["AWS/ApiGateway", "Latency", "ApiId", apiId, { stat: "p50" }],
          ["AWS/ApiGateway", "Latency", "ApiId", apiId, { stat: "p95" }],
          ["AWS/ApiGateway", "Latency", "ApiId", apiId, { stat: "p99" }],
        ]),
        chart(
          "Requests per route",
          expression(
            "routes",
            search("jobledger_http_requests_total", ["method", "route", "status"], "Sum"),
            "",
          ),
        ),
      ]),
      ...row([
        chart("Runs by outcome", expression("runs", search("jobledger_runs_total", ["outcome"], "Sum"), "")),
        chart("Schedule lag (s): fire time to RunQueued", [
          [
            METRICS_NAMESPACE,
            "jobledger_schedule_lag_seconds",
            "service",
            METRICS_SERVICE,
            { stat: "Maximum" },
          ],
          [METRICS_NAMESPACE, "jobledger_schedule_lag_seconds", "service", METRICS_SERVICE, { stat: "p95" }],
        ]),
        chart(
          "Events appended by type",
          expression("events", search("jobledger_events_appended_total", ["type"], "Sum"), ""),
        ),
      ]),
      ...row([
        chart(
          "Notification deliveries by channel",
          expression(
            "notifications",
            search("jobledger_notification_deliveries_total", ["channel", "result"], "Sum"),
            "",
          ),
        ),
        chart(
          "Function errors",
          fnNames.map((name) => ["AWS/Lambda", "Errors", "FunctionName", name, { stat: "Sum" }]),
        ),
        chart(
          "Function duration p95 (ms)",
          fnNames.map((name) => ["AWS/Lambda", "Duration", "FunctionName", name, { stat: "p95" }]),
        ),
      ]),
    ],
  });
}
