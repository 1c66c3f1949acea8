/** Encoding and decoding events: round trips of every event type, framing, and validation errors. */
import { describe, expect, it } from "vitest";
import {
  currentSchemaVersion,
  decodeEvent,
  decodePayload,
  type EventDataMap,
  type EventEnvelope,
  type EventType,
  EventValidationError,
  encodeEvent,
  encodePayload,
  eventTypes,
  schemaRegistry,
} from "../src/index.ts";
import { envelopeOf, sampleDefinition } from "./fixtures/events.ts";

const UNICODE = "Zürich 東京 🚀 مرحبا e\u0301 \u0000 \t\n 𝄞";

function roundTrip<T extends EventType>(event: EventEnvelope<T>) {
  const decoded = decodeEvent(encodeEvent(event));
  expect(decoded).toEqual({
    ...event,
    schemaVersion: currentSchemaVersion(event.type),
    schemaFingerprint: schemaRegistry.newest(event.type).fingerprint,
  });
  return decoded;
}

const cases: { [T in EventType]: [string, EventDataMap[T]][] } = {
  JobCreated: [
    ["a cron job with everything set", { definition: sampleDefinition() }],
    [
      "a rate job with nulls and empties",
      {
        definition: sampleDefinition({
          description: null,
          request: { method: "GET", url: "https://x.test/", headers: {}, body: null, timeoutMs: 1 },
          schedule: { type: "rate", everySeconds: 2 ** 40 },
          retry: {
            maxAttempts: 1,
            initialDelayMs: 0,
            maxDelayMs: Number.MAX_SAFE_INTEGER,
            multiplier: 1,
            retryOn: [],
          },
          overlap: "skip",
          tags: [],
        }),
      },
    ],
    [
      "a one-off job with unicode everywhere",
      {
        definition: sampleDefinition({
          name: UNICODE,
          description: UNICODE,
          request: {
            method: "PATCH",
            url: "https://例え.jp/パス?q=ü",
            headers: { "x-emoji": "🚀", "x-empty": "" },
            body: UNICODE,
            timeoutMs: 600_000,
          },
          schedule: { type: "once", at: "2026-11-23T12:00:00.000Z" },
          overlap: "queue",
          tags: [UNICODE, ""],
        }),
      },
    ],
    ["empty strings", { definition: sampleDefinition({ name: "", description: "", overlap: "allow" }) }],
  ],
  JobUpdated: [
    ["a rename", { changes: { name: "renamed" }, changedFields: ["name"] }],
    ["a cleared description", { changes: { description: null }, changedFields: ["description"] }],
    ["a new description", { changes: { description: UNICODE }, changedFields: ["description"] }],
    [
      "every field",
      {
        changes: { ...sampleDefinition({ schedule: { type: "rate", everySeconds: 60 } }) },
        changedFields: ["name", "description", "request", "schedule", "retry", "overlap", "tags"],
      },
    ],
    [
      "fields in another order",
      {
        changes: { tags: [], overlap: "skip", retry: sampleDefinition().retry },
        changedFields: ["tags", "overlap", "retry"],
      },
    ],
    ["nothing", { changes: {}, changedFields: [] }],
  ],
  JobPaused: [
    ["with a reason", { reason: `maintenance ${UNICODE}` }],
    ["without a reason", { reason: null }],
    ["with an empty reason", { reason: "" }],
  ],
  JobResumed: [["(no payload)", {}]],
  JobDeleted: [
    ["with a reason", { reason: "no longer needed" }],
    ["without a reason", { reason: null }],
  ],
};

