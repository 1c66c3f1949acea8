/**
 * `NotificationSent`: a channel accepted a notification (after `attempts` tries).
 * Published versions, oldest first (never edit one).
 */
import type { EventSchema } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";
import {
  factsFromAvro,
  factsToAvro,
  NOTIFICATION_CHANNEL,
  NOTIFICATION_FACT_FIELDS_V1,
} from "./notification-facts.ts";
import { enumLabels } from "./symbols.ts";

const V1 = {
  type: "record",
  name: "NotificationSent",
  namespace: NAMESPACE,
  fields: [...NOTIFICATION_FACT_FIELDS_V1],
} as const;

export const notificationSentSchema: EventSchema<"NotificationSent"> = {
  family: "NotificationSent",
  versions: [{ version: 1, schema: V1 }],
  enumLabels: enumLabels(NOTIFICATION_CHANNEL),
  toAvro: (data, problems) => factsToAvro(data, problems),
  fromAvro: (value) => factsFromAvro(value),
};
