/**
 * A fuzzer over every documented /v1 route (read from /openapi.json, so a new route is fuzzed
 * the day it is added): malformed bodies built from each operation's schema (wrong types,
 * missing required fields, extra fields, huge strings, NUL and lone surrogates, invalid JSON,
 * wrong content types), bad path parameters and bad query values, sent through
 * `app.request()` with the deps of a local test system. No answer may be a 5xx, and a refused
 * command writes nothing: the tenant's event count is the same before and after it. The
 * consumers are stopped while it runs, so nothing else appends meanwhile.
 */
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, createApi } from "../src/api/app.ts";
import { startTestSystem, type TestSystem } from "./support/local-system.ts";

type Schema = Record<string, unknown>;
interface Operation {
  method: string;
  path: string;
  query: string[];
  body: Schema | null;
}

const TENANT = "fuzz";
let sys: TestSystem;
let app: Api;
let token: string;
let operations: Operation[];
let jobId: string;
let components: Record<string, Schema> = {};

beforeAll(async () => {
  sys = await startTestSystem();
  app = createApi(sys.services.api);
  const issuer = await localIssuer(sys.config.dataDir, { create: false });
  token = await issuer.mint({ tenant: TENANT, role: "admin", subject: "fuzzer", ttlSeconds: 3600 });
  const created = await send("POST", "/v1/jobs", {
    body: JSON.stringify({
      name: "fuzz target",
      request: { method: "GET", url: "https://example.com/ping" },
      schedule: { type: "cron", expression: "0 3 * * *", timezone: "UTC" },
    }),
  });
  jobId = ((await created.json()) as { id: string }).id;
  expect((await send("POST", `/v1/jobs/${jobId}/pause`, {})).status).toBe(200);
  for (let i = 0; i < 100; i++) {
    if ((await send("GET", `/v1/jobs/${jobId}?minVersion=2`, {})).status === 200) break;
  }
  // nothing but the fuzzer's own requests may append from here on
  await Promise.all(sys.pollers.map((p) => p.stop()));
  const doc = (await (await app.request("/openapi.json")).json()) as {
    paths: Record<string, Record<string, OpenApiOperation>>;
    components?: { schemas?: Record<string, Schema> };
  };
  components = doc.components?.schemas ?? {};
  operations = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith("/v1/"))
    .flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m]) => ["get", "post", "put", "patch", "delete"].includes(m))
        .map(([m, op]) => ({
          method: m.toUpperCase(),
          path,
          query: (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
          body: firstJsonSchema(op),
        })),
    );
}, 60_000);
afterAll(async () => {
  await sys?.stop();
});

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

function firstJsonSchema(op: OpenApiOperation): Schema | null {
  const content = op.requestBody?.content ?? {};
  const json = Object.entries(content).find(([type]) => type.includes("json"));
  return json?.[1].schema ?? null;
}

async function send(
  method: string,
  url: string,
  init: { body?: string; contentType?: string | null; headers?: Record<string, string> },
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...init.headers };
  if (init.body !== undefined && init.contentType !== null)
    headers["content-type"] = init.contentType ?? "application/json";
  const res = await app.request(url, { method, headers, body: init.body });
  return res;
}

const deref = (schema: Schema): Schema => {
  const ref = schema.$ref;
  if (typeof ref === "string") return deref(components[ref.split("/").pop() ?? ""] ?? {});
  return schema;
};

/** A plausible value of a schema: the skeleton the mutations below break. */
function sample(raw: Schema, depth = 0): unknown {
  const schema = deref(raw);
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (union?.[0]) return sample(union.find((s) => deref(s).type !== "null") ?? union[0], depth);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t !== "null");
  if (depth > 4) return null;
  switch (type) {
    case "object": {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, sample(s, depth + 1)]));
    }
    case "array":
      return [sample((schema.items ?? {}) as Schema, depth + 1)];
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "string":
      return "x";
    default:
      return null;
  }
}

/** Every path to a field inside a value (objects and arrays). */
function fieldPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value))
    return value.flatMap((v, i) => [[...prefix, i], ...fieldPaths(v, [...prefix, i])]);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...fieldPaths(v, [...prefix, k])]);
  }
  return [];
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

const NASTY_STRINGS = [
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfffy",
  "x".repeat(70_000),
  "",
  " ",
  "💥",
  "\r\n",
  "../..",
];
const nastyValue = fc.oneof(
  fc.constantFrom<unknown>(...NASTY_STRINGS, null, true, -1, 0, 1.5, 1e308, -1e308, [], {}, [null], { a: 1 }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ maxLength: 30 }),
);

