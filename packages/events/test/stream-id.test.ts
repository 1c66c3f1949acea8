/** Stream ids `<tenant>/<kind>/<id>`. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidStreamIdError, parseStreamId, streamIdOf } from "../src/index.ts";

describe("stream ids", () => {
  it("builds and parses <tenant>/<kind>/<id>", () => {
    expect(streamIdOf("default", "job", "01J9ZQ4X7W")).toBe("default/job/01J9ZQ4X7W");
    expect(parseStreamId("acme/run/01J9ZQ4X7W-1735689600000")).toEqual({
      tenant: "acme",
      kind: "run",
      id: "01J9ZQ4X7W-1735689600000",
    });
  });

  it("round-trips any parts without a slash", () => {
    const part = fc.string({ unit: "binary", minLength: 1 }).filter((s) => !s.includes("/"));
    fc.assert(
      fc.property(part, part, part, (tenant, kind, id) => {
        expect(parseStreamId(streamIdOf(tenant, kind, id))).toEqual({ tenant, kind, id });
      }),
    );
  });

  it("refuses a slash or an empty part, saying which", () => {
    expect(() => streamIdOf("a/b", "job", "1")).toThrow(
      new InvalidStreamIdError('cannot build a stream id: the tenant "a/b" contains "/"'),
    );
    expect(() => streamIdOf("default", "job", "x/y")).toThrow('the id "x/y" contains "/"');
    expect(() => streamIdOf("", "job", "1")).toThrow("cannot build a stream id: the tenant is empty");
    expect(() => parseStreamId("default/job/1/2")).toThrow(
      'invalid stream id "default/job/1/2": expected <tenant>/<kind>/<id>, found 4 parts',
    );
    expect(() => parseStreamId("default/job")).toThrow("found 2 parts");
    expect(() => parseStreamId("default//1")).toThrow('invalid stream id "default//1": the kind is empty');
    expect(() => parseStreamId("/job/1")).toThrow(InvalidStreamIdError);
  });
});
