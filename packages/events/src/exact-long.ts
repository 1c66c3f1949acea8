/**
 * Avro `long` as a JS number, exact over the whole safe-integer range. avsc's default
 * long silently corrupts negative values below -2^52 (its zig-zag arithmetic runs in
 * doubles: -(2^52+1) comes back as 2^52); this one goes through 64-bit two's complement
 * with BigInt, and refuses on read a long that a JS number cannot hold exactly.
 */
import avro from "avsc";

export const exactLongType: avro.Type = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer): number => {
    const n = buf.readBigInt64LE();
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new Error(`long ${n} is beyond the integers a JS number holds exactly`);
    }
    return Number(n);
  },
  toBuffer: (n: number): Buffer => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (json: unknown): number => Number(json),
  toJSON: (n: number): number => n,
  isValid: (n: unknown): boolean => Number.isSafeInteger(n),
  compare: (a: number, b: number): number => (a === b ? 0 : a < b ? -1 : 1),
});
