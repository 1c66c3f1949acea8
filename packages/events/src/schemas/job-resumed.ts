/** `JobResumed`: a paused job fires again. Published versions, oldest first (never edit one). */
import type { EventSchema } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";

export const jobResumedSchema: EventSchema<"JobResumed"> = {
  family: "JobResumed",
  versions: [
    { version: 1, schema: { type: "record", name: "JobResumed", namespace: NAMESPACE, fields: [] } },
  ],
  toAvro: () => ({}),
  fromAvro: () => ({}),
};
