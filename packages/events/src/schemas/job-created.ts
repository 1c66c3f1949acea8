/**
 * `JobCreated`: a job was defined. Published versions, oldest first (never edit one).
 * - v1: the first definition shape.
 * - v2: schedule bounds, jitter and DST rules, `concurrency`, `catchUp` (all defaulted, so
 *   v1 data reads as a v2 definition with the defaults; see `job-definition.ts`).
 */
import type { AvroRecord } from "../avro-type.ts";
import type { EventSchema } from "./event-schema.ts";
import { prop } from "./event-schema.ts";
import { JOB_DEFINITION_V1, JOB_DEFINITION_V2 } from "./job-definition.ts";
import { definitionFromAvro, definitionToAvro, JOB_ENUM_LABELS } from "./job-definition-convert.ts";
import { NAMESPACE } from "./namespace.ts";

export const jobCreatedSchema: EventSchema<"JobCreated"> = {
  family: "JobCreated",
  versions: [
    {
      version: 1,
      schema: {
        type: "record",
        name: "JobCreated",
        namespace: NAMESPACE,
        fields: [{ name: "definition", type: JOB_DEFINITION_V1 }],
      },
    },
    {
      version: 2,
      schema: {
        type: "record",
        name: "JobCreated",
        namespace: NAMESPACE,
        fields: [{ name: "definition", type: JOB_DEFINITION_V2 }],
      },
    },
  ],
  enumLabels: JOB_ENUM_LABELS,
  toAvro: (data, problems) => ({
    definition: definitionToAvro(prop(data, "definition"), "definition", problems),
  }),
  fromAvro: (value) => ({ definition: definitionFromAvro(value.definition as AvroRecord) }),
};
