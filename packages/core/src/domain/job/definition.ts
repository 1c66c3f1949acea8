/**
 * What a job definition may be: zod schemas for creating a job (`JobDefinitionInput`, with
 * defaults, producing a `JobDefinition`) and for patching one (`JobPatchInput`), plus
 * `validationIssues` turning a ZodError into `{ path, message }` entries whose messages
 * name the field. Every object is strict: an unknown field is an error.
 *
 * Defaults of the scheduling options (equal to what v1 events read as):
 * `schedule.startAt`/`endAt` null (no bounds), `schedule.jitterSeconds` 0, `schedule.dst`
 * (cron only) `{ nonexistent: "run-after", repeated: "first" }`, `concurrency` null (one run
 * at a time, or unlimited with overlap "allow"), `catchUp` `{ windowSeconds: 3600,
 * maxRuns: 1 }`; the sub-fields of `dst` and `catchUp` default one by one.
 *
 * Patch semantics: a patch is a JSON Merge Patch (RFC 7396) of the definition. Objects merge
 * recursively, so `{ schedule: { expression } }` keeps the zone, jitter, bounds and DST rules
 * and `{ request: { headers: { "X-A": "1" } } }` sets one header; `null` removes a field,
 * which returns it to its default (`description`, `concurrency` and `request.body` to null,
 * `schedule.jitterSeconds` to 0, ...); arrays (`tags`, `retry.retryOn`) replace. The merged
 * definition is then validated again as a whole (see `mergePatch` in patch.ts).
 *
 * Normalisation (so that re-validating a valid definition changes nothing): name and
 * description are trimmed (an empty description becomes null), `schedule.at`,
 * `schedule.startAt` and `schedule.endAt` become `toISOString()`, `retry.retryOn` is
 * de-duplicated and sorted in canonical order.
 */

import type {
  CatchUpPolicy,
  DstPolicy,
  HttpMethod,
  HttpRequestSpec,
  JobDefinition,
  OverlapPolicy,
  RetryOn,
  RetryPolicy,
  ScheduleSpec,
} from "@jobledger/events";
import { CronPattern } from "croner";
import { type ZodError, z } from "zod";
import type { ValidationIssue } from "../errors.ts";
import { DEFAULT_CATCH_UP, DEFAULT_DST, DEFAULT_JITTER_SECONDS, SCHEDULE_LIMITS } from "../schedule/types.ts";
import { HEADER_VALUE_MAX, headerValueProblem, SECRET_HEADER_VALUE_MAX } from "./sensitive-headers.ts";

// ---- limits -------------------------------------------------------------------------------

export const LIMITS = {
  nameMax: 200,
  descriptionMax: 2000,
  urlMax: 2048,
  headersMax: 50,
  headerValueMax: HEADER_VALUE_MAX,
  secretHeaderValueMaxBytes: SECRET_HEADER_VALUE_MAX,
  bodyMaxBytes: 256 * 1024,
  timeoutMsMax: 900_000,
  rateSecondsMax: 31 * 86_400,
  maxAttemptsMax: 50,
  /** 24 h: a retry delay above a day is almost certainly a unit mistake */
  delayMsMax: 86_400_000,
  multiplierMax: 10,
  tagsMax: 20,
  jitterSecondsMax: SCHEDULE_LIMITS.jitterSecondsMax,
  concurrencyMax: 100,
  catchUpWindowSecondsMax: SCHEDULE_LIMITS.catchUpWindowSecondsMax,
  catchUpMaxRunsMax: SCHEDULE_LIMITS.catchUpMaxRunsMax,
} as const;

export const HTTP_METHODS = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
] as const satisfies readonly HttpMethod[];
export const RETRY_ON = ["network", "timeout", "429", "5xx", "4xx"] as const satisfies readonly RetryOn[];
export const OVERLAP_POLICIES = [
  "skip",
  "queue",
  "allow",
  "cancel-previous",
] as const satisfies readonly OverlapPolicy[];

export const DST_NONEXISTENT = ["run-after", "skip"] as const satisfies readonly DstPolicy["nonexistent"][];
export const DST_REPEATED = ["first", "both"] as const satisfies readonly DstPolicy["repeated"][];

