/** What the notifier needs from the outside world. Adapters: packages/core/src/adapters/notify. */
import type { NotificationChannelType } from "@jobledger/events";
import type { ChannelConfig, NotificationPreference, PreferenceInput } from "./preferences.ts";
import type { JobOutcome, NotificationMessage } from "./rules.ts";

/** One delivery mechanism. Throws when the message was not accepted. */
export interface NotificationChannel {
  readonly type: NotificationChannelType;
  send(message: NotificationMessage, config: ChannelConfig): Promise<void>;
}

export interface PreferencePage {
  items: NotificationPreference[];
  cursor: string | null;
}

export interface PreferenceStore {
  create(tenant: string, input: PreferenceInput): Promise<NotificationPreference>;
  get(tenant: string, id: string): Promise<NotificationPreference | null>;
  /** null when it does not exist */
  replace(tenant: string, id: string, input: PreferenceInput): Promise<NotificationPreference | null>;
  /** false when it did not exist */
  remove(tenant: string, id: string): Promise<boolean>;
  list(tenant: string, options?: { cursor?: string | null; limit?: number }): Promise<PreferencePage>;
}

export interface JobOutcomeStore {
  get(tenant: string, jobId: string): Promise<JobOutcome | null>;
  set(tenant: string, jobId: string, outcome: JobOutcome): Promise<void>;
}

export interface DeliveryRecord {
  tenant: string;
  /** notification event id */
  id: string;
  at: string;
  sourceEventId: string;
  kind: string;
  jobId: string;
  runId: string | null;
  recipient: string;
  channel: NotificationChannelType;
  destination: string;
  status: "sent" | "failed";
  attempts: number;
  error: string | null;
}

export interface DeliveryLog {
  record(records: DeliveryRecord[]): Promise<void>;
  list(
    tenant: string,
    options?: { cursor?: string | null; limit?: number },
  ): Promise<{
    items: DeliveryRecord[];
    cursor: string | null;
  }>;
}

/** Integration events for other systems (EventBridge on AWS; off locally). */
export interface IntegrationPublisher {
  publish(message: NotificationMessage): Promise<void>;
}
