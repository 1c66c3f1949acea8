/**
 * `JobUpdated`: some fields of a job's definition changed. Published versions, oldest
 * first (never edit one). On the wire `changes` has every field nullable (null =
 * unchanged); `changedFields` says which are set, which is how clearing `description`
 * (to null) differs from leaving it alone.
 */
import type { AvroRecord } from "../avro-type.ts";
import { EventDecodingError } from "../errors.ts";
import type { JobDefinition, JobField } from "../types.ts";
import { type EventSchema, type Problems, prop } from "./event-schema.ts";
import {
  HTTP_REQUEST_V1,
  JOB_ENUM_LABELS,
  OVERLAP_POLICY_V1,
  overlapFromAvro,
  overlapToAvro,
  RETRY_POLICY_V1,
  requestFromAvro,
  requestToAvro,
  retryFromAvro,
  retryToAvro,
  SCHEDULE_V1,
  scheduleFromAvro,
  scheduleToAvro,
  tagsFromAvro,
} from "./job-definition.ts";
import { NAMESPACE } from "./namespace.ts";

/** Every field of a job definition, in schema order. */
export const JOB_FIELDS = [
  "name",
  "description",
  "request",
  "schedule",
  "retry",
  "overlap",
  "tags",
] as const satisfies readonly JobField[];

/** Compiles only while JOB_FIELDS names every JobField. */
type AssertNever<T extends never> = T;
export type MissingJobFields = AssertNever<Exclude<JobField, (typeof JOB_FIELDS)[number]>>;

const V1 = {
  type: "record",
  name: "JobUpdated",
  namespace: NAMESPACE,
  fields: [
    {
      name: "changes",
      type: {
        type: "record",
        name: "JobChanges",
        doc: "null = unchanged (except description, see changedFields)",
        fields: [
          { name: "name", type: ["null", "string"], default: null },
          { name: "description", type: ["null", "string"], default: null },
          { name: "request", type: ["null", HTTP_REQUEST_V1], default: null },
          { name: "schedule", type: ["null", SCHEDULE_V1], default: null },
          { name: "retry", type: ["null", RETRY_POLICY_V1], default: null },
          { name: "overlap", type: ["null", OVERLAP_POLICY_V1], default: null },
          { name: "tags", type: ["null", { type: "array", items: "string" }], default: null },
        ],
      },
    },
    {
      name: "changedFields",
      type: {
        type: "array",
        items: {
          type: "enum",
          name: "JobField",
          symbols: ["name", "description", "request", "schedule", "retry", "overlap", "tags"],
        },
      },
    },
  ],
} as const;

function isJobField(value: unknown): value is JobField {
  return (JOB_FIELDS as readonly unknown[]).includes(value);
}

function changesToAvro(changes: object, changedFields: unknown, problems: Problems): AvroRecord {
  for (const key of Object.keys(changes)) {
    if (!isJobField(key) && prop(changes, key) !== undefined) {
      problems.push({ path: `changes.${key}`, message: "is not a field of a job definition" });
    }
  }
  const listed = Array.isArray(changedFields) ? changedFields : [];
  for (const field of JOB_FIELDS) {
    const given = prop(changes, field);
    if (given !== undefined && !listed.includes(field)) {
      problems.push({
        path: `changes.${field}`,
        message: `is set but changedFields does not list "${field}"`,
      });
    }
    if (given === null && field !== "description") {
      problems.push({
        path: `changes.${field}`,
        message: "cannot be null (only description can be cleared)",
      });
    }
  }
  for (const [i, field] of listed.entries()) {
    if (isJobField(field) && prop(changes, field) === undefined) {
      problems.push({
        path: `changedFields.${i}`,
        message: `lists "${field}" but changes.${field} is not set`,
      });
    }
  }
  const convert = (field: JobField, to: (v: unknown) => unknown) => {
    const given = prop(changes, field);
    return given === undefined || given === null ? null : to(given);
  };
  return {
    name: convert("name", (v) => v),
    description: convert("description", (v) => v),
    request: convert("request", (v) => requestToAvro(v, "changes.request", problems)),
    schedule: convert("schedule", (v) => scheduleToAvro(v, "changes.schedule", problems)),
    retry: convert("retry", (v) => retryToAvro(v, "changes.retry", problems)),
    overlap: convert("overlap", (v) => overlapToAvro(v, "changes.overlap", problems)),
    tags: convert("tags", (v) => v),
  };
}

function changesFromAvro(value: AvroRecord, changedFields: readonly JobField[]): Partial<JobDefinition> {
  const changes: Partial<JobDefinition> = {};
  for (const field of changedFields) {
    const stored = value[field];
    if (field === "description") {
      changes.description = stored as string | null;
      continue;
    }
    if (stored === null || stored === undefined) {
      throw new EventDecodingError(`JobUpdated lists ${field} as changed but holds no value for it`);
    }
    switch (field) {
      case "name":
        changes.name = stored as string;
        break;
      case "request":
        changes.request = requestFromAvro(stored as AvroRecord);
        break;
      case "schedule":
        changes.schedule = scheduleFromAvro(stored as AvroRecord);
        break;
      case "retry":
        changes.retry = retryFromAvro(stored as AvroRecord);
        break;
      case "overlap":
        changes.overlap = overlapFromAvro(stored);
        break;
      case "tags":
        changes.tags = tagsFromAvro(stored);
        break;
    }
  }
  return changes;
}

export const jobUpdatedSchema: EventSchema<"JobUpdated"> = {
  family: "JobUpdated",
  versions: [{ version: 1, schema: V1 }],
  enumLabels: JOB_ENUM_LABELS,
  toAvro: (data, problems) => {
    const changes = prop(data, "changes");
    const changedFields = prop(data, "changedFields");
    return {
      changes:
        changes !== null && typeof changes === "object"
          ? changesToAvro(changes, changedFields, problems)
          : changes,
      changedFields,
    };
  },
  /** Only the fields in `changedFields` are set; anything else stored is ignored. */
  fromAvro: (value) => {
    const changedFields = [...(value.changedFields as JobField[])];
    return { changes: changesFromAvro(value.changes as AvroRecord, changedFields), changedFields };
  },
};
