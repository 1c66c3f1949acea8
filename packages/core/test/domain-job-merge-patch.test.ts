/** applyMergePatch against RFC 7396's own examples (Appendix A), and keys plain assignment mishandles. */
import { describe, expect, it } from "vitest";
import { applyMergePatch } from "../src/domain/job/patch.ts";

describe("applyMergePatch (RFC 7396)", () => {
  it.each([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])("%j patched with %j is %j", (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it("changes neither argument", () => {
    const target = { a: { b: 1 }, list: [1] };
    const patch = { a: { c: 2 }, list: [2] };
    const merged = applyMergePatch(target, patch) as { list: number[] };
    expect(target).toEqual({ a: { b: 1 }, list: [1] });
    expect(patch).toEqual({ a: { c: 2 }, list: [2] });
    expect(merged).toEqual({ a: { b: 1, c: 2 }, list: [2] });
  });

  it("keeps __proto__, constructor and prototype as plain keys (valid header names)", () => {
    const patch = JSON.parse(
      '{"h": {"__proto__": {"polluted": 1}, "constructor": "x", "prototype": "y", "z": "1"}}',
    );
    const merged = applyMergePatch({ h: { a: "0" } }, patch) as { h: Record<string, unknown> };
    expect(Object.keys(merged.h)).toEqual(["a", "__proto__", "constructor", "prototype", "z"]);
    expect(Object.getPrototypeOf(merged.h)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