export const DEFAULT_TIMEOUT_MS = 30_000;
export { DEFAULT_CATCH_UP, DEFAULT_DST, DEFAULT_JITTER_SECONDS };
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  initialDelayMs: 1000,
  maxDelayMs: 300_000,
  multiplier: 2,
  retryOn: ["network", "timeout", "429", "5xx"],
};

/** Headers a job may not set: hop-by-hop or computed by the HTTP client (lower case). */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "content-length",
  "host",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
/** Headers the runner sets itself on every attempt (lower case). */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set(["idempotency-key"]);

/** RFC 9110 §5.6.2 token: the syntax of a header field name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/;
/** ISO-8601 instant with a mandatory offset (or Z); seconds and fraction optional. */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

// ---- field schemas (shared by create and patch) -----------------------------------------

/** A zod error map naming the field: "x is required" when absent, else "x must be <what>". */
const fieldError =
  (field: string, what: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `${field} is required` : `${field} must be ${what}`;

/** Object schemas word only their own type error; unknown keys are worded by validationIssues. */
const objectError =
  (field: string) =>
  (issue: { code?: string; input?: unknown }): string | undefined =>
    issue.code === "invalid_type" ? fieldError(field, "an object")(issue) : undefined;

const Name = z
  .string({ error: fieldError("name", "a string") })
  .trim()
  .min(1, "name must not be empty")
  .max(LIMITS.nameMax, `name must be at most ${LIMITS.nameMax} characters`);

const Description = z
  .string({ error: fieldError("description", "a string or null") })
  .trim()
  .max(LIMITS.descriptionMax, `description must be at most ${LIMITS.descriptionMax} characters`)
  .nullable()
  .transform((d) => (d === "" ? null : d));

const Method = z.enum(HTTP_METHODS, {
  error: fieldError("request.method", `one of ${HTTP_METHODS.join(", ")}`),
});

const Url = z.string({ error: fieldError("request.url", "a string") }).superRefine((value, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message });
  if (value.length > LIMITS.urlMax) return fail(`request.url must be at most ${LIMITS.urlMax} characters`);
  if (/\s/.test(value)) return fail("request.url must not contain whitespace");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail("request.url must be an absolute URL (https://host/path)");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return fail(`request.url must use http or https, not ${url.protocol.slice(0, -1)}`);
  }
  if (url.username !== "" || url.password !== "") {
    return fail("request.url must not contain credentials; send them in a header (e.g. Authorization)");
  }
  if (url.hostname === "") return fail("request.url must name a host");
});

const HeaderName = z.string().regex(TOKEN, "request.headers: a header name must be an RFC 9110 token");

const Headers = z
  .record(HeaderName, z.string({ error: "request.headers: a header value must be a string" }), {
    error: fieldError("request.headers", "an object of name → value"),
  })
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > LIMITS.headersMax) {
      ctx.addIssue({
        code: "custom",
        message: `request.headers may hold at most ${LIMITS.headersMax} headers`,
      });
    }
    const seen = new Set<string>();
    for (const name of names) {
      const lower = name.toLowerCase();
      const value = headers[name] ?? "";
      const at = (message: string) => ctx.addIssue({ code: "custom", path: [name], message });
      if (seen.has(lower)) at(`request.headers.${name} is given twice (header names are case-insensitive)`);
      seen.add(lower);
      if (FORBIDDEN_HEADERS.has(lower)) {
        at(`request.headers.${name} is a hop-by-hop or computed header and may not be set`);
      } else if (RESERVED_HEADERS.has(lower)) {
        at(`request.headers.${name} is set by the runner on every attempt and may not be set`);
      }
      if (/[\r\n\0]/.test(value)) at(`request.headers.${name} must not contain CR, LF or NUL`);
      // a secret's plain value has its own, smaller limit: it is stored sealed (longer)
      const tooLong = headerValueProblem(name, value);
      if (tooLong) at(tooLong);
    }
  });

const utf8 = new TextEncoder();
const Body = z
  .string({ error: fieldError("request.body", "a string or null") })
  .refine(
    (b) => b.length <= LIMITS.bodyMaxBytes && utf8.encode(b).length <= LIMITS.bodyMaxBytes,
    `request.body must be at most ${LIMITS.bodyMaxBytes} bytes (256 KiB) in UTF-8`,
  )
  .nullable();

