/**
 * `NotificationFailed`: a channel did not accept a notification. `final` = no further
 * attempt will be made (the failure is reported, not retried forever).
 * Published versions, oldest first (never edit one).
 */
import type { EventSchema } from "./event-schema.ts";
import { pick } from "./event-schema.ts";
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
  name: "NotificationFailed",
  namespace: NAMESPACE,
  fields: [
    ...NOTIFICATION_FACT_FIELDS_V1,
    { name: "error", type: "string" },
    { name: "final", type: "boolean" },
  ],
} as const;

export const notificationFailedSchema: EventSchema<"NotificationFailed"> = {
  family: "NotificationFailed",
  versions: [{ version: 1, schema: V1 }],
  enumLabels: enumLabels(NOTIFICATION_CHANNEL),
  toAvro: (data, problems) => ({ ...factsToAvro(data, problems), ...pick(data, ["error", "final"]) }),
  fromAvro: (value) => ({
    ...factsFromAvro(value),
    error: value.error as string,
    final: value.final as boolean,
  }),
};
