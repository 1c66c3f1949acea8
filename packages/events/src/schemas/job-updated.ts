/**
 * `JobUpdated`: some fields of a job's definition changed. Published versions, oldest
 * first (never edit one). On the wire `changes` has every field nullable (null =
 * unchanged); `changedFields` says which are set, which is how clearing a clearable field
 * (`description`, `concurrency`) to null differs from leaving it alone.
 * - v1: the fields of a v1 definition.
 * - v2: the v2 schedule, and the new top-level fields `concurrency` and `catchUp` (v1 data
 *   never lists them; its schedules read with the v2 defaults).
 */
import type { AvroRecord } from "../avro-type.ts";
import { EventDecodingError } from "../errors.ts";
import type { JobDefinition, JobField } from "../types.ts";
import { type EventSchema, type Problems, prop } from "./event-schema.ts";
import {
  CATCH_UP_POLICY_V2,
  HTTP_REQUEST_V1,
  OVERLAP_POLICY_V1,
  RETRY_POLICY_V1,
  SCHEDULE_V1,
  SCHEDULE_V2,
} from "./job-definition.ts";
import {
  catchUpFromAvro,
  catchUpToAvro,
  JOB_ENUM_LABELS,
  overlapFromAvro,
  overlapToAvro,
  requestFromAvro,
  requestToAvro,
  retryFromAvro,
  retryToAvro,
  scheduleFromAvro,
  scheduleToAvro,
  tagsFromAvro,
} from "./job-definition-convert.ts";
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
  "concurrency",
  "catchUp",
] as const satisfies readonly JobField[];

/** Compiles only while JOB_FIELDS names every JobField. */
type AssertNever<T extends never> = T;
export type MissingJobFields = AssertNever<Exclude<JobField, (typeof JOB_FIELDS)[number]>>;

/** Fields a change may set to null (the others are never null in a definition). */
const CLEARABLE: ReadonlySet<JobField> = new Set(["description", "concurrency"]);

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

const V2 = {
  type: "record",
  name: "JobUpdated",
  namespace: NAMESPACE,
  fields: [
    {
      name: "changes",
      type: {
        type: "record",
        name: "JobChanges",
        doc: "null = unchanged (except description and concurrency, see changedFields)",
        fields: [
          { name: "name", type: ["null", "string"], default: null },
          { name: "description", type: ["null", "string"], default: null },
          { name: "request", type: ["null", HTTP_REQUEST_V1], default: null },
          { name: "schedule", type: ["null", SCHEDULE_V2], default: null },
          { name: "retry", type: ["null", RETRY_POLICY_V1], default: null },
          { name: "overlap", type: ["null", OVERLAP_POLICY_V1], default: null },
          { name: "tags", type: ["null", { type: "array", items: "string" }], default: null },
          { name: "concurrency", type: ["null", "int"], default: null },
          { name: "catchUp", type: ["null", CATCH_UP_POLICY_V2], default: null },
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
          symbols: [
            "name",
            "description",
            "request",
            "schedule",
            "retry",
            "overlap",
            "tags",
            "concurrency",
            "catchUp",
          ],
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
    if (given === null && !CLEARABLE.has(field)) {
      problems.push({
        path: `changes.${field}`,
        message: "cannot be null (only description and concurrency can be cleared)",
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
    concurrency: convert("concurrency", (v) => v),
    catchUp: convert("catchUp", catchUpToAvro),
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
    if (field === "concurrency") {
      changes.concurrency = stored as number | null;
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
      case "catchUp":
        changes.catchUp = catchUpFromAvro(stored as AvroRecord);
        break;
    }
  }
  return changes;
}

export const jobUpdatedSchema: EventSchema<"JobUpdated"> = {
  family: "JobUpdated",
  versions: [
    { version: 1, schema: V1 },
    { version: 2, schema: V2 },
  ],
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
