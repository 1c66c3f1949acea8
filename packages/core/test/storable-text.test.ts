/** The rule for stored text (ADR 0010): well-formed Unicode without U+0000. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keptResponseHeaders } from "../src/adapters/http/executor.ts";
import {
  decodeStorableUtf8,
  findUnstorable,
  isStorableText,
  toStorableText,
  toStorableValue,
} from "../src/domain/text/storable-text.ts";

const lone = "\ud800";
const anyText = fc.string({ unit: "binary", maxLength: 40 });
const wellFormed = (s: string) => Buffer.from(s, "utf8").toString("utf8") === s;
const unstorable = (s: string) => s.includes("\u0000") || !wellFormed(s);

describe("storable text", () => {
  it("refuses NUL and lone surrogates, keeps paired ones and everything else", () => {
    expect(isStorableText("Rechnungen – täglich 📄")).toBe(true);
    expect(isStorableText("a\u0000b")).toBe(false);
    expect(isStorableText(`x${lone}`)).toBe(false);
    expect(isStorableText("\udc00x")).toBe(false);
    expect(isStorableText("\u0001\u007f\uffff")).toBe(true);
  });

  it("replaces each offending code unit with U+FFFD and leaves storable text unchanged", () => {
    expect(toStorableText(`a\u0000b${lone}c📄`)).toBe("a\uFFFDb\uFFFDc📄");
    fc.assert(
      fc.property(anyText, (s) => {
        const out = toStorableText(s);
        expect(isStorableText(out)).toBe(true);
        expect(wellFormed(out)).toBe(true);
        expect(out.includes("\u0000")).toBe(false);
        expect(isStorableText(s)).toBe(!unstorable(s));
        if (isStorableText(s)) expect(out).toBe(s);
        expect(out.length).toBe(s.length);
      }),
    );
  });

  it("finds every offending string and key with its dotted path", () => {
    const found = findUnstorable({
      name: "a\u0000",
      request: { url: "https://x", headers: { [`x-${lone}`]: "v", ok: `v${lone}` } },
      tags: ["fine", "b\u0000"],
    });
    expect(found.map((f) => f.path)).toEqual([
      "name",
      "request.headers.x-\uFFFD",
      "request.headers.ok",
      "tags.1",
    ]);
    expect(found[0]?.message).toMatch(/name must not contain the NUL character/);
    expect(findUnstorable({ a: [1, true, null, { b: "c" }] })).toEqual([]);
    expect(findUnstorable("\u0000", "query.q")).toEqual([
      { path: "query.q", message: "query.q must not contain the NUL character (U+0000)" },
    ]);
  });

  it("makes any JSON value storable, copying only what changes", () => {
    const clean = { a: ["x", 1, { b: null }], at: new Date(0) };
    expect(toStorableValue(clean)).toBe(clean);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), anyText, anyText, (json, key, text) => {
        const value = { [key]: text, nested: [json, { [key]: [text] }] };
        const out = toStorableValue(value);
        expect(findUnstorable(out)).toEqual([]);
        expect(JSON.stringify(out)).not.toMatch(/\\u0000|\\ud[89a-f]/i);
      }),
    );
  });

  it("decodes bytes into storable text and says when it replaced something", () => {
    expect(decodeStorableUtf8(Buffer.from("grüß 📄"))).toEqual({ text: "grüß 📄", replaced: false });
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    const decoded = decodeStorableUtf8(png);
    expect(decoded.replaced).toBe(true);
    expect(decoded.text).toBe("\uFFFDPNG\r\n\u001a\n\uFFFD\uFFFD\uFFFD\r");
    expect(decodeStorableUtf8(Buffer.from("a\u0000b"))).toEqual({ text: "a\uFFFDb", replaced: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const { text, replaced } = decodeStorableUtf8(bytes);
        expect(isStorableText(text)).toBe(true);
        if (!replaced)
          expect(Buffer.from(text, "utf8")).toEqual(
            Buffer.from(bytes).subarray(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0),
          );
      }),
    );
  });

  it("keeps a target's response headers as storable text", () => {
    expect(
      keptResponseHeaders({ "X-A\u0000": "v\u0000", "x-b": ["1", "\ud800"], "set-cookie": ["s=1"], ok: "ü" }),
    ).toEqual({ "x-a\uFFFD": "v\uFFFD", "x-b": "1, \uFFFD", ok: "ü" });
  });
});