/** Path segments as sent on the wire (already percent-encoded; some not valid UTF-8). */
const nastySegment = fc.oneof(
  fc.constantFrom(
    "%00",
    "%ED%A0%80",
    "%FF",
    "%C0%AF",
    "x".repeat(3000),
    "..",
    "%2F",
    "0",
    "-1",
    "00000000-0000-0000-0000-000000000000",
    "01936f3e-8c1a-7cc2-9d4b-2f2b1c7e9a10",
    "%F0%9F%92%A5",
    "a%20b",
    "%",
  ),
  fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
);
const nastyQueryValue = fc.oneof(
  fc.constantFrom(
    "%00",
    "%ED%A0%80",
    "%FF",
    "",
    "-1",
    "0",
    "1e309",
    "NaN",
    "x".repeat(5000),
    "2026-13-45",
    "%25",
  ),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
);

const bodyCase = fc.oneof(
  fc.record({ kind: fc.constant("wrong-field" as const), at: fc.nat(), value: nastyValue }),
  fc.record({ kind: fc.constant("missing-field" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("extra-field" as const),
    at: fc.nat(),
    name: fc.string({ maxLength: 20 }),
    value: nastyValue,
  }),
  fc.record({ kind: fc.constant("whole" as const), value: nastyValue }),
  fc.record({
    kind: fc.constant("raw" as const),
    text: fc.constantFrom(
      '{"a":',
      "{'a':1}",
      "[1,2",
      "nul",
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
      '{"__proto__":{"x":1}}',
      "\u0000",
      "{}}",
      "",
    ),
  }),
);

const contentType = fc.constantFrom<string | null>(
  "application/json",
  "application/json",
  "application/merge-patch+json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  null,
);

const fuzzCase = fc.record({
  op: fc.nat(),
  segments: fc.array(fc.option(nastySegment, { freq: 2 }), { minLength: 3, maxLength: 3 }),
  query: fc.array(fc.tuple(fc.nat(), nastyQueryValue), { maxLength: 3 }),
  body: bodyCase,
  contentType,
  ifMatch: fc.option(fc.constantFrom('"1"', '"2"', "x", '"-1"', '"99999999999999999999"', "*"), {
    nil: undefined,
  }),
});

function buildBody(
  op: Operation,
  c: typeof bodyCase extends fc.Arbitrary<infer T> ? T : never,
): string | undefined {
  if (op.method === "GET" || op.method === "DELETE") return undefined;
  if (c.kind === "raw") return c.text;
  const skeleton = op.body ? sample(op.body) : {};
  const paths = fieldPaths(skeleton);
  const pick = (at: number) => paths[at % Math.max(paths.length, 1)] ?? [];
  switch (c.kind) {
    case "whole":
      return JSON.stringify(c.value);
    case "wrong-field":
      return JSON.stringify(setAt(skeleton, pick(c.at), c.value));
    case "missing-field":
      return JSON.stringify(setAt(skeleton, pick(c.at), undefined, true));
    case "extra-field": {
      const parent = pick(c.at).slice(0, -1);
      return JSON.stringify(setAt(skeleton, [...parent, c.name || "extra"], c.value));
    }
  }
}

async function tenantEventCount(): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = await sys.services.api.eventStore.readTenant(TENANT, { cursor, limit: 500 });
    count += page.events.length;
    cursor = page.cursor;
  } while (cursor);
  return count;
}

describe("fuzzing every documented /v1 route", () => {
  it("never answers 5xx, and a refused command writes nothing", async () => {
    const failures: string[] = [];
    let events = await tenantEventCount();
    await fc.assert(
      fc.asyncProperty(fuzzCase, async (c) => {
        const op = operations[c.op % operations.length] as Operation;
        let i = 0;
        const path = op.path.replace(/\{[^}]+\}/g, () => c.segments[i++] ?? jobId);
        const query = c.query
          .filter(() => op.query.length > 0)
          .map(([n, v]) => `${op.query[n % op.query.length]}=${v}`)
          .join("&");
        const url = query ? `${path}?${query}` : path;
        const body = buildBody(op, c.body);
        const headers: Record<string, string> = c.ifMatch ? { "if-match": c.ifMatch } : {};
        const res = await send(op.method, url, { body, contentType: c.contentType, headers });
        if ((res.headers.get("content-type") ?? "").includes("event-stream")) await res.body?.cancel();
        else await res.text();
        const label = `${op.method} ${url.slice(0, 200)} ${String(body).slice(0, 200)} [${c.contentType}]`;
        if (res.status >= 500) failures.push(`${res.status} ${label}`);
        if (op.method !== "GET") {
          const after = await tenantEventCount();
          if (res.status >= 400 && after !== events)
            failures.push(`wrote ${after - events} events: ${res.status} ${label}`);
          events = after;
        }
      }),
      { numRuns: 400, interruptAfterTimeLimit: 40_000 },
    );
    expect(failures).toEqual([]);
  }, 60_000);
});
