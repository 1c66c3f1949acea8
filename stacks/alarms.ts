/// <reference path="../.sst/platform/config.d.ts" />
/**
 * CloudWatch alarms on what tells an operator the system is falling behind or losing work:
 * each stream consumer's iterator age (records waiting), records it parked (poison pills),
 * each function's errors, and each on-failure queue's depth (records given up on), the API's 5xx rate, the schedule lag
 * (fire time to RunQueued) and runs dead-lettered (both from the EMF metrics the functions
 * print: namespace `Jobledger`, dimension `service=jobledger`; see docs/observability.md).
 * They notify an encrypted SNS topic, to which an e-mail address can be subscribed
 * (`JOBLEDGER_ALARM_EMAIL`).
 */
import type { FunctionResources } from "./functions.ts";
import type { StackSettings } from "./settings.ts";

/** Where the functions' EMF metrics land (packages/core/src/observability/install.ts). */
export const METRICS_NAMESPACE = "Jobledger";
export const METRICS_SERVICE = "jobledger";
/** alarm when the API answers more than this share of requests with a 5xx, over 5 minutes */
export const API_5XX_RATE_THRESHOLD = 0.05;
/** alarm when a fire waits longer than this (seconds) for its RunQueued, 3 minutes running */
export const SCHEDULE_LAG_THRESHOLD_SECONDS = 120;

export function alarms(settings: StackSettings, fns: FunctionResources) {
  const topic = new aws.sns.Topic("Alarms", { kmsMasterKeyId: "alias/aws/sns" });
  if (settings.alarmEmail) {
    new aws.sns.TopicSubscription("AlarmsEmail", {
      topic: topic.arn,
      protocol: "email",
      endpoint: settings.alarmEmail,
    });
  }
  const actions = { alarmActions: [topic.arn], okActions: [topic.arn], treatMissingData: "notBreaching" };

  const created: aws.cloudwatch.MetricAlarm[] = [];
  for (const [name, consumer, codeName] of [
    ["PostgresProjector", fns.postgresProjector, "postgres-projector"],
    ["Runner", fns.runner, "runner"],
    ["RedisProjector", fns.redisProjector, "redis-projector"],
    ["Notifier", fns.notifier, "notifier"],
    ["LakeProjector", fns.lakeProjector, "lake-projector"],
  ] as const) {
    created.push(
      new aws.cloudwatch.MetricAlarm(`${name}ParkedRecordsAlarm`, {
        alarmDescription: `${name} parked change records it could not handle: their streams wait (GET /v1/system/parked, docs/runbook.md)`,
        namespace: METRICS_NAMESPACE,
        metricName: "jobledger_records_parked_total",
        dimensions: { service: METRICS_SERVICE, consumer: codeName },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        ...actions,
      }),
      new aws.cloudwatch.MetricAlarm(`${name}IteratorAgeAlarm`, {
        alarmDescription: `${name} is behind the event stream: its oldest unprocessed record is older than ${settings.iteratorAgeAlarmMs / 1000} s`,
        namespace: "AWS/Lambda",
        metricName: "IteratorAge",
        dimensions: { FunctionName: consumer.function.name },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 5,
        threshold: settings.iteratorAgeAlarmMs,
        comparisonOperator: "GreaterThanThreshold",
        ...actions,
      }),
      new aws.cloudwatch.MetricAlarm(`${name}DeadLettersAlarm`, {
        alarmDescription: `${name} gave up on records: they are in its on-failure queue`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: consumer.deadLetters.name },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        ...actions,
      }),
    );
  }

  for (const [name, fn] of [
    ["Api", fns.api],
    ["PostgresProjector", fns.postgresProjector.function],
    ["Runner", fns.runner.function],
    ["RedisProjector", fns.redisProjector.function],
    ["Notifier", fns.notifier.function],
    ["LakeProjector", fns.lakeProjector.function],
    ["SchedulerTick", fns.schedulerTick],
  ] as const) {
    created.push(
      new aws.cloudwatch.MetricAlarm(`${name}ErrorsAlarm`, {
        alarmDescription: `${name} invocations failed`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fn.name },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        ...actions,
      }),
    );
  }

  const apiId = fns.httpApi.nodes.api.id;
  const apiMetric = (metricName: string) => ({
    namespace: "AWS/ApiGateway",
    metricName,
    dimensions: { ApiId: apiId },
    period: 300,
    stat: "Sum",
  });
  created.push(
    new aws.cloudwatch.MetricAlarm("Api5xxRateAlarm", {
      alarmDescription: `The API answered more than ${API_5XX_RATE_THRESHOLD * 100}% of requests with a 5xx in 5 minutes`,
      metricQueries: [
        { id: "errors", metric: apiMetric("5xx") },
        { id: "requests", metric: apiMetric("Count") },
        {
          id: "rate",
          expression: "IF(requests > 0, errors / requests, 0)",
          label: "5xx rate",
          returnData: true,
        },
      ],
      evaluationPeriods: 1,
      threshold: API_5XX_RATE_THRESHOLD,
      comparisonOperator: "GreaterThanThreshold",
      ...actions,
    }),
    new aws.cloudwatch.MetricAlarm("ScheduleLagAlarm", {
      alarmDescription: `Scheduled runs are queued more than ${SCHEDULE_LAG_THRESHOLD_SECONDS} s after their fire time: the scheduler tick is slow, failing or not invoked`,
      namespace: METRICS_NAMESPACE,
      metricName: "jobledger_schedule_lag_seconds",
      dimensions: { service: METRICS_SERVICE },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 3,
      threshold: SCHEDULE_LAG_THRESHOLD_SECONDS,
      comparisonOperator: "GreaterThanThreshold",
      ...actions,
    }),
    new aws.cloudwatch.MetricAlarm("RunsDeadLetteredAlarm", {
      alarmDescription:
        "Runs were dead-lettered: their retries are exhausted (redrive them from the console or API)",
      namespace: METRICS_NAMESPACE,
      metricName: "jobledger_runs_total",
      dimensions: { service: METRICS_SERVICE, outcome: "dead_lettered" },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      ...actions,
    }),
  );

  return { topic, alarms: created };
}
