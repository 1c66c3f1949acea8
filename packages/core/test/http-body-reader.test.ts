/** Body reading: the UTF-8-safe excerpt cut and the byte cap. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BodyCollector, utf8Prefix } from "../src/adapters/http/body-reader.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("utf8Prefix", () => {
  it("never splits a character", () => {
    const bytes = utf8("aé€😀"); // 1 + 2 + 3 + 4 bytes
    expect(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => new TextDecoder().decode(utf8Prefix(bytes, n))),
    ).toEqual(["a", "a", "aé", "aé", "aé", "aé€", "aé€", "aé€", "aé€", "aé€😀"]);
  });

  it("gives a valid prefix of at most the limit for any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.nat(64), (text, limit) => {
        const prefix = utf8Prefix(utf8(text), limit);
        expect(prefix.length).toBeLessThanOrEqual(limit);
        const decoded = new TextDecoder("utf-8", { fatal: true }).decode(prefix);
        expect(text.startsWith(decoded)).toBe(true);
        expect(utf8(text).length - prefix.length).toBeLessThanOrEqual(
          Math.max(0, utf8(text).length - limit) + 3,
        );
      }),
    );
  });
});

describe("BodyCollector", () => {
  it("keeps the excerpt, counts every byte, and stops at the cap", () => {
    const collector = new BodyCollector({ excerptBytes: 5, maxBytes: 20 });
    expect(collector.add(utf8("héllo "))).toBe(true);
    expect(collector.add(utf8("world, "))).toBe(true);
    expect(collector.add(utf8("this is long"))).toBe(false);
    expect(collector.capped).toBe(true);
    expect(collector.done()).toEqual({ bodyExcerpt: "héll", bodyBytes: 20, bodyTruncated: true });
  });

  it("a body shorter than the excerpt is whole", () => {
    const collector = new BodyCollector({ excerptBytes: 100, maxBytes: 1000 });
    collector.add(utf8('{"ok":'));
    collector.add(utf8("true}"));
    expect(collector.done()).toEqual({ bodyExcerpt: '{"ok":true}', bodyBytes: 11, bodyTruncated: false });
  });
});

describe("BodyCollector excerpts are storable text (ADR 0010)", () => {
  it("turns NUL and bytes that are not UTF-8 into U+FFFD and marks the excerpt", () => {
    const png = Uint8Array.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
    ]);
    const collector = new BodyCollector({ excerptBytes: 100, maxBytes: 1000, keepBody: true });
    collector.add(png);
    expect(collector.done()).toEqual({
      bodyExcerpt: "\uFFFDPNG\r\n\u001a\n\uFFFD\uFFFD\uFFFD\rIHDR",
      bodyBytes: 16,
      bodyTruncated: false,
      bodyExcerptReplaced: true,
    });
    // the whole body keeps the exact bytes
    expect([...(collector.body() ?? [])]).toEqual([...png]);
  });

  it("never yields NUL or a lone surrogate for any bytes, and marks exactly when it replaced", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(48), (bytes, excerptBytes) => {
        const collector = new BodyCollector({ excerptBytes, maxBytes: 64 });
        collector.add(bytes);
        const read = collector.done();
        expect(read.bodyExcerpt.includes("\u0000")).toBe(false);
        expect(Buffer.from(read.bodyExcerpt, "utf8").toString("utf8")).toBe(read.bodyExcerpt);
        const prefix = utf8Prefix(bytes, excerptBytes);
        let faithful = true;
        try {
          faithful = !new TextDecoder("utf-8", { fatal: true }).decode(prefix).includes("\u0000");
        } catch {
          faithful = false;
        }
        expect(read.bodyExcerptReplaced === true).toBe(!faithful);
      }),
    );
  });
});

describe("BodyCollector with keepBody", () => {
  it("keeps every byte up to the cap, cutting the chunk that crosses it", () => {
    const collector = new BodyCollector({ excerptBytes: 4, maxBytes: 10, keepBody: true });
    const chunks = [Buffer.from([0, 1, 2, 255]), Buffer.from([4, 5, 6]), Buffer.from([7, 8, 9, 10, 11])];
    expect(chunks.map((c) => collector.add(c))).toEqual([true, true, false]);
    expect(collector.capped).toBe(true);
    expect([...(collector.body() ?? [])]).toEqual([0, 1, 2, 255, 4, 5, 6, 7, 8, 9]);
    expect(collector.done().bodyBytes).toBe(10);
  });

  it("keeps a body below the cap exactly, whatever the chunking", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 20 }), (chunks) => {
        const collector = new BodyCollector({ excerptBytes: 8, maxBytes: 10_000, keepBody: true });
        for (const chunk of chunks) collector.add(chunk);
        expect(collector.body()).toEqual(Buffer.concat(chunks));
        expect(collector.capped).toBe(false);
      }),
    );
  });

  it("keeps only the excerpt without keepBody", () => {
    const collector = new BodyCollector({ excerptBytes: 4, maxBytes: 100 });
    collector.add(utf8("hello world"));
    expect(collector.body()).toBeNull();
  });
});
