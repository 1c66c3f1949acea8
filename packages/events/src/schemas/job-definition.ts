/**
 * Avro building blocks of a job definition, as published in version 1 of the job event
 * schemas (JobCreated, JobUpdated), and their conversion to and from the TS shapes.
 *
 * FROZEN: these fragments are part of published schemas. Never edit them (the golden
 * tests fail if their canonical form changes); a change adds `...V2` fragments used by
 * new schema versions.
 */
import type { AvroRecord } from "../avro-type.ts";
import { EventDecodingError } from "../errors.ts";
import type {
  HttpMethod,
  HttpRequestSpec,
  JobDefinition,
  OverlapPolicy,
  RetryOn,
  RetryPolicy,
  ScheduleSpec,
} from "../types.ts";
import type { EnumLabels } from "../validation.ts";
import { type Problems, prop } from "./event-schema.ts";
import { NAMESPACE } from "./namespace.ts";

export const HTTP_REQUEST_V1 = {
  type: "record",
  name: "HttpRequest",
  fields: [
    {
      name: "method",
      type: { type: "enum", name: "HttpMethod", symbols: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] },
    },
    { name: "url", type: "string", doc: "absolute http(s) URL" },
    { name: "headers", type: { type: "map", values: "string" } },
    { name: "body", type: ["null", "string"], default: null },
    { name: "timeoutMs", type: "long" },
  ],
} as const;

/** The TS union as one record: `type` says which of the nullable fields are set. */
export const SCHEDULE_V1 = {
  type: "record",
  name: "Schedule",
  fields: [
    { name: "type", type: { type: "enum", name: "ScheduleType", symbols: ["cron", "rate", "once"] } },
    { name: "expression", type: ["null", "string"], default: null, doc: "cron: the expression" },
    { name: "timezone", type: ["null", "string"], default: null, doc: "cron: IANA time zone" },
    { name: "everySeconds", type: ["null", "long"], default: null, doc: "rate: the period" },
    { name: "at", type: ["null", "string"], default: null, doc: "once: ISO-8601 instant, UTC" },
  ],
} as const;

/** Avro enum symbols cannot start with a digit or hold `-`: `429` is `status_429` on the wire. */
export const RETRY_POLICY_V1 = {
  type: "record",
  name: "RetryPolicy",
  fields: [
    { name: "maxAttempts", type: "int" },
    { name: "initialDelayMs", type: "long" },
    { name: "maxDelayMs", type: "long" },
    { name: "multiplier", type: "double" },
    {
      name: "retryOn",
      type: {
        type: "array",
        items: {
          type: "enum",
          name: "RetryOn",
          symbols: ["network", "timeout", "status_429", "status_5xx", "status_4xx"],
        },
      },
    },
  ],
} as const;

export const OVERLAP_POLICY_V1 = {
  type: "enum",
  name: "OverlapPolicy",
  symbols: ["skip", "queue", "allow", "cancel_previous"],
} as const;

export const JOB_DEFINITION_V1 = {
  type: "record",
  name: "JobDefinition",
  fields: [
    { name: "name", type: "string" },
    { name: "description", type: ["null", "string"], default: null },
    { name: "request", type: HTTP_REQUEST_V1 },
    { name: "schedule", type: SCHEDULE_V1 },
    { name: "retry", type: RETRY_POLICY_V1 },
    { name: "overlap", type: OVERLAP_POLICY_V1 },
    { name: "tags", type: { type: "array", items: "string" } },
  ],
} as const;

// ---- conversion (newest version) ----

const RETRY_ON_TO_AVRO = new Map<string, string>([
  ["network", "network"],
  ["timeout", "timeout"],
  ["429", "status_429"],
  ["5xx", "status_5xx"],
  ["4xx", "status_4xx"],
]);
const OVERLAP_TO_AVRO = new Map<string, string>([
  ["skip", "skip"],
  ["queue", "queue"],
  ["allow", "allow"],
  ["cancel-previous", "cancel_previous"],
]);
const invert = (map: ReadonlyMap<string, string>) => new Map([...map].map(([k, v]) => [v, k]));
const RETRY_ON_FROM_AVRO = invert(RETRY_ON_TO_AVRO);
const OVERLAP_FROM_AVRO = invert(OVERLAP_TO_AVRO);

/** How writers spell the enum symbols of a job definition (for error messages). */
export const JOB_ENUM_LABELS: EnumLabels = new Map([
  [`${NAMESPACE}.RetryOn`, RETRY_ON_FROM_AVRO],
  [`${NAMESPACE}.OverlapPolicy`, OVERLAP_FROM_AVRO],
]);

/**
 * Map a TS value to its Avro symbol. Anything else passes through for the schema check
 * to report, except an Avro symbol given as a value (`cancel_previous`), which the schema
 * would accept, so it is reported here.
 */
function toSymbol(
  map: ReadonlyMap<string, string>,
  value: unknown,
  path: string,
  problems: Problems,
): unknown {
  if (typeof value !== "string") return value;
  const symbol = map.get(value);
  if (symbol !== undefined) return symbol;
  if ([...map.values()].includes(value)) {
    const expected = [...map.keys()].map((k) => JSON.stringify(k)).join(", ");
    problems.push({ path, message: `expected one of ${expected}, got ${JSON.stringify(value)}` });
  }
  return value;
}

