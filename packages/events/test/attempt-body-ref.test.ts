/**
 * AttemptSucceeded and AttemptFailed v2: the optional reference to the stored whole response
 * body. A reference round-trips; none (null or absent) reads back absent; v1 bytes read as
 * v2 without a reference; a malformed reference is refused before anything is written.
 */
import { describe, expect, it } from "vitest";
import {
  type AttemptBodyRef,
  type AttemptFailedData,
  type AttemptSucceededData,
  decodePayload,
  EventValidationError,
  encodePayload,
  schemaRegistry,
} from "../src/index.ts";
import { toSingleObject } from "../src/single-object.ts";

const ref: AttemptBodyRef = {
  key: "bodies/tenant=acme/dt=2026-11-23/0193a6f0-1111-5000-8000-00000000a001/2",
  sha256: "a".repeat(64),
  bytes: 51_200,
  contentType: "text/plain; charset=utf-8",
  truncated: false,
};

const succeeded: AttemptSucceededData = {
  attempt: 2,
  status: 200,
  durationMs: 40,
  headers: { "content-type": "text/plain; charset=utf-8" },
  bodyExcerpt: "xxxx",
  bodyBytes: 51_200,
  bodyTruncated: true,
};

const failed: AttemptFailedData = {
  attempt: 1,
  errorClass: "http-5xx",
  status: 500,
  message: "the target answered HTTP 500",
  retryAfterMs: null,
  durationMs: 3,
  headers: {},
  bodyExcerpt: "boom",
  bodyBytes: 4,
  bodyTruncated: false,
};

/** bytes as a writer of version 1 wrote them (the v1 schema, single-object framed) */
function writtenWithV1(type: "AttemptSucceeded" | "AttemptFailed", value: Record<string, unknown>) {
  const v1 = schemaRegistry.versions(type)[0];
  if (!v1) throw new Error(`no v1 of ${type}`);
  return toSingleObject(BigInt(`0x${v1.fingerprint}`), v1.type.toBuffer(value));
}

describe("attempt outcome events v2", () => {
  it("round-trip a body reference, with and without a content type", () => {
    const a = decodePayload(encodePayload("AttemptSucceeded", { ...succeeded, body: ref }));
    expect(a).toMatchObject({ type: "AttemptSucceeded", schemaVersion: 3 });
    expect(a.data).toEqual({ ...succeeded, body: ref });

    const truncated = { ...ref, contentType: null, truncated: true, bytes: 2 ** 40 };
    const b = decodePayload(encodePayload("AttemptFailed", { ...failed, body: truncated }));
    expect(b.data).toEqual({ ...failed, body: truncated });
  });

  it("read no reference (null or absent) back as absent", () => {
    for (const data of [{ ...succeeded, body: null }, succeeded]) {
      const decoded = decodePayload(encodePayload("AttemptSucceeded", data)).data;
      expect(decoded).toStrictEqual(succeeded);
      expect("body" in decoded).toBe(false);
    }
  });

  it("read v1 bytes as v2 without a reference", () => {
    const { bodyExcerpt, bodyBytes, bodyTruncated, durationMs, headers } = succeeded;
    const v1 = writtenWithV1("AttemptSucceeded", {
      attempt: 2,
      status: 200,
      durationMs,
      headers,
      bodyExcerpt,
      bodyBytes,
      bodyTruncated,
    });
    const decoded = decodePayload(v1);
    expect(decoded).toMatchObject({ type: "AttemptSucceeded", schemaVersion: 1 });
    expect(decoded.data).toStrictEqual(succeeded);

    const v1Failed = writtenWithV1("AttemptFailed", {
      ...failed,
      errorClass: "http_5xx",
    });
    expect(decodePayload(v1Failed).data).toStrictEqual(failed);
  });

  it("refuse a malformed reference, naming each problem", () => {
    let error: unknown;
    try {
      encodePayload("AttemptSucceeded", {
        ...succeeded,
        body: { ...ref, key: "runs/x", sha256: "ABC", bytes: 1.5 },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EventValidationError);
    const paths = (error as EventValidationError).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["body.sha256", "body.key"]));
    expect(paths.some((p) => p.startsWith("body.") && p.includes("bytes"))).toBe(true);
  });
});
