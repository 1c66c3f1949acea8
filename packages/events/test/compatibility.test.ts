/**
 * Schema evolution: every published version reads into the newest, the compatibility
 * checker accepts what Avro resolution can read and rejects what it cannot, and the
 * registry reads old data through defaults and upcasters. The "v2" schemas here are
 * hypothetical, made for the test only.
 */
import { describe, expect, it } from "vitest";
import {
  type AvroSchema,
  checkCompatibility,
  createAvroType,
  currentSchemaVersion,
  decodePayload,
  encodePayload,
  eventTypes,
  SchemaRegistry,
  schemaRegistry,
} from "../src/index.ts";
import { eventSchemas } from "../src/schemas/index.ts";
import { sampleDefinition } from "./fixtures/events.ts";

const pausedV1 = eventSchemas.JobPaused.versions[0]!.schema;
const createdV1 = eventSchemas.JobCreated.versions[0]!.schema;

/** Schema JSON loose enough to edit in a test (a copy; published schemas are frozen). */
type SchemaJson = { type: string; name?: string; fields: FieldJson[]; symbols?: string[] };
type FieldJson = { name: string; type: SchemaJson | string; default?: unknown };

function editableCopy(schema: AvroSchema): SchemaJson {
  return JSON.parse(JSON.stringify(schema)) as SchemaJson;
}

/** The record or enum schema of a field of a record schema. */
function fieldType(record: SchemaJson, name: string): SchemaJson {
  const field = record.fields.find((f) => f.name === name);
  if (field === undefined || typeof field.type === "string") throw new Error(`no complex field ${name}`);
  return field.type;
}

function pausedWith(...fields: object[]): AvroSchema {
  return {
    type: "record",
    name: "JobPaused",
    namespace: "jobledger.events",
    fields: [{ name: "reason", type: ["null", "string"], default: null }, ...fields],
  };
}

