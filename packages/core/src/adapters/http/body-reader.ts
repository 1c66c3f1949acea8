/**
 * Reading a response body within limits: keep the first `excerptBytes` bytes for the
 * excerpt (decoded as UTF-8, cut on a character boundary, made storable text: NUL and bytes
 * that are not UTF-8 become U+FFFD and the excerpt is marked `bodyExcerptReplaced`; the whole
 * body keeps the exact bytes, see ADR 0010), count every byte, and stop
 * reading once `maxBytes` have arrived so a huge or endless body cannot hold the runner.
 * With `keepBody`, every byte up to `maxBytes` is kept too (`body()`), for the runner to
 * store the whole body as an object.
 */
import type { BodyRead } from "../../domain/run/outcome.ts";
import { decodeStorableUtf8 } from "../../domain/text/storable-text.ts";

/** The longest prefix of `bytes` (at most `limit` bytes) that ends on a UTF-8 character boundary. */
export function utf8Prefix(bytes: Uint8Array, limit: number): Uint8Array {
  if (bytes.length <= limit) return bytes;
  let end = Math.max(0, limit);
  // bytes[end] is the first byte left out; while it is a continuation byte (10xxxxxx) the
  // character it belongs to started before `end`, so leave that whole character out too
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

export interface BodyLimits {
  /** bytes kept for the excerpt */
  excerptBytes: number;
  /** bytes after which reading stops */
  maxBytes: number;
  /** keep the whole body (up to `maxBytes`), not only the excerpt */
  keepBody?: boolean;
}

/** Collects chunks as they arrive; `done()` gives what was read. */
export class BodyCollector {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private received = 0;
  private readonly whole: Buffer[] = [];
  private wholeBytes = 0;

  constructor(private readonly limits: BodyLimits) {}

  /** Adds a chunk; false once the byte cap is reached (stop reading). */
  add(chunk: Uint8Array): boolean {
    // keep one byte more than the excerpt so a cut can tell a split character from a whole one
    const room = this.limits.excerptBytes + 4 - this.keptBytes;
    if (room > 0) {
      const part = Buffer.from(chunk.subarray(0, room));
      this.kept.push(part);
      this.keptBytes += part.length;
    }
    if (this.limits.keepBody) {
      const left = this.limits.maxBytes - this.wholeBytes;
      if (left > 0) {
        const part = Buffer.from(chunk.subarray(0, left));
        this.whole.push(part);
        this.wholeBytes += part.length;
      }
    }
    this.received += chunk.length;
    return this.received < this.limits.maxBytes;
  }

  /** True once the byte cap was reached. */
  get capped(): boolean {
    return this.received >= this.limits.maxBytes;
  }

  /** The body's bytes up to the cap; null unless `keepBody` was set. */
  body(): Buffer | null {
    return this.limits.keepBody ? Buffer.concat(this.whole, this.wholeBytes) : null;
  }

  done(): BodyRead {
    const all = Buffer.concat(this.kept, this.keptBytes);
    const excerpt = utf8Prefix(all, this.limits.excerptBytes);
    const bodyBytes = Math.min(this.received, this.limits.maxBytes);
    const { text, replaced } = decodeStorableUtf8(excerpt);
    return {
      bodyExcerpt: text,
      bodyBytes,
      bodyTruncated: excerpt.length < this.received,
      ...(replaced ? { bodyExcerptReplaced: true } : {}),
    };
  }
}