function fromSymbol<T extends string>(map: ReadonlyMap<string, string>, symbol: unknown, what: string): T {
  const value = typeof symbol === "string" ? map.get(symbol) : undefined;
  if (value === undefined) throw new EventDecodingError(`unknown ${what} symbol ${String(symbol)}`);
  return value as T;
}

export function overlapToAvro(overlap: unknown, path: string, problems: Problems): unknown {
  return toSymbol(OVERLAP_TO_AVRO, overlap, path, problems);
}

export function overlapFromAvro(symbol: unknown): OverlapPolicy {
  return fromSymbol<OverlapPolicy>(OVERLAP_FROM_AVRO, symbol, "overlap policy");
}

export function requestToAvro(request: unknown, path: string, problems: Problems): unknown {
  if (request === null || typeof request !== "object") return request;
  const headers = prop(request, "headers");
  if (headers !== null && typeof headers === "object" && Object.hasOwn(headers, "__proto__")) {
    // avsc reads maps into plain objects, where this key would silently vanish
    problems.push({ path: `${path}.headers.__proto__`, message: "is not a storable header name" });
  }
  return {
    method: prop(request, "method"),
    url: prop(request, "url"),
    headers: prop(request, "headers"),
    body: prop(request, "body"),
    timeoutMs: prop(request, "timeoutMs"),
  };
}

export function requestFromAvro(value: AvroRecord): HttpRequestSpec {
  return {
    method: value.method as HttpMethod,
    url: value.url as string,
    headers: { ...(value.headers as Record<string, string>) },
    body: value.body as string | null,
    timeoutMs: value.timeoutMs as number,
  };
}

export function scheduleToAvro(schedule: unknown, path: string, problems: Problems): unknown {
  if (schedule === null || typeof schedule !== "object") return schedule;
  const type = prop(schedule, "type");
  const value: AvroRecord = { type, expression: null, timezone: null, everySeconds: null, at: null };
  const need = (field: string) => {
    const given = prop(schedule, field);
    if (given === null || given === undefined) {
      problems.push({ path: `${path}.${field}`, message: `a ${String(type)} schedule needs ${field}` });
      return;
    }
    value[field] = given;
  };
  if (type === "cron") {
    need("expression");
    need("timezone");
  } else if (type === "rate") {
    need("everySeconds");
  } else if (type === "once") {
    need("at");
  }
  return value;
}

export function scheduleFromAvro(value: AvroRecord): ScheduleSpec {
  const need = <V>(field: string): V => {
    const v = value[field];
    if (v === null || v === undefined) {
      throw new EventDecodingError(`a ${String(value.type)} schedule was stored without ${field}`);
    }
    return v as V;
  };
  switch (value.type) {
    case "cron":
      return { type: "cron", expression: need("expression"), timezone: need("timezone") };
    case "rate":
      return { type: "rate", everySeconds: need("everySeconds") };
    case "once":
      return { type: "once", at: need("at") };
    default:
      throw new EventDecodingError(`unknown schedule type ${String(value.type)}`);
  }
}

export function retryToAvro(retry: unknown, path: string, problems: Problems): unknown {
  if (retry === null || typeof retry !== "object") return retry;
  const retryOn = prop(retry, "retryOn");
  const symbol = (r: unknown, i: number) => toSymbol(RETRY_ON_TO_AVRO, r, `${path}.retryOn.${i}`, problems);
  return {
    maxAttempts: prop(retry, "maxAttempts"),
    initialDelayMs: prop(retry, "initialDelayMs"),
    maxDelayMs: prop(retry, "maxDelayMs"),
    multiplier: prop(retry, "multiplier"),
    retryOn: Array.isArray(retryOn) ? retryOn.map(symbol) : retryOn,
  };
}

export function retryFromAvro(value: AvroRecord): RetryPolicy {
  return {
    maxAttempts: value.maxAttempts as number,
    initialDelayMs: value.initialDelayMs as number,
    maxDelayMs: value.maxDelayMs as number,
    multiplier: value.multiplier as number,
    retryOn: (value.retryOn as unknown[]).map((s) => fromSymbol<RetryOn>(RETRY_ON_FROM_AVRO, s, "retry-on")),
  };
}

export function tagsFromAvro(value: unknown): string[] {
  return [...(value as string[])];
}

export function definitionToAvro(definition: unknown, path: string, problems: Problems): unknown {
  if (definition === null || typeof definition !== "object") return definition;
  return {
    name: prop(definition, "name"),
    description: prop(definition, "description"),
    request: requestToAvro(prop(definition, "request"), `${path}.request`, problems),
    schedule: scheduleToAvro(prop(definition, "schedule"), `${path}.schedule`, problems),
    retry: retryToAvro(prop(definition, "retry"), `${path}.retry`, problems),
    overlap: overlapToAvro(prop(definition, "overlap"), `${path}.overlap`, problems),
    tags: prop(definition, "tags"),
  };
}

export function definitionFromAvro(value: AvroRecord): JobDefinition {
  return {
    name: value.name as string,
    description: value.description as string | null,
    request: requestFromAvro(value.request as AvroRecord),
    schedule: scheduleFromAvro(value.schedule as AvroRecord),
    retry: retryFromAvro(value.retry as AvroRecord),
    overlap: overlapFromAvro(value.overlap),
    tags: tagsFromAvro(value.tags),
  };
}
