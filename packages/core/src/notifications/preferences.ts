/**
 * Notification preferences: who hears about what, through which channels. Plain data; the
 * API validates it (zod) and the preference store keeps it (DynamoDB via ElectroDB).
 */

export const NOTIFICATION_KINDS = [
  "run.failed",
  "run.dead_lettered",
  "job.recovered",
  "run.skipped",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export type ChannelConfig =
  | { type: "email"; address: string }
  | { type: "slack"; webhookUrl: string }
  | { type: "teams"; webhookUrl: string }
  | { type: "webhook"; url: string; secret: string }
  | { type: "push"; subscription: PushSubscription };

export interface PushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export type PreferenceScope = { type: "all" } | { type: "job"; jobId: string } | { type: "tag"; tag: string };

/** A daily window (local wall-clock "HH:MM", may wrap midnight) in which nothing is sent. */
export interface QuietHours {
  timezone: string;
  start: string;
  end: string;
}

/** Stored and validated; delivering digests is not built yet (docs/notifications.md). */
export interface DigestOption {
  enabled: boolean;
  intervalMinutes: number;
}

export interface PreferenceInput {
  /** `user:<id>` or `team:<id>` */
  recipient: string;
  scope: PreferenceScope;
  kinds: NotificationKind[];
  channels: ChannelConfig[];
  quietHours: QuietHours | null;
  digest: DigestOption | null;
}

export interface NotificationPreference extends PreferenceInput {
  tenant: string;
  id: string;
  createdAt: string;
  updatedAt: string;
}