describe("round trip of every event type", () => {
  it("covers every event type", () => {
    expect(Object.keys(cases).sort()).toEqual([...eventTypes].sort());
  });

  for (const type of eventTypes) {
    describe(type, () => {
      it.each(cases[type] as [string, EventDataMap[EventType]][])("%s", (_, data) => {
        const decoded = roundTrip(envelopeOf(type, data));
        expect(decoded.schemaVersion).toBe(1);
        expect(Object.getPrototypeOf(decoded.data)).toBe(Object.prototype);
      });
    });
  }

  it("keeps envelope fields: causation id, big versions, old and far dates, unicode", () => {
    roundTrip(
      envelopeOf(
        "JobPaused",
        { reason: null },
        {
          causationId: "01J9ZQ5Y8V3N4K2M7P6R0S1T2V",
          version: 2 ** 40,
          occurredAt: new Date(-1),
          actor: `user:${UNICODE}`,
          tenant: "tënant-ü",
          streamId: "tënant-ü/job/🚀",
          prevHash: "a".repeat(64),
        },
      ),
    );
    roundTrip(
      envelopeOf("JobResumed", {}, { occurredAt: new Date(8.64e15), version: Number.MAX_SAFE_INTEGER }),
    );
    roundTrip(envelopeOf("JobResumed", {}, { occurredAt: new Date(0) }));
  });

  it("keeps every safe integer exact in longs, including below -2^52 (where avsc's own long is not)", () => {
    for (const n of [
      Number.MIN_SAFE_INTEGER,
      -(2 ** 52) - 1,
      -(2 ** 52),
      -1,
      0,
      2 ** 31,
      2 ** 52 + 1,
      Number.MAX_SAFE_INTEGER,
    ]) {
      roundTrip(
        envelopeOf("JobCreated", {
          definition: sampleDefinition({ schedule: { type: "rate", everySeconds: n } }),
        }),
      );
    }
    roundTrip(envelopeOf("JobResumed", {}, { occurredAt: new Date(-8.64e15) }));
  });

  it("gives decoded plain objects that do not share state with the input", () => {
    const definition = sampleDefinition();
    const decoded = decodeEvent(encodeEvent(envelopeOf("JobCreated", { definition })));
    if (decoded.type !== "JobCreated") throw new Error("wrong type");
    decoded.data.definition.tags.push("mutated");
    decoded.data.definition.request.headers.added = "x";
    expect(definition.tags).toEqual(["reports", "nightly"]);
    expect(Object.getPrototypeOf(decoded.data.definition.request)).toBe(Object.prototype);
    expect(decoded.occurredAt).toBeInstanceOf(Date);
  });

  it("round-trips payloads alone", () => {
    const bytes = encodePayload("JobPaused", { reason: "x" });
    expect(decodePayload(bytes)).toEqual({
      type: "JobPaused",
      data: { reason: "x" },
      schemaVersion: 1,
      schemaFingerprint: schemaRegistry.newest("JobPaused").fingerprint,
    });
  });
});

describe("single-object encoding", () => {
  /** the fingerprint's 8 bytes little-endian, from its hex digits read backwards */
  const littleEndian = (hex: string) => Buffer.from(hex, "hex").reverse();

  it("frames the envelope: C3 01, the envelope schema fingerprint little-endian, then Avro binary", () => {
    const event = envelopeOf("JobDeleted", { reason: "gone" });
    const bytes = Buffer.from(encodeEvent(event));
    const envelope = schemaRegistry.newest("Envelope");
    expect([bytes[0], bytes[1]]).toEqual([0xc3, 0x01]);
    expect(bytes.subarray(2, 10)).toEqual(littleEndian(envelope.fingerprint));
    // the rest is plain Avro binary of the envelope schema, readable by avsc directly
    const body = envelope.type.fromBuffer(bytes.subarray(10)) as { data: Buffer; eventId: string };
    expect(body.eventId).toBe(event.eventId);
    // whose data is the payload, framed the same way with the payload schema's fingerprint
    const payload = schemaRegistry.newest("JobDeleted");
    expect([...body.data.subarray(0, 2)]).toEqual([0xc3, 0x01]);
    expect(body.data.subarray(2, 10)).toEqual(littleEndian(payload.fingerprint));
    expect(payload.type.fromBuffer(body.data.subarray(10))).toEqual({ reason: "gone" });
    expect(Buffer.from(encodePayload("JobDeleted", { reason: "gone" }))).toEqual(body.data);
  });

  it("writes an empty payload as the 10-byte header only", () => {
    const bytes = encodePayload("JobResumed", {});
    expect(bytes.length).toBe(10);
  });
});

