/// <reference path="../.sst/platform/config.d.ts" />
/**
 * What the notifier sends through besides plain HTTPS (webhooks, Slack, Teams, Web Push):
 * the SES identity notification e-mails are sent as, and the EventBridge bus it publishes
 * integration events on (`job.failed`, `job.recovered`, ...; docs/notifications.md). The
 * notifier may send as this identity and put events on this bus only (stacks/permissions.ts).
 */
import type { StackSettings } from "./settings.ts";

export function notificationChannels(settings: StackSettings) {
  // an address identity is verified by a link SES mails to it; a domain identity by DKIM records
  const emailIdentity = new aws.sesv2.EmailIdentity("NotificationsSender", {
    emailIdentity: settings.notifications.emailIdentity,
  });

  const eventBus = new aws.cloudwatch.EventBus("IntegrationEvents", {
    name: `jobledger-${$app.stage}-integration`,
  });

  return { emailIdentity, eventBus, emailFrom: settings.notifications.emailFrom };
}

export type NotificationChannelResources = ReturnType<typeof notificationChannels>;