const TimeoutMs = z
  .number({ error: fieldError("request.timeoutMs", "a number") })
  .int("request.timeoutMs must be an integer")
  .min(1, `request.timeoutMs must be from 1 to ${LIMITS.timeoutMsMax}`)
  .max(LIMITS.timeoutMsMax, `request.timeoutMs must be from 1 to ${LIMITS.timeoutMsMax}`);

/** IANA time zones this runtime knows, plus "UTC" (which `supportedValuesOf` leaves out). */
const TIME_ZONES: ReadonlySet<string> = new Set([...Intl.supportedValuesOf("timeZone"), "UTC"]);

/**
 * True for an IANA zone name of `Intl.supportedValuesOf("timeZone")` (plus "UTC") or an
 * alias of one: ICU lists legacy ids (Asia/Calcutta, Europe/Kiev), so current names such as
 * Asia/Kolkata and Europe/Kyiv are accepted through the zone they resolve to. Offsets
 * ("+02:00") and abbreviations are not zone names and are refused.
 */
export function isKnownTimeZone(zone: string): boolean {
  if (TIME_ZONES.has(zone)) return true;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)+$/.test(zone)) return false;
  try {
    return TIME_ZONES.has(new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone);
  } catch {
    return false;
  }
}

/** Null when the cron expression is usable, else why not (croner's own words). */
export function cronProblem(expression: string): string | null {
  if (expression.includes("?")) {
    return "'?' is not supported (croner replaces it with the current time); use '*'";
  }
  try {
    new CronPattern(expression, undefined, { mode: "5-or-6-parts" });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Parses an ISO-8601 instant with offset; null when it is not one or names no real date. */
export function parseInstant(value: string): Date | null {
  const m = INSTANT.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const calendar = new Date(Date.UTC(y, mo - 1, d, h, mi, Number.isNaN(s) ? 0 : s));
  // Date.UTC rolls 2026-02-30 over to March: a round trip catches impossible dates.
  if (
    calendar.getUTCFullYear() !== y ||
    calendar.getUTCMonth() !== mo - 1 ||
    calendar.getUTCDate() !== d ||
    calendar.getUTCHours() !== h ||
    calendar.getUTCMinutes() !== mi
  ) {
    return null;
  }
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? null : instant;
}

/** An ISO-8601 instant with an offset, normalised to `toISOString()`. */
const instant = (field: string, what = "a string") =>
  z.string({ error: fieldError(field, what) }).transform((value, ctx) => {
    const parsed = parseInstant(value);
    if (!parsed) {
      ctx.addIssue({
        code: "custom",
        message: `${field} must be an ISO-8601 instant with an offset or Z (e.g. 2026-11-23T12:00:00Z)`,
      });
      return z.NEVER;
    }
    return parsed.toISOString();
  });

/** Bounds and jitter: every kind of schedule has them. */
const scheduleBounds = {
  startAt: instant("schedule.startAt", "a string or null")
    .nullable()
    .default(null)
    .describe("ISO-8601 instant; no fire before it (inclusive). Null: no lower bound"),
  endAt: instant("schedule.endAt", "a string or null")
    .nullable()
    .default(null)
    .describe("ISO-8601 instant; no fire at or after it (exclusive). Null: no upper bound"),
  jitterSeconds: z
    .number({ error: fieldError("schedule.jitterSeconds", "a number") })
    .int("schedule.jitterSeconds must be an integer")
    .min(0, `schedule.jitterSeconds must be from 0 to ${LIMITS.jitterSecondsMax}`)
    .max(LIMITS.jitterSecondsMax, `schedule.jitterSeconds must be from 0 to ${LIMITS.jitterSecondsMax}`)
    .default(DEFAULT_JITTER_SECONDS)
    .describe("each run starts a deterministic 0..jitterSeconds after its fire time"),
};

const DstNonexistent = z.enum(DST_NONEXISTENT, {
  error: fieldError("schedule.dst.nonexistent", `one of ${DST_NONEXISTENT.join(", ")}`),
});
const DstRepeated = z.enum(DST_REPEATED, {
  error: fieldError("schedule.dst.repeated", `one of ${DST_REPEATED.join(", ")}`),
});

const Dst = z
  .strictObject(
    {
      nonexistent: DstNonexistent.default(DEFAULT_DST.nonexistent).describe(
        "a wall time a spring-forward gap skips: run after the gap, or skip that day",
      ),
      repeated: DstRepeated.default(DEFAULT_DST.repeated).describe(
        "a wall time a fall-back repeats: fire at the first occurrence only, or at both",
      ),
    },
    { error: objectError("schedule.dst") },
  )
  .describe("cron only: what to do with wall times that DST changes skip or repeat");

const CronSchedule = z.strictObject({
  type: z.literal("cron"),
  expression: z
    .string({ error: fieldError("schedule.expression", "a string") })
    .trim()
    .min(1, "schedule.expression must not be empty")
    .max(200, "schedule.expression must be at most 200 characters")
    .superRefine((expression, ctx) => {
      const problem = cronProblem(expression);
      if (problem)
        ctx.addIssue({
          code: "custom",
          message: `schedule.expression is not a valid cron expression: ${problem}`,
        });
    }),
  timezone: z.string({ error: fieldError("schedule.timezone", "a string") }).refine(isKnownTimeZone, {
    error: (issue) =>
      `schedule.timezone "${String(issue.input)}" is not a known IANA time zone (e.g. Europe/Berlin, UTC)`,
  }),
  dst: Dst.prefault({}),
  ...scheduleBounds,
});

const RateSchedule = z.strictObject({
  type: z.literal("rate"),
  everySeconds: z
    .number({ error: fieldError("schedule.everySeconds", "a number") })
    .int("schedule.everySeconds must be an integer")
    .min(1, `schedule.everySeconds must be from 1 to ${LIMITS.rateSecondsMax} (31 days)`)
    .max(LIMITS.rateSecondsMax, `schedule.everySeconds must be from 1 to ${LIMITS.rateSecondsMax} (31 days)`),
  ...scheduleBounds,
});

const OnceSchedule = z.strictObject({
  type: z.literal("once"),
  at: instant("schedule.at"),
  ...scheduleBounds,
});

type ScheduleOutput = z.output<typeof CronSchedule | typeof RateSchedule | typeof OnceSchedule>;

/** Rules across the fields of a schedule: bounds in order, and bounds that let it fire. */
function checkSchedule(schedule: ScheduleOutput, ctx: z.RefinementCtx): void {
  const at = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  const start = schedule.startAt === null ? null : Date.parse(schedule.startAt);
  const end = schedule.endAt === null ? null : Date.parse(schedule.endAt);
  if (start !== null && end !== null && start >= end) {
    at("endAt", "schedule.endAt must be after schedule.startAt");
  }
  if (schedule.type === "once") {
    const fire = Date.parse(schedule.at);
    if ((start !== null && fire < start) || (end !== null && fire >= end)) {
      at("at", "schedule.at is outside schedule.startAt..schedule.endAt, so the job would never fire");
    }
  }
  if (schedule.type === "rate" && schedule.jitterSeconds >= schedule.everySeconds) {
    at(
      "jitterSeconds",
      "schedule.jitterSeconds must be less than schedule.everySeconds (or runs could start out of order)",
    );
  }
}

export const Schedule = z
  .discriminatedUnion("type", [CronSchedule, RateSchedule, OnceSchedule], {
    error: (issue) => {
      if (issue.code !== "invalid_union") return fieldError("schedule", "an object")(issue);
      const type =
        typeof issue.input === "object" && issue.input !== null
          ? Reflect.get(issue.input, "type")
          : undefined;
      return fieldError("schedule.type", "one of cron, rate, once")({ input: type });
    },
  })
  .superRefine(checkSchedule);

const delay = (field: string) =>
  z
    .number({ error: fieldError(`retry.${field}`, "a number") })
    .int(`retry.${field} must be an integer`)
    .min(1, `retry.${field} must be positive`)
    .max(LIMITS.delayMsMax, `retry.${field} must be at most ${LIMITS.delayMsMax} (24 h)`);

const MaxAttempts = z
  .number({ error: fieldError("retry.maxAttempts", "a number") })
  .int("retry.maxAttempts must be an integer")
  .min(1, `retry.maxAttempts must be from 1 to ${LIMITS.maxAttemptsMax}`)
  .max(LIMITS.maxAttemptsMax, `retry.maxAttempts must be from 1 to ${LIMITS.maxAttemptsMax}`);

const Multiplier = z
  .number({ error: fieldError("retry.multiplier", "a number") })
  .min(1, `retry.multiplier must be from 1 to ${LIMITS.multiplierMax}`)
  .max(LIMITS.multiplierMax, `retry.multiplier must be from 1 to ${LIMITS.multiplierMax}`);

const RetryOnSet = z
  .array(z.enum(RETRY_ON, { error: `retry.retryOn entries must be one of ${RETRY_ON.join(", ")}` }), {
    error: fieldError("retry.retryOn", "an array"),
  })
  .min(1, "retry.retryOn must name at least one condition")
  .transform((list) => RETRY_ON.filter((r) => list.includes(r)));

const Overlap = z.enum(OVERLAP_POLICIES, {
  error: fieldError("overlap", `one of ${OVERLAP_POLICIES.join(", ")}`),
});

const Tags = z
  .array(
    z
      .string({ error: "tags entries must be strings" })
      .regex(TAG, "tags entries must be 1-63 of A-Z a-z 0-9 . _ : - starting with a letter or digit"),
    { error: fieldError("tags", "an array of strings") },
  )
  .max(LIMITS.tagsMax, `tags may hold at most ${LIMITS.tagsMax} entries`)
  .superRefine((tags, ctx) => {
    const seen = new Set<string>();
    tags.forEach((tag, i) => {
      if (seen.has(tag)) ctx.addIssue({ code: "custom", path: [i], message: `tags holds "${tag}" twice` });
      seen.add(tag);
    });
  });

const Concurrency = z
  .number({ error: fieldError("concurrency", "a number or null") })
  .int("concurrency must be an integer or null")
  .min(1, `concurrency must be from 1 to ${LIMITS.concurrencyMax}, or null`)
  .max(LIMITS.concurrencyMax, `concurrency must be from 1 to ${LIMITS.concurrencyMax}, or null`)
  .nullable();

const CatchUpWindowSeconds = z
  .number({ error: fieldError("catchUp.windowSeconds", "a number") })
  .int("catchUp.windowSeconds must be an integer")
  .min(0, `catchUp.windowSeconds must be from 0 to ${LIMITS.catchUpWindowSecondsMax} (7 days)`)
  .max(
    LIMITS.catchUpWindowSecondsMax,
    `catchUp.windowSeconds must be from 0 to ${LIMITS.catchUpWindowSecondsMax} (7 days)`,
  );

const CatchUpMaxRuns = z
  .number({ error: fieldError("catchUp.maxRuns", "a number") })
  .int("catchUp.maxRuns must be an integer")
  .min(0, `catchUp.maxRuns must be from 0 to ${LIMITS.catchUpMaxRunsMax}`)
  .max(LIMITS.catchUpMaxRunsMax, `catchUp.maxRuns must be from 0 to ${LIMITS.catchUpMaxRunsMax}`);

// ---- whole objects --------------------------------------------------------------------------

type BodyCarrier = { method: HttpMethod; body: string | null };
function checkBodyAllowed(request: BodyCarrier, ctx: z.RefinementCtx): void {
  if (request.body !== null && (request.method === "GET" || request.method === "HEAD")) {
    ctx.addIssue({
      code: "custom",
      path: ["body"],
      message: `request.body is not allowed with ${request.method}`,
    });
  }
}

type DelayCarrier = { initialDelayMs: number; maxDelayMs: number };
function checkDelays(retry: DelayCarrier, ctx: z.RefinementCtx): void {
  if (retry.initialDelayMs > retry.maxDelayMs) {
    ctx.addIssue({
      code: "custom",
      path: ["initialDelayMs"],
      message: "retry.initialDelayMs must not be greater than retry.maxDelayMs",
    });
  }
}

export const HttpRequestInput = z
  .strictObject(
    {
      method: Method,
      url: Url.describe(
        "absolute http(s) URL, no credentials; private, loopback and link-local targets need an allow-list entry",
      ),
      headers: Headers.default({}).describe(
        "header name → value; hop-by-hop headers and Idempotency-Key are refused",
      ),
      body: Body.default(null).describe("request body (≤ 256 KiB); not allowed with GET or HEAD"),
      timeoutMs: TimeoutMs.default(DEFAULT_TIMEOUT_MS).describe("per-attempt timeout in milliseconds"),
    },
    { error: objectError("request") },
  )
  .superRefine(checkBodyAllowed);

export const CatchUpPolicyInput = z.strictObject(
  {
    windowSeconds: CatchUpWindowSeconds.default(DEFAULT_CATCH_UP.windowSeconds).describe(
      "only fires missed within this many seconds before now may still run (0: none)",
    ),
    maxRuns: CatchUpMaxRuns.default(DEFAULT_CATCH_UP.maxRuns).describe(
      "at most this many of them run, the most recent ones (0: none); the others are recorded as skipped",
    ),
  },
  { error: objectError("catchUp") },
);

export const RetryPolicyInput = z
  .strictObject(
    {
      maxAttempts: MaxAttempts.default(DEFAULT_RETRY.maxAttempts),
      initialDelayMs: delay("initialDelayMs").default(DEFAULT_RETRY.initialDelayMs),
      maxDelayMs: delay("maxDelayMs").default(DEFAULT_RETRY.maxDelayMs),
      multiplier: Multiplier.default(DEFAULT_RETRY.multiplier),
      retryOn: RetryOnSet.default([...DEFAULT_RETRY.retryOn]),
    },
    { error: objectError("retry") },
  )
  .superRefine(checkDelays);

/** The body of "create a job"; parses to a complete `JobDefinition`. */
export const JobDefinitionInput = z.strictObject(
  {
    name: Name,
    description: Description.default(null),
    request: HttpRequestInput.describe("the HTTP call the job makes"),
    schedule: Schedule.describe(
      "cron (5 fields, or 6 with seconds, in an IANA time zone), a fixed rate, or once at an instant",
    ),
    retry: RetryPolicyInput.prefault({}).describe(
      "retries with exponential backoff; every field has a default",
    ),
    overlap: Overlap.default("skip").describe(
      "what happens when a run is due while the previous one still runs",
    ),
    concurrency: Concurrency.default(null).describe(
      `most runs of this job in flight at once (1-${LIMITS.concurrencyMax}); null: 1, or unlimited with overlap "allow"`,
    ),
    catchUp: CatchUpPolicyInput.prefault({}).describe(
      "what runs after downtime of the fires missed meanwhile; every field has a default",
    ),
    tags: Tags.default([]),
  },
  { error: objectError("the job definition") },
);

/** A JSON Merge Patch member: absent keeps the value, null removes it (back to its default). */
const removable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** Header name → value, or null to remove that header; given values obey the header rules. */
const HeadersPatch = z
  .record(
    HeaderName,
    z.string({ error: "request.headers: a header value must be a string or null" }).nullable(),
    { error: fieldError("request.headers", "an object of name → value or null") },
  )
  .superRefine((headers, ctx) => {
    const values = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== null));
    const checked = Headers.safeParse(values);
    if (checked.success) return;
    for (const issue of checked.error.issues) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    }
  });

