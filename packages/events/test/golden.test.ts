/**
 * Golden samples: bytes written once per published schema version (test/golden/*.hex,
 * by scripts/write-golden.ts) must decode with today's registry to their expected
 * values. A schema change that breaks reading old data fails here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeEvent, eventTypes, type SchemaFamilyName, schemaRegistry } from "../src/index.ts";
import { goldenSamples } from "./golden/samples.ts";

const dir = fileURLToPath(new URL("./golden/", import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".hex"))
  .sort();
const families: SchemaFamilyName[] = [...eventTypes, "Envelope"];

function parseName(file: string): { family: SchemaFamilyName; version: number; key: string } {
  const match = /^(\w+)\.v(\d+)\.hex$/.exec(file);
  if (match === null || !families.includes(match[1] as SchemaFamilyName)) {
    throw new Error(`golden file ${file} is not named <Family>.v<N>.hex`);
  }
  return { family: match[1] as SchemaFamilyName, version: Number(match[2]), key: file.slice(0, -4) };
}

describe("golden samples", () => {
  it("exist for every published schema version (run scripts/write-golden.ts after publishing one)", () => {
    const expected = schemaRegistry.entries.map((e) => `${e.eventType}.v${e.version}.hex`).sort();
    expect(files).toEqual(expected);
  });

  it.each(files)("%s decodes with today's registry to its expected value", (file) => {
    const { family, version, key } = parseName(file);
    const bytes = Buffer.from(readFileSync(`${dir}/${file}`, "utf8").replace(/\s+/g, ""), "hex");
    const expected = goldenSamples[key];
    expect(expected, `test/golden/samples.ts has no entry ${key}`).toBeDefined();

    const { payloadDigest, ...decoded } = decodeEvent(bytes);
    expect(decoded).toStrictEqual(expected);
    expect(payloadDigest).toMatch(/^[0-9a-f]{64}$/);

    const entry = schemaRegistry.versions(family)[version - 1];
    expect(entry?.version).toBe(version);
    if (family === "Envelope") {
      expect(bytes.readBigUInt64LE(2).toString(16).padStart(16, "0")).toBe(entry?.fingerprint);
    } else {
      expect(decoded.type).toBe(family);
      expect(decoded.schemaVersion).toBe(version);
      expect(decoded.schemaFingerprint).toBe(entry?.fingerprint);
    }
  });
});
