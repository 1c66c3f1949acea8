/** `JobCreated`: a job was defined. Published versions, oldest first (never edit one). */
import type { AvroRecord } from "../avro-type.ts";
import type { EventSchema } from "./event-schema.ts";
import { prop } from "./event-schema.ts";
import {
  definitionFromAvro,
  definitionToAvro,
  JOB_DEFINITION_V1,
  JOB_ENUM_LABELS,
} from "./job-definition.ts";
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
  ],
  enumLabels: JOB_ENUM_LABELS,
  toAvro: (data, problems) => ({
    definition: definitionToAvro(prop(data, "definition"), "definition", problems),
  }),
  fromAvro: (value) => ({ definition: definitionFromAvro(value.definition as AvroRecord) }),
};