describe("published schemas", () => {
  it("every version of every event type and of the envelope reads into the newest", () => {
    for (const family of [...eventTypes, "Envelope" as const]) {
      const versions = schemaRegistry.versions(family);
      const newest = schemaRegistry.newest(family);
      expect(versions.at(-1)).toBe(newest);
      for (const entry of versions) {
        expect(checkCompatibility(entry.type, newest.type), `${family} v${entry.version}`).toEqual([]);
        expect(() => newest.type.createResolver(entry.type)).not.toThrow();
      }
    }
  });

  it("registers each version under its own 16-hex-digit fingerprint", () => {
    const fingerprints = schemaRegistry.entries.map((e) => e.fingerprint);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
    for (const entry of schemaRegistry.entries) {
      expect(entry.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(schemaRegistry.get(entry.fingerprint)).toBe(entry);
      expect(entry.name).toBe(`jobledger.events.${entry.eventType}`);
    }
    const families = new Set(schemaRegistry.entries.map((e) => e.eventType));
    expect([...families].sort()).toEqual([...eventTypes, "Envelope"].sort());
  });

  it("published schema JSON is frozen", () => {
    expect(Object.isFrozen(pausedV1)).toBe(true);
    const definition = (createdV1 as unknown as { fields: readonly { type: unknown }[] }).fields[0]!.type;
    expect(Object.isFrozen(definition)).toBe(true);
  });
});

describe("checkCompatibility", () => {
  const v1 = createAvroType(pausedV1);

  it("accepts a new version whose new field has a default", () => {
    const v2 = createAvroType(pausedWith({ name: "pausedUntil", type: ["null", "string"], default: null }));
    expect(checkCompatibility(v1, v2)).toEqual([]);
  });

  it("rejects a new version whose new field has no default, naming the field", () => {
    const v2 = createAvroType(pausedWith({ name: "pausedBy", type: "string" }));
    expect(checkCompatibility(v1, v2)).toEqual([
      "pausedBy: field is new in the reader and has no default, so old data cannot fill it",
    ]);
  });

  it("lists every problem with its path, also deep inside nested records", () => {
    // v2: request gets a required field, overlap loses a symbol, retry.maxAttempts becomes a string
    const v2 = editableCopy(createdV1);
    const definition = fieldType(v2, "definition");
    fieldType(definition, "request").fields.push({ name: "proxy", type: "string" });
    fieldType(definition, "overlap").symbols = ["skip", "queue", "cancel_previous"];
    fieldType(definition, "retry").fields[0]!.type = "string";
    const problems = checkCompatibility(createAvroType(createdV1), createAvroType(v2));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toBe(
      "definition.request.proxy: field is new in the reader and has no default, so old data cannot fill it",
    );
    expect(problems[1]).toMatch(/^definition\.retry\.maxAttempts: /);
    expect(problems[2]).toBe(
      'definition.overlap: enum jobledger.events.OverlapPolicy lacks "allow", which old data may hold ' +
        "(keep the symbols, or give the enum a default)",
    );
  });

  it("accepts an enum that gains a symbol, or loses one but has a default", () => {
    const e = (symbols: string[], extra: object = {}) =>
      createAvroType({ type: "enum", name: "E", symbols, ...extra });
    expect(checkCompatibility(e(["a", "b"]), e(["a", "b", "c"]))).toEqual([]);
    expect(checkCompatibility(e(["a", "b"]), e(["a"], { default: "a" }))).toEqual([]);
    expect(checkCompatibility(e(["a", "b"]), e(["a"]))).toHaveLength(1);
  });

  it("accepts Avro's promotions and rejects what resolution cannot do", () => {
    const int = createAvroType({ type: "record", name: "R", fields: [{ name: "n", type: "int" }] });
    const long = createAvroType({ type: "record", name: "R", fields: [{ name: "n", type: "long" }] });
    const nullableLong = createAvroType({
      type: "record",
      name: "R",
      fields: [{ name: "n", type: ["null", "long"] }],
    });
    expect(checkCompatibility(int, long)).toEqual([]);
    expect(checkCompatibility(long, nullableLong)).toEqual([]);
    expect(checkCompatibility(long, int)).toHaveLength(1);
    expect(checkCompatibility(nullableLong, long)).toHaveLength(1);
    const renamed = createAvroType({ type: "record", name: "S", fields: [{ name: "n", type: "int" }] });
    expect(checkCompatibility(int, renamed)).toEqual([
      "(root): record S cannot read record R (names differ)",
    ]);
    const aliased = createAvroType({
      type: "record",
      name: "S",
      aliases: ["R"],
      fields: [{ name: "n", type: "int" }],
    });
    expect(checkCompatibility(int, aliased)).toEqual([]);
  });
});

describe("SchemaRegistry evolution", () => {
  const v2WithUpcaster = {
    version: 2,
    schema: pausedWith({ name: "category", type: "string", default: "unknown" }),
    // a rule defaults cannot express: old reasons starting with "maintenance" get that category
    upcast: (value: Record<string, unknown>, writerVersion: number) => ({
      ...value,
      category: String(value.reason ?? "").startsWith("maintenance") ? "maintenance" : `v${writerVersion}`,
    }),
  };

  it("reads data written with v1 into v2: defaults, then the upcaster", () => {
    const registry = new SchemaRegistry([
      { family: "JobPaused", versions: [{ version: 1, schema: pausedV1 }, v2WithUpcaster] },
    ]);
    const old = encodePayload("JobPaused", { reason: "maintenance window" }); // written by today's v1
    const { entry, value } = registry.read(old, "test payload");
    expect(entry.version).toBe(1);
    expect(entry.fingerprint).toBe(schemaRegistry.newest("JobPaused").fingerprint);
    expect(value).toEqual({ reason: "maintenance window", category: "maintenance" });
    const plain = registry.read(encodePayload("JobPaused", { reason: null }), "test payload");
    expect(plain.value).toEqual({ reason: null, category: "v1" });
  });

  it("does not upcast data written with the newest version, and writes with the newest", () => {
    const registry = new SchemaRegistry([
      { family: "JobPaused", versions: [{ version: 1, schema: pausedV1 }, v2WithUpcaster] },
    ]);
    const bytes = registry.write(
      "JobPaused",
      { reason: "maintenance", category: "manual" },
      { subject: "test" },
    );
    const { entry, value } = registry.read(bytes, "test payload");
    expect(entry.version).toBe(2);
    expect(value).toEqual({ reason: "maintenance", category: "manual" });
  });

  it("runs the upcasters of every later version in order", () => {
    const calls: string[] = [];
    const registry = new SchemaRegistry([
      {
        family: "JobPaused",
        versions: [
          { version: 1, schema: pausedV1 },
          {
            version: 2,
            schema: pausedWith({ name: "a", type: "int", default: 0 }),
            upcast: (v) => {
              calls.push("2");
              return { ...v, a: 2 };
            },
          },
          {
            version: 3,
            schema: pausedWith(
              { name: "a", type: "int", default: 0 },
              { name: "b", type: "int", default: 0 },
            ),
            upcast: (v) => {
              calls.push("3");
              return { ...v, b: (v.a as number) + 1 };
            },
          },
        ],
      },
    ]);
    expect(registry.read(encodePayload("JobPaused", { reason: null }), "test").value).toEqual({
      reason: null,
      a: 2,
      b: 3,
    });
    expect(calls).toEqual(["2", "3"]);
  });

  it("refuses to build with a version old data cannot be read into", () => {
    expect(
      () =>
        new SchemaRegistry([
          {
            family: "JobPaused",
            versions: [
              { version: 1, schema: pausedV1 },
              { version: 2, schema: pausedWith({ name: "pausedBy", type: "string" }) },
            ],
          },
        ]),
    ).toThrow("JobPaused v1 cannot be read as v2: pausedBy: field is new in the reader and has no default");
  });

  it("refuses a new version that only changes docs or defaults (same fingerprint), and gaps in numbering", () => {
    const sameShape = pausedWith();
    expect(
      () =>
        new SchemaRegistry([
          {
            family: "JobPaused",
            versions: [
              { version: 1, schema: pausedV1 },
              { version: 2, schema: sameShape },
            ],
          },
        ]),
    ).toThrow(/JobPaused v2 has the same fingerprint \([0-9a-f]{16}\) as JobPaused v1/);
    expect(
      () => new SchemaRegistry([{ family: "JobPaused", versions: [{ version: 2, schema: pausedV1 }] }]),
    ).toThrow("schema family JobPaused: version at position 1 is numbered 2");
  });

  it("a JobCreated written today still reads when a later version adds a defaulted field deep inside", () => {
    const published = eventSchemas.JobCreated.versions;
    const next = editableCopy(published.at(-1)!.schema);
    fieldType(fieldType(next, "definition"), "request").fields.push({
      name: "followRedirects",
      type: "boolean",
      default: true,
    });
    const registry = new SchemaRegistry([
      {
        family: "JobCreated",
        versions: [...published, { version: published.length + 1, schema: next }],
      },
    ]);
    const { value } = registry.read(encodePayload("JobCreated", { definition: sampleDefinition() }), "test");
    const request = (value.definition as { request: Record<string, unknown> }).request;
    expect(request.followRedirects).toBe(true);
    expect(request.url).toBe(sampleDefinition().request.url);
  });
});

describe("job definition v2", () => {
  /** Bytes as a v1 writer made them: the v1 type's binary, framed with its fingerprint. */
  function writtenWithV1(family: "JobCreated" | "JobUpdated", value: Record<string, unknown>): Buffer {
    const v1 = schemaRegistry.versions(family)[0]!;
    const header = Buffer.alloc(10);
    header.writeUInt8(0xc3, 0);
    header.writeUInt8(0x01, 1);
    header.writeBigUInt64LE(BigInt(`0x${v1.fingerprint}`), 2);
    return Buffer.concat([header, v1.type.toBuffer(value)]);
  }

  const v1Definition = {
    name: "legacy",
    description: null,
    request: { method: "GET", url: "https://x.test/", headers: {}, body: null, timeoutMs: 1000 },
    schedule: { type: "cron", expression: "0 3 * * *", timezone: "UTC", everySeconds: null, at: null },
    retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1, retryOn: ["status_429"] },
    overlap: "cancel_previous",
    tags: ["a"],
  };

  it("reads a v1 JobCreated with the defaults of every new field", () => {
    const decoded = decodePayload(writtenWithV1("JobCreated", { definition: v1Definition }));
    expect(decoded.schemaVersion).toBe(1);
    expect(decoded.data).toEqual({
      definition: {
        name: "legacy",
        description: null,
        request: { method: "GET", url: "https://x.test/", headers: {}, body: null, timeoutMs: 1000 },
        schedule: {
          type: "cron",
          expression: "0 3 * * *",
          timezone: "UTC",
          startAt: null,
          endAt: null,
          jitterSeconds: 0,
          dst: { nonexistent: "run-after", repeated: "first" },
        },
        retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1, retryOn: ["429"] },
        overlap: "cancel-previous",
        concurrency: null,
        catchUp: { windowSeconds: 3600, maxRuns: 1 },
        tags: ["a"],
      },
    });
  });

  it("reads a v1 JobUpdated's schedule with the defaults, and never lists the new fields", () => {
    const bytes = writtenWithV1("JobUpdated", {
      changes: {
        name: null,
        description: null,
        request: null,
        schedule: {
          type: "once",
          expression: null,
          timezone: null,
          everySeconds: null,
          at: "2027-01-01T00:00:00.000Z",
        },
        retry: null,
        overlap: null,
        tags: null,
      },
      changedFields: ["schedule"],
    });
    expect(decodePayload(bytes).data).toEqual({
      changes: {
        schedule: {
          type: "once",
          at: "2027-01-01T00:00:00.000Z",
          startAt: null,
          endAt: null,
          jitterSeconds: 0,
        },
      },
      changedFields: ["schedule"],
    });
  });

  it("writes JobCreated and JobUpdated with v2", () => {
    expect(currentSchemaVersion("JobCreated")).toBe(2);
    expect(currentSchemaVersion("JobUpdated")).toBe(2);
    const decoded = decodePayload(encodePayload("JobCreated", { definition: sampleDefinition() }));
    expect(decoded.schemaVersion).toBe(2);
    expect(decoded.data).toEqual({ definition: sampleDefinition() });
  });
});