describe("validation on encode", () => {
  function problemsOf(fn: () => unknown): EventValidationError {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(EventValidationError);
      return error as EventValidationError;
    }
    throw new Error("expected an EventValidationError");
  }

  it("names the event type and every invalid field path", () => {
    const definition = sampleDefinition();
    const error = problemsOf(() =>
      encodeEvent(
        envelopeOf("JobCreated", {
          definition: {
            ...definition,
            request: { ...definition.request, timeoutMs: 1.5, method: "FETCH" as never },
            retry: { ...definition.retry, retryOn: ["network", "3xx" as never] },
            tags: ["ok", 7 as never],
          },
        }),
      ),
    );
    expect(error.message).toMatch(/^invalid JobCreated payload: /);
    expect(error.problems.map((p) => p.path).sort()).toEqual([
      "definition.request.method",
      "definition.request.timeoutMs",
      "definition.retry.retryOn.1",
      "definition.tags.1",
    ]);
    expect(error.message).toContain(
      'definition.retry.retryOn.1: expected one of "network", "timeout", "429", "5xx", "4xx", got "3xx"',
    );
    expect(error.message).toContain("definition.request.timeoutMs: expected a safe integer, got 1.5");
  });

  it("reports a missing field of a schedule variant by path", () => {
    const error = problemsOf(() =>
      encodePayload("JobCreated", {
        definition: sampleDefinition({ schedule: { type: "rate" } as never }),
      }),
    );
    expect(error.problems).toEqual([
      { path: "definition.schedule.everySeconds", message: "a rate schedule needs everySeconds" },
    ]);
  });

  it("rejects an unknown schedule type and an unknown overlap policy", () => {
    const error = problemsOf(() =>
      encodePayload("JobCreated", {
        definition: sampleDefinition({
          schedule: { type: "weekly" } as never,
          overlap: "cancel_previous" as never,
        }),
      }),
    );
    expect(error.problems.map((p) => p.path).sort()).toEqual([
      "definition.overlap",
      "definition.schedule.type",
    ]);
    expect(error.message).toContain(
      'definition.overlap: expected one of "skip", "queue", "allow", "cancel-previous", got "cancel_previous"',
    );
  });

  it("refuses a __proto__ header, which would vanish when read back", () => {
    const headers = JSON.parse('{"__proto__":"x","accept":"*/*"}') as Record<string, string>;
    const error = problemsOf(() =>
      encodePayload("JobCreated", {
        definition: sampleDefinition({ request: { ...sampleDefinition().request, headers } }),
      }),
    );
    expect(error.problems).toEqual([
      { path: "definition.request.headers.__proto__", message: "is not a storable header name" },
    ]);
  });

  it("rejects integers beyond what a long holds exactly, and NaN", () => {
    const error = problemsOf(() =>
      encodePayload("JobCreated", {
        definition: sampleDefinition({ schedule: { type: "rate", everySeconds: 2 ** 53 } }),
      }),
    );
    expect(error.problems[0]?.path).toBe("definition.schedule.everySeconds");
    const nan = problemsOf(() =>
      encodePayload("JobCreated", {
        definition: sampleDefinition({ retry: { ...sampleDefinition().retry, maxAttempts: Number.NaN } }),
      }),
    );
    expect(nan.message).toContain(
      "definition.retry.maxAttempts: expected an integer from -2^31 to 2^31-1, got NaN",
    );
  });

  it("rejects a missing payload, a non-object payload and an unknown event type", () => {
    expect(problemsOf(() => encodePayload("JobCreated", {} as never)).message).toBe(
      "invalid JobCreated payload: definition: expected an object, got nothing",
    );
    expect(problemsOf(() => encodePayload("JobPaused", "paused" as never)).message).toBe(
      "invalid JobPaused payload: the payload must be an object",
    );
    expect(problemsOf(() => encodePayload("JobExploded" as never, {} as never)).message).toContain(
      'unknown event type "JobExploded"',
    );
  });

  it("fills an omitted field that has a default (nullable fields default to null)", () => {
    const decoded = decodePayload(encodePayload("JobPaused", {} as never));
    expect(decoded.data).toEqual({ reason: null });
  });

  it("keeps JobUpdated's changes and changedFields consistent", () => {
    const notListed = problemsOf(() =>
      encodePayload("JobUpdated", { changes: { name: "x", tags: [] }, changedFields: ["name"] }),
    );
    expect(notListed.problems).toEqual([
      { path: "changes.tags", message: 'is set but changedFields does not list "tags"' },
    ]);
    const notSet = problemsOf(() => encodePayload("JobUpdated", { changes: {}, changedFields: ["overlap"] }));
    expect(notSet.problems).toEqual([
      { path: "changedFields.0", message: 'lists "overlap" but changes.overlap is not set' },
    ]);
    const nulled = problemsOf(() =>
      encodePayload("JobUpdated", { changes: { name: null as never }, changedFields: ["name"] }),
    );
    expect(nulled.problems).toEqual([
      { path: "changes.name", message: "cannot be null (only description can be cleared)" },
    ]);
    const unknown = problemsOf(() =>
      encodePayload("JobUpdated", { changes: { owner: "bob" } as never, changedFields: ["owner" as never] }),
    );
    expect(unknown.problems.map((p) => p.path)).toEqual(["changes.owner", "changedFields.0"]);
    const badSchedule = problemsOf(() =>
      encodePayload("JobUpdated", {
        changes: { schedule: { type: "once" } as never },
        changedFields: ["schedule"],
      }),
    );
    expect(badSchedule.problems).toEqual([
      { path: "changes.schedule.at", message: "a once schedule needs at" },
    ]);
  });

  it("validates the envelope: field types, stream id format and tenant", () => {
    const base = envelopeOf("JobResumed", {});
    const bad = problemsOf(() =>
      encodeEvent({
        ...base,
        version: 1.5,
        occurredAt: new Date(Number.NaN),
        actor: undefined as never,
      }),
    );
    expect(bad.message).toMatch(/^invalid envelope of JobResumed event 01J9ZQ5Y8V3N4K2M7P6R0S1T2U: /);
    expect(bad.problems.map((p) => p.path)).toEqual(["version", "occurredAt", "actor"]);
    expect(bad.problems[1]?.message).toBe("expected a valid Date, got an invalid Date");

    const wrongTenant = problemsOf(() => encodeEvent({ ...base, tenant: "acme" }));
    expect(wrongTenant.problems).toEqual([
      {
        path: "tenant",
        message: 'is "acme" but stream default/job/01J9ZQ4X7W2M3K1N6P5Q9R8S7T belongs to tenant "default"',
      },
    ]);
    const badStream = problemsOf(() => encodeEvent({ ...base, streamId: "default/job" }));
    expect(badStream.problems[0]?.path).toBe("streamId");
    expect(badStream.problems[0]?.message).toContain("expected <tenant>/<kind>/<id>");
  });

  it("reports payload problems before writing anything, for encodeEvent too", () => {
    const error = problemsOf(() => encodeEvent(envelopeOf("JobDeleted", { reason: 42 as never })));
    expect(error.subject).toBe("JobDeleted payload");
    expect(error.problems).toEqual([{ path: "reason", message: "expected null or a string, got 42" }]);
  });
});
