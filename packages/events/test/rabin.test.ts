/**
 * The Rabin fingerprint and the Parsing Canonical Form, checked against the test vectors
 * Apache Avro publishes (share/test/data/schema-tests.txt, cross-checked there by the
 * Java implementation). Fingerprints there are Java signed longs. Vector 026 is given
 * with a boolean default (`true`): the published input has the string "true", which avsc
 * rightly rejects as a default of a boolean; defaults are not part of the canonical form.
 */
import { describe, expect, it } from "vitest";
import { canonicalForm, createAvroType, fingerprintHex, rabinFingerprint } from "../src/index.ts";

/** [input schema, canonical form, fingerprint as a signed 64-bit decimal] */
const VECTORS: readonly [string, string, bigint | null][] = [
  ['"null"', '"null"', 7195948357588979594n],
  ['{"type":"null"}', '"null"', null],
  ['"boolean"', '"boolean"', -6970731678124411036n],
  ['"int"', '"int"', 8247732601305521295n],
  ['{"type":"int"}', '"int"', null],
  ['"long"', '"long"', -3434872931120570953n],
  ['"float"', '"float"', 5583340709985441680n],
  ['"double"', '"double"', -8181574048448539266n],
  ['"bytes"', '"bytes"', 5746618253357095269n],
  ['"string"', '"string"', -8142146995180207161n],
  ['[ "int"  ]', '["int"]', -5232228896498058493n],
  ['[ "int" , {"type":"boolean"} ]', '["int","boolean"]', 5392556393470105090n],
  [
    '{"fields":[], "type":"record", "name":"foo"}',
    '{"name":"foo","type":"record","fields":[]}',
    -4824392279771201922n,
  ],
  [
    '{"fields":[], "type":"record", "name":"foo", "namespace":"x.y"}',
    '{"name":"x.y.foo","type":"record","fields":[]}',
    5916914534497305771n,
  ],
  [
    '{"fields":[], "type":"record", "name":"a.b.foo", "namespace":"x.y"}',
    '{"name":"a.b.foo","type":"record","fields":[]}',
    -4616218487480524110n,
  ],
  [
    '{"fields":[], "type":"record", "name":"foo", "doc":"foo", "aliases":["foo","bar"]}',
    '{"name":"foo","type":"record","fields":[]}',
    -4824392279771201922n,
  ],
  [
    '{"fields":[{"type":{"type":"boolean"}, "name":"f1"}], "type":"record", "name":"foo"}',
    '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}',
    7843277075252814651n,
  ],
  [
    '{"fields":[{"type":"boolean","aliases":[],"name":"f1","default":true},{"order":"descending","name":"f2","doc":"Hello","type":"int"}],"type":"record","name":"foo"}',
    '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}',
    -4860222112080293046n,
  ],
  [
    '{"type":"enum", "name":"foo", "symbols":["A1"]}',
    '{"name":"foo","type":"enum","symbols":["A1"]}',
    -6342190197741309591n,
  ],
  [
    '{"namespace":"x.y.z", "type":"enum", "name":"foo", "doc":"foo bar", "symbols":["A1", "A2"]}',
    '{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}',
    -4448647247586288245n,
  ],
  [
    '{"name":"foo","type":"fixed","size":15}',
    '{"name":"foo","type":"fixed","size":15}',
    1756455273707447556n,
  ],
  [
    '{"namespace":"x.y.z", "type":"fixed", "name":"foo", "doc":"foo bar", "size":32}',
    '{"name":"x.y.z.foo","type":"fixed","size":32}',
    -3064184465700546786n,
  ],
  ['{ "items":{"type":"null"}, "type":"array"}', '{"type":"array","items":"null"}', -589620603366471059n],
  ['{ "values":"string", "type":"map"}', '{"type":"map","values":"string"}', -8732877298790414990n],
  [
    '{"name":"PigValue","type":"record","fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]}',
    '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}',
    -1759257747318642341n,
  ],
];

describe("rabinFingerprint (CRC-64-AVRO)", () => {
  it.each(VECTORS.filter(([, , fp]) => fp !== null))(
    "fingerprints %s as Avro publishes",
    (_, canonical, fp) => {
      expect(BigInt.asIntN(64, rabinFingerprint(canonical))).toBe(fp);
    },
  );

  it('gives 0x63dd24e7cc258f8a for "null" (7195948357588979594 in the published vectors)', () => {
    expect(rabinFingerprint('"null"')).toBe(0x63dd24e7cc258f8an);
    expect(fingerprintHex(rabinFingerprint('"null"'))).toBe("63dd24e7cc258f8a");
  });

  it("is unsigned and hex-formats to exactly 16 digits", () => {
    const fp = rabinFingerprint('"boolean"');
    expect(fp).toBeGreaterThan(0n);
    expect(fp).toBe(BigInt.asUintN(64, -6970731678124411036n));
    expect(fingerprintHex(0x1an)).toBe("000000000000001a");
  });
});

describe("canonicalForm (avsc's schema())", () => {
  it.each(VECTORS)("gives the Parsing Canonical Form of %s", (input, canonical) => {
    expect(canonicalForm(createAvroType(JSON.parse(input)))).toBe(canonical);
  });

  it("drops logical types, docs and defaults but keeps the fingerprint stable", () => {
    const a = createAvroType({
      type: "record",
      name: "T",
      namespace: "n",
      doc: "x",
      fields: [{ name: "at", type: { type: "long", logicalType: "timestamp-millis" }, doc: "when" }],
    });
    expect(canonicalForm(a)).toBe('{"name":"n.T","type":"record","fields":[{"name":"at","type":"long"}]}');
  });
});
