/** Reading bad bytes: every failure is one of our errors, with a message saying what was wrong. */
import { describe, expect, it } from "vitest";
import {
  decodeEvent,
  decodePayload,
  EventDecodingError,
  encodeEvent,
  encodePayload,
  schemaRegistry,
  UnknownSchemaError,
} from "../src/index.ts";
import { envelopeOf, sampleDefinition } from "./fixtures/events.ts";

const event = envelopeOf("JobCreated", { definition: sampleDefinition() });
const bytes = Buffer.from(encodeEvent(event));
/** JobUpdated as first published: hand-written bytes below follow its layout. */
const updatedV1 = schemaRegistry.versions("JobUpdated")[0]!;

function header(fingerprintHex: string): Buffer {
  return Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.from(fingerprintHex, "hex").reverse()]);
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to throw");
}

describe("decoding errors", () => {
  it("an unknown fingerprint gives UnknownSchemaError naming it", () => {
    const forged = Buffer.from(bytes);
    forged.writeBigUInt64LE(0x0123456789abcdefn, 2);
    const error = errorOf(() => decodeEvent(forged));
    expect(error).toBeInstanceOf(UnknownSchemaError);
    expect(error.message).toBe(
      "unknown schema fingerprint 0123456789abcdef while reading event envelope: no published schema version " +
        "has it (written by a newer release, or not Jobledger data)",
    );
    expect((error as UnknownSchemaError).fingerprint).toBe("0123456789abcdef");
  });

  it("an unknown payload fingerprint inside a good envelope names the event", () => {
    const payload = Buffer.from(encodePayload("JobPaused", { reason: null }));
    payload.writeBigUInt64LE(42n, 2);
    const forged = schemaRegistry.write(
      "Envelope",
      { ...event, type: "JobPaused", data: payload },
      { subject: "forged envelope" },
    );
    const error = errorOf(() => decodeEvent(forged));
    expect(error).toBeInstanceOf(UnknownSchemaError);
    expect(error.message).toContain(`000000000000002a while reading payload of event ${event.eventId}`);
  });

  it("bytes that are not single-object encoded say so", () => {
    expect(errorOf(() => decodeEvent(new Uint8Array()))).toEqual(
      new EventDecodingError(
        "cannot read event envelope: 0 bytes is shorter than the 10-byte Avro single-object header",
      ),
    );
    const json = Buffer.from(JSON.stringify(event));
    const error = errorOf(() => decodeEvent(json));
    expect(error).toBeInstanceOf(EventDecodingError);
    expect(error.message).toBe(
      "cannot read event envelope: not Avro single-object encoded (expected marker c3 01, found 7b 22)",
    );
  });

  it("every truncation gives a clear error", () => {
    for (let length = 0; length < bytes.length; length++) {
      const error = errorOf(() => decodeEvent(bytes.subarray(0, length)));
      expect(error, `truncated to ${length} bytes`).toBeInstanceOf(EventDecodingError);
      expect(error.message).toMatch(/^cannot (read|decode) event envelope/);
    }
  });

  it("trailing bytes are reported", () => {
    const error = errorOf(() => decodeEvent(Buffer.concat([bytes, Buffer.from([0])])));
    expect(error).toBeInstanceOf(EventDecodingError);
    expect(error.message).toContain("1 bytes of trailing data after the value");
  });

  it("a corrupted payload inside a good envelope names the event and the schema", () => {
    const payload = Buffer.from(encodePayload("JobCreated", { definition: sampleDefinition() }));
    const forged = schemaRegistry.write(
      "Envelope",
      { ...event, data: payload.subarray(0, payload.length - 3) },
      { subject: "forged envelope" },
    );
    const error = errorOf(() => decodeEvent(forged));
    expect(error).toBeInstanceOf(EventDecodingError);
    expect(error.message).toContain(
      `cannot decode payload of event ${event.eventId} (JobCreated v2, schema ${schemaRegistry.newest("JobCreated").fingerprint}): `,
    );
  });

  it("a block count far beyond the data fails fast instead of looping", () => {
    // JobUpdated v1: seven null unions of `changes`, then changedFields claiming 2^40 items
    const hugeCount = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x40]); // zig-zag varint of 2^40
    const forged = Buffer.concat([header(updatedV1.fingerprint), Buffer.alloc(7), hugeCount]);
    const error = errorOf(() => decodePayload(forged));
    expect(error).toBeInstanceOf(EventDecodingError);
    expect(error.message).toContain(
      "block of changedFields claims 1099511627776 items but only 0 bytes remain",
    );
  });

  it("an enum index out of range names the field", () => {
    const forged = Buffer.concat([
      header(updatedV1.fingerprint),
      Buffer.alloc(7),
      Buffer.from([0x02, 0x20, 0x00]), // one item, index 16, end
    ]);
    const error = errorOf(() => decodePayload(forged));
    expect(error.message).toContain(
      "enum changedFields[0] has index 16, but jobledger.events.JobField has 7 symbols",
    );
  });

  it("a long beyond what a JS number holds exactly is refused, not rounded", () => {
    // JobCreated is awkward to hand-write; a JobUpdated v1 changing only schedule to a rate of 2^60 s
    const forged = Buffer.concat([
      header(updatedV1.fingerprint),
      Buffer.from([0x00, 0x00, 0x00, 0x02, 0x02]), // name, description, request null; schedule: branch 1, type rate
      Buffer.from([0x00, 0x00, 0x02]), // expression, timezone null; everySeconds: branch 1
      Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]), // zig-zag varint of 2^60
      Buffer.from([0x00, 0x00, 0x00, 0x00, 0x00]), // at, retry, overlap, tags null; changedFields empty
    ]);
    const error = errorOf(() => decodePayload(forged));
    expect(error).toBeInstanceOf(EventDecodingError);
    expect(error.message).toContain(
      "long 1152921504606846976 is beyond the integers a JS number holds exactly",
    );
  });

  it("a payload where an envelope belongs, and the reverse, are refused", () => {
    const payload = encodePayload("JobResumed", {});
    const fp = schemaRegistry.newest("JobResumed").fingerprint;
    expect(errorOf(() => decodeEvent(payload)).message).toBe(
      `cannot read event envelope: its schema is JobResumed v1 (${fp}), which does not belong there`,
    );
    expect(errorOf(() => decodePayload(bytes)).message).toMatch(
      /^cannot read event payload: its schema is Envelope v1/,
    );
  });

  it("an envelope whose type disagrees with its payload is refused", () => {
    const forged = schemaRegistry.write(
      "Envelope",
      { ...event, type: "JobDeleted", data: encodePayload("JobPaused", { reason: null }) },
      { subject: "forged envelope" },
    );
    const error = errorOf(() => decodeEvent(forged));
    expect(error).toBeInstanceOf(EventDecodingError);
    expect(error.message).toBe(
      `event ${event.eventId}: the envelope says JobDeleted but the payload was written with the JobPaused schema`,
    );
  });

  it("stored data the schema allows but the TS shape cannot hold is reported", () => {
    // a JobCreated whose cron schedule has no expression, written around the codec
    const type = schemaRegistry.newest("JobCreated").type;
    const good = type.fromBuffer(
      Buffer.from(encodePayload("JobCreated", { definition: sampleDefinition() })).subarray(10),
    ) as { definition: { schedule: Record<string, unknown> } };
    good.definition.schedule.expression = null;
    const forged = Buffer.concat([
      header(schemaRegistry.newest("JobCreated").fingerprint),
      type.toBuffer(good),
    ]);
    const error = errorOf(() => decodePayload(forged));
    expect(error).toBeInstanceOf(EventDecodingError);
    expect(error.message).toMatch(
      /^cannot read event payload \(JobCreated v2, schema [0-9a-f]{16}\): a cron schedule was stored without expression$/,
    );
  });
});