const RequestPatch = z.strictObject(
  {
    method: removable(Method),
    url: removable(Url),
    headers: removable(HeadersPatch).describe(
      "merged by name (case-insensitive) into the current headers; a null value removes that header",
    ),
    body: removable(Body),
    timeoutMs: removable(TimeoutMs),
  },
  { error: objectError("request") },
);

const SchedulePatch = z.strictObject(
  {
    type: removable(
      z.enum(["cron", "rate", "once"], { error: fieldError("schedule.type", "one of cron, rate, once") }),
    ).describe("changing it drops the fields only the old kind of schedule has"),
    expression: removable(CronSchedule.shape.expression),
    timezone: removable(CronSchedule.shape.timezone),
    dst: removable(
      z.strictObject(
        { nonexistent: removable(DstNonexistent), repeated: removable(DstRepeated) },
        { error: objectError("schedule.dst") },
      ),
    ),
    everySeconds: removable(RateSchedule.shape.everySeconds),
    at: removable(OnceSchedule.shape.at),
    startAt: removable(scheduleBounds.startAt.unwrap()),
    endAt: removable(scheduleBounds.endAt.unwrap()),
    jitterSeconds: removable(scheduleBounds.jitterSeconds.unwrap()),
  },
  { error: objectError("schedule") },
);

