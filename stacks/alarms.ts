/// <reference path="../.sst/platform/config.d.ts" />
/**
 * CloudWatch alarms on what tells an operator the system is falling behind or losing work:
 * each stream consumer's iterator age (records waiting), each function's errors, and each
 * on-failure queue's depth (records given up on). They notify an encrypted SNS topic, to
 * which an e-mail address can be subscribed (`JOBLEDGER_ALARM_EMAIL`).
 */
import type { FunctionResources } from "./functions.ts";
import type { StackSettings } from "./settings.ts";

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
  for (const [name, consumer] of [
    ["PostgresProjector", fns.postgresProjector],
    ["Runner", fns.runner],
  ] as const) {
    created.push(
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

  return { topic, alarms: created };
}
