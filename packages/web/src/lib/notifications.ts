/**
 * Notifications in the console: the shapes `/v1/notifications` and `/v1/notification-preferences`
 * answer with, and the pure mapping from the simple preference form to the API's body.
 */

export const NOTIFICATION_KINDS = [
  "run.failed",
  "run.dead_lettered",
  "job.recovered",
  "run.skipped",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface Delivery {
  id: string;
  at: string;
  sourceEventId: string;
  kind: string;
  jobId: string;
  runId: string | null;
  recipient: string;
  channel: string;
  destination: string;
  status: "sent" | "failed";
  attempts: number;
  error: string | null;
}

export type ChannelView =
  | { type: "email"; address: string }
  | { type: "slack" | "teams"; webhookUrl: string }
  | { type: "webhook"; url: string; secretSet: true }
  | { type: "push"; endpoint: string };

export type Scope = { type: "all" } | { type: "job"; jobId: string } | { type: "tag"; tag: string };

export interface Preference {
  id: string;
  recipient: string;
  scope: Scope;
  kinds: string[];
  channels: ChannelView[];
  createdAt: string;
  updatedAt: string;
}

export type ChannelType = "email" | "slack" | "teams" | "webhook";

/** What the "new preference" form holds (one channel). */
export interface PreferenceForm {
  recipient: string;
  scope: "all" | "job" | "tag";
  scopeValue: string;
  kinds: string[];
  channel: ChannelType;
  /** the address or URL of the channel */
  target: string;
  /** webhook signing secret */
  secret: string;
}

export const emptyPreferenceForm = (): PreferenceForm => ({
  recipient: "team:ops",
  scope: "all",
  scopeValue: "",
  kinds: ["run.dead_lettered"],
  channel: "email",
  target: "",
  secret: "",
});

function channelBody(form: PreferenceForm): Record<string, string> {
  switch (form.channel) {
    case "email":
      return { type: "email", address: form.target.trim() };
    case "slack":
    case "teams":
      return { type: form.channel, webhookUrl: form.target.trim() };
    case "webhook":
      return { type: "webhook", url: form.target.trim(), secret: form.secret };
  }
}

export function scopeBody(form: Pick<PreferenceForm, "scope" | "scopeValue">): Scope {
  if (form.scope === "job") return { type: "job", jobId: form.scopeValue.trim() };
  if (form.scope === "tag") return { type: "tag", tag: form.scopeValue.trim() };
  return { type: "all" };
}

/** The form → `POST /v1/notification-preferences` body; the API validates the rest. */
export function preferenceBody(form: PreferenceForm): Record<string, unknown> {
  return {
    recipient: form.recipient.trim(),
    scope: scopeBody(form),
    kinds: form.kinds,
    channels: [channelBody(form)],
  };
}

/** A push subscription (`PushSubscription.toJSON()`) as a preference for this browser. */
export function pushPreferenceBody(
  recipient: string,
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } },
): Record<string, unknown> {
  return {
    recipient,
    scope: { type: "all" },
    kinds: [...NOTIFICATION_KINDS],
    channels: [{ type: "push", subscription: { endpoint: subscription.endpoint, keys: subscription.keys } }],
  };
}

export function scopeInWords(scope: Scope): string {
  if (scope.type === "job") return `job ${scope.jobId}`;
  if (scope.type === "tag") return `tag ${scope.tag}`;
  return "all jobs";
}

export function channelInWords(channel: ChannelView): string {
  switch (channel.type) {
    case "email":
      return `email ${channel.address}`;
    case "slack":
    case "teams":
      return `${channel.type} ${hostOf(channel.webhookUrl)}`;
    case "webhook":
      return `webhook ${channel.url}`;
    case "push":
      return `push ${hostOf(channel.endpoint)}`;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** base64url (a VAPID public key) → the bytes `PushManager.subscribe` wants. */
export function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(value.length / 4) * 4, "=");
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}