const RetryPatch = z.strictObject(
  {
    maxAttempts: removable(MaxAttempts),
    initialDelayMs: removable(delay("initialDelayMs")),
    maxDelayMs: removable(delay("maxDelayMs")),
    multiplier: removable(Multiplier),
    retryOn: removable(RetryOnSet).describe("replaces the whole list"),
  },
  { error: objectError("retry") },
);

const CatchUpPatch = z.strictObject(
  { windowSeconds: removable(CatchUpWindowSeconds), maxRuns: removable(CatchUpMaxRuns) },
  { error: objectError("catchUp") },
);

/**
 * The body of "change a job": a JSON Merge Patch (RFC 7396) of the definition, at least one
 * field given. Objects merge recursively, null removes a field (it returns to its default),
 * arrays replace; see patch.ts for the two rules of our own (header names match ignoring
 * case; a new `schedule.type` drops the old kind's fields). Each value given is checked here;
 * the merged definition is then validated whole.
 */
export const JobPatchInput = z
  .strictObject(
    {
      name: removable(Name),
      description: removable(Description).describe("null clears it"),
      request: removable(RequestPatch).describe("only the sub-fields to change"),
      schedule: removable(SchedulePatch).describe(
        "only the sub-fields to change: the zone, jitter, bounds and DST rules not given are kept",
      ),
      retry: removable(RetryPatch).describe("only the sub-fields to change"),
      overlap: removable(Overlap),
      concurrency: removable(Concurrency).describe("null clears it"),
      catchUp: removable(CatchUpPatch).describe("only the sub-fields to change"),
      tags: removable(Tags).describe("replaces the whole list"),
    },
    { error: objectError("the patch") },
  )
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), {
    message: "the patch must change at least one field",
    // only worth saying when nothing else was wrong (an unknown field is already reported)
    when: (payload) => payload.issues.length === 0,
  });

