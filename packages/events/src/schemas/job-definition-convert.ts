/**
 * Conversion between the TS shapes of a job definition (types.ts) and the newest Avro
 * fragments of `job-definition.ts` (v2), plus the TS spellings of their enum symbols.
 *
 * `toAvro` functions never throw: they pass bad values through for the schema check to
 * report and add to `problems` what only they can see (a field a schedule variant needs,
 * an Avro symbol given as a value). `fromAvro` functions take values the schema already
 * checked and throw EventDecodingError for what the TS shape cannot hold.
 */
import type { AvroRecord } from "../avro-type.ts";
import { EventDecodingError } from "../errors.ts";
import type {
  CatchUpPolicy,
  DstPolicy,
  HttpMethod,
  HttpRequestSpec,
  JobDefinition,
  OverlapPolicy,
  RetryOn,
  RetryPolicy,
  ScheduleBounds,
  ScheduleSpec,
} from "../types.ts";
import type { EnumLabels } from "../validation.ts";
import { type Problems, prop } from "./event-schema.ts";
import { enumLabels, fromSymbol, symbolMap, toSymbol } from "./symbols.ts";

const RETRY_ON = symbolMap<RetryOn>("RetryOn", [
  "network",
  "timeout",
  ["429", "status_429"],
  ["5xx", "status_5xx"],
  ["4xx", "status_4xx"],
]);
const OVERLAP = symbolMap<OverlapPolicy>("OverlapPolicy", [
  "skip",
  "queue",
  "allow",
  ["cancel-previous", "cancel_previous"],
]);
const DST_NONEXISTENT = symbolMap<DstPolicy["nonexistent"]>("DstNonexistent", [
  ["run-after", "run_after"],
  "skip",
]);
const DST_REPEATED = symbolMap<DstPolicy["repeated"]>("DstRepeated", ["first", "both"]);

/** How writers spell the enum symbols of a retry policy (for error messages). */
export const RETRY_ENUM_LABELS: EnumLabels = enumLabels(RETRY_ON);

/** How writers spell the enum symbols of a job definition (for error messages). */
export const JOB_ENUM_LABELS: EnumLabels = enumLabels(RETRY_ON, OVERLAP, DST_NONEXISTENT, DST_REPEATED);

export function overlapToAvro(overlap: unknown, path: string, problems: Problems): unknown {
  return toSymbol(OVERLAP, overlap, path, problems);
}

export function overlapFromAvro(symbol: unknown): OverlapPolicy {
  return fromSymbol(OVERLAP, symbol, "overlap policy");
}

/**
 * Reports a `__proto__` key of a header map: avsc reads maps into plain objects, where
 * this key would silently vanish.
 */
export function checkStorableHeaders(headers: unknown, path: string, problems: Problems): void {
  if (headers !== null && typeof headers === "object" && Object.hasOwn(headers, "__proto__")) {
    problems.push({ path: `${path}.__proto__`, message: "is not a storable header name" });
  }
}

/** A header map as read: a fresh plain object. */
export function headersFromAvro(value: unknown): Record<string, string> {
  return { ...(value as Record<string, string>) };
}

export function requestToAvro(request: unknown, path: string, problems: Problems): unknown {
  if (request === null || typeof request !== "object") return request;
  checkStorableHeaders(prop(request, "headers"), `${path}.headers`, problems);
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
    headers: headersFromAvro(value.headers),
    body: value.body as string | null,
    timeoutMs: value.timeoutMs as number,
  };
}

/** The DST policy every non-cron schedule carries on the wire (the schema's default). */
const DEFAULT_DST_AVRO = { nonexistent: "run_after", repeated: "first" } as const;

function dstToAvro(dst: unknown, path: string, problems: Problems): unknown {
  if (dst === null || typeof dst !== "object") return dst;
  return {
    nonexistent: toSymbol(DST_NONEXISTENT, prop(dst, "nonexistent"), `${path}.nonexistent`, problems),
    repeated: toSymbol(DST_REPEATED, prop(dst, "repeated"), `${path}.repeated`, problems),
  };
}

function dstFromAvro(value: AvroRecord): DstPolicy {
  return {
    nonexistent: fromSymbol(DST_NONEXISTENT, value.nonexistent, "DST nonexistent-time"),
    repeated: fromSymbol(DST_REPEATED, value.repeated, "DST repeated-time"),
  };
}

/**
 * The TS union as the flat Avro record: the fields of the other variants are null, and
 * `dst` of a rate or once schedule is the default (a `dst` given on one is not stored).
 */
export function scheduleToAvro(schedule: unknown, path: string, problems: Problems): unknown {
  if (schedule === null || typeof schedule !== "object") return schedule;
  const type = prop(schedule, "type");
  const value: AvroRecord = {
    type,
    expression: null,
    timezone: null,
    everySeconds: null,
    at: null,
    startAt: prop(schedule, "startAt"),
    endAt: prop(schedule, "endAt"),
    jitterSeconds: prop(schedule, "jitterSeconds"),
    dst: DEFAULT_DST_AVRO,
  };
  const need = (field: string) => {
    const given = prop(schedule, field);
    if (given === null || given === undefined) {
      problems.push({ path: `${path}.${field}`, message: `a ${String(type)} schedule needs ${field}` });
      return;
    }
    value[field] = field === "dst" ? dstToAvro(given, `${path}.dst`, problems) : given;
  };
  if (type === "cron") {
    need("expression");
    need("timezone");
    need("dst");
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
  const bounds: ScheduleBounds = {
    startAt: value.startAt as string | null,
    endAt: value.endAt as string | null,
    jitterSeconds: value.jitterSeconds as number,
  };
  switch (value.type) {
    case "cron":
      return {
        type: "cron",
        expression: need("expression"),
        timezone: need("timezone"),
        dst: dstFromAvro(value.dst as AvroRecord),
        ...bounds,
      };
    case "rate":
      return { type: "rate", everySeconds: need("everySeconds"), ...bounds };
    case "once":
      return { type: "once", at: need("at"), ...bounds };
    default:
      throw new EventDecodingError(`unknown schedule type ${String(value.type)}`);
  }
}

export function retryToAvro(retry: unknown, path: string, problems: Problems): unknown {
  if (retry === null || typeof retry !== "object") return retry;
  const retryOn = prop(retry, "retryOn");
  const symbol = (r: unknown, i: number) => toSymbol(RETRY_ON, r, `${path}.retryOn.${i}`, problems);
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
    retryOn: (value.retryOn as unknown[]).map((s) => fromSymbol(RETRY_ON, s, "retry-on")),
  };
}

export function catchUpToAvro(catchUp: unknown): unknown {
  if (catchUp === null || typeof catchUp !== "object") return catchUp;
  return { windowSeconds: prop(catchUp, "windowSeconds"), maxRuns: prop(catchUp, "maxRuns") };
}

export function catchUpFromAvro(value: AvroRecord): CatchUpPolicy {
  return { windowSeconds: value.windowSeconds as number, maxRuns: value.maxRuns as number };
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
    concurrency: prop(definition, "concurrency"),
    catchUp: catchUpToAvro(prop(definition, "catchUp")),
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
    concurrency: value.concurrency as number | null,
    catchUp: catchUpFromAvro(value.catchUp as AvroRecord),
    tags: tagsFromAvro(value.tags),
  };
}
