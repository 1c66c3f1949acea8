/** `JobPaused`: a job stopped firing until resumed. Published versions, oldest first (never edit one). */
import type { EventSchema } from "./event-schema.ts";
import { prop } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";

export const jobPausedSchema: EventSchema<"JobPaused"> = {
  family: "JobPaused",
  versions: [
    {
      version: 1,
      schema: {
        type: "record",
        name: "JobPaused",
        namespace: NAMESPACE,
        fields: [{ name: "reason", type: ["null", "string"], default: null }],
      },
    },
  ],
  toAvro: (data) => ({ reason: prop(data, "reason") }),
  fromAvro: (value) => ({ reason: value.reason as string | null }),
};
