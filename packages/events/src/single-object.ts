/**
 * Avro single-object encoding (Avro specification, "Single object encoding"): the marker
 * C3 01, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema, then the
 * Avro binary encoding of the value. The fingerprint tells a reader which schema wrote it.
 */
import { EventDecodingError } from "./errors.ts";
import { fingerprintBytes } from "./rabin.ts";

export const SINGLE_OBJECT_MARKER: readonly [number, number] = [0xc3, 0x01];
/** marker (2 bytes) + fingerprint (8 bytes) */
export const SINGLE_OBJECT_HEADER_LENGTH = 10;

/** Prefix Avro binary with the single-object header. */
export function toSingleObject(fingerprint: bigint, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(SINGLE_OBJECT_MARKER), fingerprintBytes(fingerprint), body]);
}

export interface SingleObject {
  fingerprint: bigint;
  /** the Avro binary after the header (a view, not a copy) */
  body: Buffer;
}

/** Split single-object bytes into fingerprint and body; throws if the header is wrong. */
export function fromSingleObject(bytes: Uint8Array, reading: string): SingleObject {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < SINGLE_OBJECT_HEADER_LENGTH) {
    throw new EventDecodingError(
      `cannot read ${reading}: ${buf.length} bytes is shorter than the ${SINGLE_OBJECT_HEADER_LENGTH}-byte ` +
        "Avro single-object header",
    );
  }
  if (buf[0] !== SINGLE_OBJECT_MARKER[0] || buf[1] !== SINGLE_OBJECT_MARKER[1]) {
    throw new EventDecodingError(
      `cannot read ${reading}: not Avro single-object encoded (expected marker c3 01, found ${buf
        .subarray(0, 2)
        .toString("hex")
        .replace(/(..)(..)/, "$1 $2")})`,
    );
  }
  return { fingerprint: buf.readBigUInt64LE(2), body: buf.subarray(SINGLE_OBJECT_HEADER_LENGTH) };
}