export type JobDefinitionInputValue = z.input<typeof JobDefinitionInput>;
export type JobPatch = z.output<typeof JobPatchInput>;
export type JobPatchInputValue = z.input<typeof JobPatchInput>;

// Compile-time checks that the schemas produce exactly the contract's shapes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameDefinition: Same<z.output<typeof JobDefinitionInput>, JobDefinition> = true;
const sameRequest: Same<z.output<typeof HttpRequestInput>, HttpRequestSpec> = true;
const sameSchedule: Same<z.output<typeof Schedule>, ScheduleSpec> = true;
const sameCatchUp: Same<z.output<typeof CatchUpPolicyInput>, CatchUpPolicy> = true;
void [sameDefinition, sameRequest, sameSchedule, sameCatchUp];

// ---- results --------------------------------------------------------------------------------

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

export function parseJobDefinition(input: unknown): Parsed<JobDefinition> {
  const result = JobDefinitionInput.safeParse(input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: validationIssues(result.error) };
}

export function parseJobPatch(input: unknown): Parsed<JobPatch> {
  const result = JobPatchInput.safeParse(input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: validationIssues(result.error) };
}

const dotted = (path: readonly PropertyKey[]) => path.map(String).join(".");

/** Why a field is unknown where it is, when there is more to say than "not a known field". */
const MISPLACED_FIELDS: ReadonlyMap<string, string> = new Map([
  // only cron schedules have wall-clock times that DST changes skip or repeat
  ["schedule.dst", "schedule.dst applies to cron schedules only"],
]);

/**
 * Flattens a ZodError from these schemas into `{ path, message }` issues; every message names
 * its field ("schedule.timezone ..."); unknown fields become one issue each.
 */
export function validationIssues(error: ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue): ValidationIssue[] => {
    const path = dotted(issue.path);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => {
        const at = path ? `${path}.${key}` : key;
        return { path: at, message: MISPLACED_FIELDS.get(at) ?? `${at} is not a known field` };
      });
    }
    if (issue.code === "invalid_key") {
      const inner = issue.issues[0]?.message ?? "invalid name";
      return [{ path, message: `${inner}: "${String(issue.path.at(-1))}"` }];
    }
    // our schemas word their messages with the field; say where when one does not
    const field = path.split(".")[0] ?? "";
    const named = !path || issue.message.includes(field);
    return [{ path, message: named ? issue.message : `${path}: ${issue.message}` }];
  });
}
