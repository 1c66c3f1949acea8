/**
 * Builds the notifier and its stores from configuration (used by packages/functions/src/wiring.ts):
 * email over SMTP when `notifications.smtpUrl` is set (the local sink), else SES; Web Push
 * when VAPID keys are configured; EventBridge integration events when a bus is configured.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { v7 as uuidv7 } from "uuid";
import type { AppConfig } from "../../config.ts";
import { parseTargetAllowList } from "../../domain/job/target-policy.ts";
import type { Logger } from "../../logging.ts";
import { createNotifier, type JobDirectory, type Notifier } from "../../notifications/notifier.ts";
import type { DeliveryLog, NotificationChannel, PreferenceStore } from "../../notifications/ports.ts";
import type { Clock } from "../../ports/clock.ts";
import type { EventStore } from "../../ports/event-store.ts";
import { createDynamoDeliveryLog } from "./delivery-log.ts";
import { createSesEmailChannel, createSmtpEmailChannel } from "./email-channel.ts";
import { createEventBridgePublisher } from "./eventbridge-publisher.ts";
import { createJsonPoster } from "./http-post.ts";
import { createDynamoJobOutcomeStore, createDynamoPreferenceStore } from "./preference-store.ts";
import { createPushChannel } from "./push-channel.ts";
import { createSlackChannel } from "./slack-channel.ts";
import { createTeamsChannel } from "./teams-channel.ts";
import { createWebhookChannel } from "./webhook-channel.ts";

export interface NotificationServices {
  preferences: PreferenceStore;
  deliveries: DeliveryLog;
  notifier: Notifier;
}

export function createNotificationServices(deps: {
  config: AppConfig;
  doc: DynamoDBDocumentClient;
  eventStore: EventStore;
  jobs: JobDirectory;
  clock: Clock;
  logger: Logger;
  /** overrides for tests (e.g. a short backoff) */
  retryBaseDelayMs?: number;
}): NotificationServices {
  const { config, doc, clock } = deps;
  const n = config.notifications;
  const tableName = config.dynamodb.notificationsTable;
  const post = createJsonPoster({ allowList: parseTargetAllowList(config.targets.allowList) });
  const channels: NotificationChannel[] = [
    n.smtpUrl
      ? createSmtpEmailChannel({ smtpUrl: n.smtpUrl, from: n.emailFrom })
      : createSesEmailChannel({ region: config.region, from: n.emailFrom }),
    createSlackChannel(post),
    createTeamsChannel(post),
    createWebhookChannel(clock, post),
  ];
  if (n.vapidPublicKey && n.vapidPrivateKey) {
    channels.push(
      createPushChannel({
        vapid: { publicKey: n.vapidPublicKey, privateKey: n.vapidPrivateKey },
        subject: n.vapidSubject,
        post,
      }),
    );
  }
  const preferences = createDynamoPreferenceStore({ doc, tableName, clock });
  const deliveries = createDynamoDeliveryLog({ doc, tableName });
  const notifier = createNotifier({
    eventStore: deps.eventStore,
    preferences,
    outcomes: createDynamoJobOutcomeStore({ doc, tableName }),
    deliveries,
    jobs: deps.jobs,
    channels,
    clock,
    logger: deps.logger,
    consoleUrl: n.consoleUrl,
    retry: {
      maxAttempts: n.maxAttempts,
      ...(deps.retryBaseDelayMs === undefined ? {} : { baseDelayMs: deps.retryBaseDelayMs }),
    },
    integration: n.eventBus
      ? createEventBridgePublisher({ busName: n.eventBus, region: config.region })
      : null,
    newId: uuidv7,
  });
  return { preferences, deliveries, notifier };
}
