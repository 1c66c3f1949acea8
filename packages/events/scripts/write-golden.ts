/**
 * Writes the golden sample of the newest version of every schema family to
 * `test/golden/<Family>.v<N>.hex`, from the expected value in `test/golden/samples.ts`.
 * Run it once after publishing a schema version:
 *
 *     npx tsx packages/events/scripts/write-golden.ts
 *
 * It never overwrites an existing file (golden files pin bytes written in the past),
 * and refuses to write a file whose decoding would not equal its sample exactly.
 */
import { existsSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import {
  currentSchemaVersion,
  decodeEvent,
  encodeEvent,
  eventTypes,
  type SchemaFamilyName,
} from "../src/index.ts";
import { goldenSamples } from "../test/golden/samples.ts";

const dir = new URL("../test/golden/", import.meta.url);
const families: SchemaFamilyName[] = [...eventTypes, "Envelope"];
const problems: string[] = [];

for (const family of families) {
  const key = `${family}.v${currentSchemaVersion(family)}`;
  const file = new URL(`${key}.hex`, dir);
  if (existsSync(file)) {
    console.log(`kept    ${key}.hex (golden files are never overwritten)`);
    continue;
  }
  const sample = goldenSamples[key];
  if (sample === undefined) {
    problems.push(`${key}: add its expected value to test/golden/samples.ts`);
    continue;
  }
  const { schemaVersion: _version, schemaFingerprint: _fingerprint, ...event } = sample;
  const bytes = Buffer.from(encodeEvent(event));
  const { payloadDigest: _digest, ...decoded } = decodeEvent(bytes);
  if (!isDeepStrictEqual(decoded, sample)) {
    problems.push(
      `${key}: the sample does not read back as itself; it decodes to ` +
        `schemaVersion ${decoded.schemaVersion}, schemaFingerprint ${decoded.schemaFingerprint}` +
        (family !== "Envelope" && decoded.type !== family
          ? `, type ${decoded.type} (expected ${family})`
          : ""),
    );
    continue;
  }
  const hex = bytes.toString("hex").replace(/(.{64})/g, "$1\n");
  writeFileSync(file, hex.endsWith("\n") ? hex : `${hex}\n`, { flag: "wx" });
  console.log(`wrote   ${key}.hex (${bytes.length} bytes)`);
}

if (problems.length > 0) {
  console.error(`not written:\n  ${problems.join("\n  ")}`);
  process.exitCode = 1;
}
