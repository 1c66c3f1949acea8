/** Properties of the codec over generated events: round trips, and no crash on corrupted bytes. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  currentSchemaVersion,
  decodeEvent,
  decodePayload,
  EventDecodingError,
  type EventType,
  encodeEvent,
  encodePayload,
  eventTypes,
  UnknownSchemaError,
} from "../src/index.ts";
import { envelopeArb, payloadArbs } from "./fixtures/arbitraries.ts";
import { envelopeOf, sampleDefinition } from "./fixtures/events.ts";

describe("codec properties", () => {
  it("any valid event round-trips", () => {
    fc.assert(
      fc.property(envelopeArb, (event) => {
        expect(decodeEvent(encodeEvent(event))).toEqual({
          ...event,
          schemaVersion: currentSchemaVersion(event.type),
          schemaFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
          payloadDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
      }),
      { numRuns: 300 },
    );
  });

  for (const type of eventTypes) {
    it(`any valid ${type} payload round-trips`, () => {
      fc.assert(
        fc.property(payloadArbs[type as EventType], (data) => {
          const decoded = decodePayload(encodePayload(type, data as never));
          expect(decoded.type).toBe(type);
          expect(decoded.data).toEqual(data);
        }),
        { numRuns: 200 },
      );
    });
  }

  it("corrupted bytes either decode or throw our errors, never anything else", () => {
    const good = Buffer.from(encodeEvent(envelopeOf("JobCreated", { definition: sampleDefinition() })));
    const edit = fc.oneof(
      fc.record({
        kind: fc.constant("flip"),
        at: fc.nat(good.length - 1),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ kind: fc.constant("cut"), at: fc.nat(good.length - 1), byte: fc.constant(0) }),
      fc.record({
        kind: fc.constant("insert"),
        at: fc.nat(good.length),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let bytes = Buffer.from(good);
        for (const { kind, at, byte } of edits) {
          const i = Math.min(at, bytes.length);
          if (kind === "flip" && i < bytes.length) bytes[i] = byte;
          if (kind === "cut") bytes = bytes.subarray(0, i);
          if (kind === "insert")
            bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
        }
        try {
          const decoded = decodeEvent(bytes);
          expect(typeof decoded.eventId).toBe("string");
        } catch (error) {
          if (!(error instanceof EventDecodingError || error instanceof UnknownSchemaError)) throw error;
          expect(error.message.length).toBeGreaterThan(20);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
