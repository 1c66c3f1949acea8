/**
 * CRC-64-AVRO, the Rabin fingerprint the Avro specification defines for schemas
 * ("Schema Fingerprints"): computed over the UTF-8 bytes of a schema's Parsing Canonical
 * Form. Single-object encoding puts it, little-endian, in front of every value.
 */

const EMPTY = 0xc15d213aa4d7a795n;
const MASK_64 = 0xffffffffffffffffn;

const TABLE: readonly bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) {
    fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK_64);
  }
  return fp;
});

const utf8 = new TextEncoder();

/** The 64-bit Rabin fingerprint (unsigned) of a schema's Parsing Canonical Form. */
export function rabinFingerprint(canonicalForm: string): bigint {
  let fp = EMPTY;
  for (const byte of utf8.encode(canonicalForm)) {
    fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]!;
  }
  return fp;
}

/** A fingerprint as 16 lowercase hex digits (the number, most significant digit first). */
export function fingerprintHex(fingerprint: bigint): string {
  return fingerprint.toString(16).padStart(16, "0");
}

/** The 8 bytes of a fingerprint, little-endian, as single-object encoding writes them. */
export function fingerprintBytes(fingerprint: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(fingerprint);
  return bytes;
}
