/**
 * AttemptSucceeded and AttemptFailed v3: `bodyExcerptReplaced` marks an excerpt whose NUL or
 * non-UTF-8 bytes were replaced by U+FFFD. True round-trips; false or absent reads back absent;
 * v2 bytes read as v3 without the mark; a non-boolean is refused.
 */
import { describe, expect, it } from "vitest";
import {
  type AttemptFailedData,
  type AttemptSucceededData,
  currentSchemaVersion,
  decodePayload,
  EventValidationError,
  encodePayload,
  schemaRegistry,
} from "../src/index.ts";
import { toSingleObject } from "../src/single-object.ts";

const succeeded: AttemptSucceededData = {
  attempt: 1,
  status: 200,
  durationMs: 5,
  headers: { "content-type": "image/png" },
  bodyExcerpt: "\uFFFDPNG\r\n\u001a\n\uFFFD",
  bodyBytes: 9,
  bodyTruncated: false,
};

const failed: AttemptFailedData = {
  attempt: 2,
  errorClass: "http-5xx",
  status: 503,
  message: "the target answered HTTP 503",
  retryAfterMs: null,
  durationMs: 3,
  headers: {},
  bodyExcerpt: "\uFFFD",
  bodyBytes: 1,
  bodyTruncated: false,
};

function writtenWith(
  version: number,
  type: "AttemptSucceeded" | "AttemptFailed",
  value: Record<string, unknown>,
) {
  const entry = schemaRegistry.versions(type)[version - 1];
  if (!entry) throw new Error(`no v${version} of ${type}`);
  return toSingleObject(BigInt(`0x${entry.fingerprint}`), entry.type.toBuffer(value));
}

describe("attempt outcome events v3", () => {
  it("are the newest versions writers use", () => {
    expect(currentSchemaVersion("AttemptSucceeded")).toBe(3);
    expect(currentSchemaVersion("AttemptFailed")).toBe(3);
  });

  it("round-trip the mark when true", () => {
    const a = decodePayload(encodePayload("AttemptSucceeded", { ...succeeded, bodyExcerptReplaced: true }));
    expect(a).toMatchObject({ type: "AttemptSucceeded", schemaVersion: 3 });
    expect(a.data).toStrictEqual({ ...succeeded, bodyExcerptReplaced: true });
    const b = decodePayload(encodePayload("AttemptFailed", { ...failed, bodyExcerptReplaced: true }));
    expect(b.data).toStrictEqual({ ...failed, bodyExcerptReplaced: true });
  });

  it("read false or absent back as absent", () => {
    for (const data of [{ ...succeeded, bodyExcerptReplaced: false }, succeeded]) {
      const decoded = decodePayload(encodePayload("AttemptSucceeded", data)).data;
      expect(decoded).toStrictEqual(succeeded);
    }
  });

  it("read v2 bytes as v3 without the mark", () => {
    const v2 = writtenWith(2, "AttemptSucceeded", { ...succeeded, body: null });
    const decoded = decodePayload(v2);
    expect(decoded).toMatchObject({ type: "AttemptSucceeded", schemaVersion: 2 });
    expect(decoded.data).toStrictEqual(succeeded);
    const v2Failed = writtenWith(2, "AttemptFailed", { ...failed, errorClass: "http_5xx", body: null });
    expect(decodePayload(v2Failed).data).toStrictEqual(failed);
  });

  it("refuse a mark that is not a boolean", () => {
    expect(() =>
      encodePayload("AttemptFailed", { ...failed, bodyExcerptReplaced: "yes" as unknown as boolean }),
    ).toThrow(EventValidationError);
  });
});
