/** Encoding and decoding events: round trips of every event type, framing, and validation errors. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type AttemptFailedData,
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
  type RunQueuedData,
  schemaRegistry,
} from "../src/index.ts";
import {
  envelopeOf,
  NO_BOUNDS,
  runEnvelopeOf,
  sampleDefinition,
  sampleRequest,
  sampleRetry,
} from "./fixtures/events.ts";

const UNICODE = "Zürich 東京 🚀 مرحبا e\u0301 \u0000 \t\n 𝄞";

function roundTrip<T extends EventType>(event: EventEnvelope<T>) {
  const decoded = decodeEvent(encodeEvent(event));
  expect(decoded).toEqual({
    ...event,
    schemaVersion: currentSchemaVersion(event.type),
    schemaFingerprint: schemaRegistry.newest(event.type).fingerprint,
    payloadDigest: createHash("sha256").update(encodePayload(event.type, event.data)).digest("hex"),
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
          schedule: { type: "rate", everySeconds: 2 ** 40, ...NO_BOUNDS },
          retry: {
            maxAttempts: 1,
            initialDelayMs: 0,
            maxDelayMs: Number.MAX_SAFE_INTEGER,
            multiplier: 1,
            retryOn: [],
          },
          overlap: "skip",
          concurrency: 100,
          catchUp: { windowSeconds: Number.MAX_SAFE_INTEGER, maxRuns: -(2 ** 31) },
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
          schedule: {
            type: "once",
            at: "2026-11-23T12:00:00.000Z",
            startAt: UNICODE,
            endAt: "2027-01-01T00:00:00.000Z",
            jitterSeconds: 2 ** 31 - 1,
          },
          overlap: "queue",
          concurrency: null,
          catchUp: { windowSeconds: 0, maxRuns: 0 },
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
        changes: { ...sampleDefinition({ schedule: { type: "rate", everySeconds: 60, ...NO_BOUNDS } }) },
        changedFields: [
          "name",
          "description",
          "request",
          "schedule",
          "retry",
          "overlap",
          "concurrency",
          "catchUp",
          "tags",
        ],
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
    ["a cleared concurrency", { changes: { concurrency: null }, changedFields: ["concurrency"] }],
    [
      "a new concurrency and catch-up policy",
      {
        changes: { catchUp: { windowSeconds: 86_400, maxRuns: 5 }, concurrency: 3 },
        changedFields: ["catchUp", "concurrency"],
      },
    ],
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
  RunQueued: [
    [
      "a scheduled first attempt with its snapshot",
      {
        jobId: "0193a6f0-0000-7000-8000-000000000001",
        jobVersion: 3,
        attempt: 1,
        trigger: "schedule",
        scheduledFor: "2026-03-29T00:30:00.000Z",
        dueAt: "2026-03-29T00:30:41.000Z",
        request: sampleRequest(),
        retry: sampleRetry(),
      },
    ],
    [
      "a catch-up run of a GET without body",
      {
        jobId: "j",
        jobVersion: Number.MAX_SAFE_INTEGER,
        attempt: 1,
        trigger: "catch-up",
        scheduledFor: "2026-03-29T00:30:00.000Z",
        dueAt: "2026-03-29T00:30:00.000Z",
        request: sampleRequest({ method: "GET", body: null, headers: {} }),
        retry: sampleRetry({ retryOn: [] }),
      },
    ],
    [
      "a manual run",
      {
        jobId: UNICODE,
        jobVersion: 1,
        attempt: 1,
        trigger: "manual",
        scheduledFor: null,
        dueAt: "2026-03-29T00:30:00.000Z",
        request: sampleRequest(),
        retry: sampleRetry(),
      },
    ],
    ...(["retry", "redrive"] as const).map((trigger): [string, RunQueuedData] => [
      `a ${trigger} without snapshot`,
      {
        jobId: "j",
        jobVersion: 2,
        attempt: 4,
        trigger,
        scheduledFor: "2026-03-29T00:30:00.000Z",
        dueAt: "2026-03-29T00:31:00.000Z",
        request: null,
        retry: null,
      },
    ]),
  ],
  AttemptStarted: [
    ["a local runner", { attempt: 1, runner: "local:4242", deadline: "2026-03-29T00:31:15.000Z" }],
    ["a Lambda runner", { attempt: 2 ** 31 - 1, runner: UNICODE, deadline: "" }],
  ],
  AttemptSucceeded: [
    [
      "a 200 with a short body",
      {
        attempt: 1,
        status: 200,
        durationMs: 87,
        headers: { "content-type": "application/json", "x-request-id": "abc" },
        bodyExcerpt: '{"ok":true}',
        bodyBytes: 11,
        bodyTruncated: false,
      },
    ],
    [
      "a 204 after retries, with a huge truncated body",
      {
        attempt: 7,
        status: 204,
        durationMs: 0,
        headers: {},
        bodyExcerpt: UNICODE,
        bodyBytes: 2 ** 40,
        bodyTruncated: true,
      },
    ],
  ],
  AttemptFailed: [
    [
      "a 503 with Retry-After",
      {
        attempt: 2,
        errorClass: "http-5xx",
        status: 503,
        message: "503 Service Unavailable",
        retryAfterMs: 120_000,
        durationMs: 35,
        headers: { "retry-after": "120" },
        bodyExcerpt: "busy",
        bodyBytes: 4,
        bodyTruncated: false,
      },
    ],
    ...(["network", "timeout", "refused-target"] as const).map((errorClass): [string, AttemptFailedData] => [
      `a ${errorClass} failure without a response`,
      {
        attempt: 1,
        errorClass,
        status: null,
        message: `${errorClass}: ${UNICODE}`,
        retryAfterMs: null,
        durationMs: 30_000,
        headers: {},
        bodyExcerpt: "",
        bodyBytes: 0,
        bodyTruncated: false,
      },
    ]),
    ...(["http-429", "http-4xx", "http-3xx", "invalid-response"] as const).map(
      (errorClass): [string, AttemptFailedData] => [
        `a ${errorClass} failure`,
        {
          attempt: 3,
          errorClass,
          status: 429,
          message: "m",
          retryAfterMs: 0,
          durationMs: 1,
          headers: { a: "b" },
          bodyExcerpt: "x",
          bodyBytes: 1,
          bodyTruncated: false,
        },
      ],
    ),
  ],
  AttemptTimedOut: [["a dead runner", { attempt: 1, deadline: "2026-03-29T00:31:15.000Z" }]],
  RetryScheduled: [
    ["a backoff", { attempt: 2, dueAt: "2026-03-29T00:31:17.500Z", delayMs: 2_500, reason: "http-5xx: 503" }],
  ],
  RunSucceeded: [["after one attempt", { attempts: 1 }]],
  RunDeadLettered: [
    ["exhausted", { attempts: 5, reason: "exhausted", lastError: "http-5xx: 503 Service Unavailable" }],
    ["not retryable", { attempts: 1, reason: "not-retryable", lastError: UNICODE }],
  ],
  RunCancelled: [
    ["with a reason", { reason: "job deleted" }],
    ["without a reason", { reason: null }],
  ],
  RunRedriven: [
    ["with a reason", { reason: "target fixed" }],
    ["without a reason", { reason: null }],
  ],
  RunSkipped: [
    [
      "an overlap",
      {
        jobId: "j",
        jobVersion: 2,
        scheduledFor: "2026-03-29T00:30:00.000Z",
        reason: "overlap",
        missedCount: 1,
        missedFrom: null,
        missedTo: null,
      },
    ],
    [
      "an outage standing for many fires",
      {
        jobId: "j",
        jobVersion: 9,
        scheduledFor: "2026-04-02T00:00:00.000Z",
        reason: "missed",
        missedCount: 5_760,
        missedFrom: "2026-03-29T00:00:00.000Z",
        missedTo: "2026-04-02T00:00:00.000Z",
      },
    ],
  ],
  NotificationSent: [
    [
      "an email",
      {
        sourceEventId: "e1",
        sourceStreamId: "default/run/r1",
        kind: "run.failed",
        jobId: "j",
        runId: "r1",
        preferenceId: "p1",
        recipient: "user:ada",
        channel: "email",
        destination: "ada@example.com",
        attempts: 1,
      },
    ],
  ],
  NotificationFailed: [
    [
      "a final webhook failure",
      {
        sourceEventId: "e2",
        sourceStreamId: "default/run/r2",
        kind: "job.recovered",
        jobId: "j",
        runId: null,
        preferenceId: "p1",
        recipient: "team:ops",
        channel: "webhook",
        destination: "https://hooks.example.com",
        attempts: 3,
        error: "http 503",
        final: true,
      },
    ],
  ],
};

describe("round trip of every event type", () => {
  it("covers every event type", () => {
    expect(Object.keys(cases).sort()).toEqual([...eventTypes].sort());
  });

  for (const type of eventTypes) {
    describe(type, () => {
      const envelope = type.startsWith("Job") ? envelopeOf : runEnvelopeOf;
      it.each(cases[type] as [string, EventDataMap[EventType]][])("%s", (_, data) => {
        const decoded = roundTrip(envelope(type, data));
        expect(decoded.schemaVersion).toBe(currentSchemaVersion(type));
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
          definition: sampleDefinition({ schedule: { type: "rate", everySeconds: n, ...NO_BOUNDS } }),
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
        definition: sampleDefinition({ schedule: { type: "rate", everySeconds: 2 ** 53, ...NO_BOUNDS } }),
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
      { path: "changes.name", message: "cannot be null (only description and concurrency can be cleared)" },
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

  it("reports what a v2 schedule needs: dst on cron, well-typed bounds", () => {
    const { dst: _dst, ...cronWithoutDst } = sampleDefinition().schedule as { dst: unknown };
    const error = problemsOf(() =>
      encodePayload("JobCreated", {
        definition: sampleDefinition({
          schedule: { ...cronWithoutDst, jitterSeconds: 0.5, endAt: 7 } as never,
        }),
      }),
    );
    expect(error.problems).toEqual([
      { path: "definition.schedule.dst", message: "a cron schedule needs dst" },
      { path: "definition.schedule.endAt", message: "expected null or a string, got 7" },
      {
        path: "definition.schedule.jitterSeconds",
        message: "expected an integer from -2^31 to 2^31-1, got 0.5",
      },
    ]);
  });

  it("fills omitted v2 fields with their defaults, like any field with a default", () => {
    const { concurrency: _c, catchUp: _u, ...withoutNewFields } = sampleDefinition();
    const rate = { type: "rate", everySeconds: 60 };
    const decoded = decodePayload(
      encodePayload("JobCreated", { definition: { ...withoutNewFields, schedule: rate } as never }),
    );
    if (decoded.type !== "JobCreated") throw new Error("wrong type");
    expect(decoded.data.definition).toEqual({
      ...withoutNewFields,
      schedule: { ...rate, startAt: null, endAt: null, jitterSeconds: 0 },
      concurrency: null,
      catchUp: { windowSeconds: 3600, maxRuns: 1 },
    });
  });

  it("spells DST policies as writers do, and refuses the wire spelling", () => {
    const cron = sampleDefinition().schedule;
    const withDst = (dst: unknown) =>
      problemsOf(() =>
        encodePayload("JobCreated", {
          definition: sampleDefinition({ schedule: { ...cron, dst } as never }),
        }),
      );
    expect(withDst({ nonexistent: "run_after", repeated: "first" }).problems).toEqual([
      {
        path: "definition.schedule.dst.nonexistent",
        message: 'expected one of "run-after", "skip", got "run_after"',
      },
    ]);
    expect(withDst({ nonexistent: "later", repeated: "twice" }).problems).toEqual([
      {
        path: "definition.schedule.dst.nonexistent",
        message: 'expected one of "run-after", "skip", got "later"',
      },
      { path: "definition.schedule.dst.repeated", message: 'expected one of "first", "both", got "twice"' },
    ]);
  });

  it("stores no DST policy for rate and once schedules (it is cron's alone)", () => {
    const rate = {
      type: "rate",
      everySeconds: 60,
      ...NO_BOUNDS,
      dst: { nonexistent: "skip", repeated: "both" },
    };
    const decoded = decodePayload(
      encodePayload("JobCreated", { definition: sampleDefinition({ schedule: rate as never }) }),
    );
    if (decoded.type !== "JobCreated") throw new Error("wrong type");
    expect(decoded.data.definition.schedule).toEqual({ type: "rate", everySeconds: 60, ...NO_BOUNDS });
  });

  it("lets JobUpdated clear concurrency but not catchUp", () => {
    const error = problemsOf(() =>
      encodePayload("JobUpdated", { changes: { catchUp: null as never }, changedFields: ["catchUp"] }),
    );
    expect(error.problems).toEqual([
      {
        path: "changes.catchUp",
        message: "cannot be null (only description and concurrency can be cleared)",
      },
    ]);
  });

  it("spells run enums as writers do", () => {
    const queued = problemsOf(() =>
      encodePayload("RunQueued", {
        jobId: "j",
        jobVersion: 1,
        attempt: 1,
        trigger: "catch_up" as never,
        scheduledFor: null,
        dueAt: "2026-03-29T00:30:00.000Z",
        request: null,
        retry: sampleRetry({ retryOn: ["5xx", "500" as never] }),
      }),
    );
    expect(queued.problems).toEqual([
      {
        path: "trigger",
        message: 'expected one of "schedule", "catch-up", "manual", "retry", "redrive", got "catch_up"',
      },
      {
        path: "retry.retryOn.1",
        message: 'expected one of "network", "timeout", "429", "5xx", "4xx", got "500"',
      },
    ]);
    const failed = problemsOf(() =>
      encodePayload("AttemptFailed", {
        attempt: 1,
        errorClass: "http-500" as never,
        status: 500,
        message: "",
        retryAfterMs: null,
        durationMs: 1,
        headers: {},
        bodyExcerpt: "",
        bodyBytes: 0,
        bodyTruncated: false,
      }),
    );
    expect(failed.message).toContain(
      'errorClass: expected one of "network", "timeout", "http-429", "http-5xx", "http-4xx", "http-3xx", ' +
        '"refused-target", "invalid-response", got "http-500"',
    );
    const dead = problemsOf(() =>
      encodePayload("RunDeadLettered", { attempts: 1, reason: "gave-up" as never, lastError: "" }),
    );
    expect(dead.problems).toEqual([
      { path: "reason", message: 'expected one of "exhausted", "not-retryable", got "gave-up"' },
    ]);
    const skipped = problemsOf(() =>
      encodePayload("RunSkipped", {
        jobId: "j",
        jobVersion: 1,
        scheduledFor: "2026-03-29T00:30:00.000Z",
        reason: "late" as never,
        missedCount: 1.5,
        missedFrom: null,
        missedTo: null,
      }),
    );
    expect(skipped.problems.map((p) => p.path)).toEqual(["reason", "missedCount"]);
  });

  it("refuses a __proto__ response header, and reports missing response facts", () => {
    const headers = JSON.parse('{"__proto__":"x"}') as Record<string, string>;
    const error = problemsOf(() =>
      encodePayload("AttemptSucceeded", {
        attempt: 1,
        status: 200,
        headers,
        bodyExcerpt: "",
        bodyBytes: 0,
        bodyTruncated: false,
      } as never),
    );
    expect(error.problems).toEqual([
      { path: "headers.__proto__", message: "is not a storable header name" },
      { path: "durationMs", message: "expected a safe integer, got nothing" },
    ]);
  });

  it("reports payload problems before writing anything, for encodeEvent too", () => {
    const error = problemsOf(() => encodeEvent(envelopeOf("JobDeleted", { reason: 42 as never })));
    expect(error.subject).toBe("JobDeleted payload");
    expect(error.problems).toEqual([{ path: "reason", message: "expected null or a string, got 42" }]);
  });
});
