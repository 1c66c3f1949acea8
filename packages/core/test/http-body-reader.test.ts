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
