/**
 * The hash chain of a stream: every event's `hash` is the hex SHA-256 of its predecessor's
 * hash and its own content, so editing, dropping or reordering a stored event is detectable
 * by recomputing the chain (`verifyChain`).
 *
 * The hashed text is the canonical JSON (keys sorted, no whitespace, `undefined` members
 * dropped) of the array
 * `[prevHash, eventId, streamId, version, type, occurredAt ISO, correlationId,
 *   causationId, actor, tenant, payloadDigest]`.
 * An array keeps field boundaries unambiguous. The payload enters as the SHA-256 of its bytes
 * as written (`payloadDigest`), not as decoded data: a later schema version reads old
 * payloads with new defaults, and the chain must still verify.
 */
import { createHash } from "node:crypto";
import type { DecodedEvent } from "@jobledger/events";

/** The fields the hash covers: everything of an envelope except the hash itself. */
export type HashedFields = Pick<
  DecodedEvent,
  | "prevHash"
  | "eventId"
  | "streamId"
  | "version"
  | "type"
  | "occurredAt"
  | "correlationId"
  | "causationId"
  | "actor"
  | "tenant"
  | "payloadDigest"
>;

/**
 * JSON with object keys sorted by code point and `undefined` members dropped (as
 * `JSON.stringify` does), so equal values always give equal text.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new TypeError(`canonical JSON has no representation for ${value}`);
    }
    if (typeof value === "bigint") return value.toString();
    return JSON.stringify(value) ?? "null";
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** Hex SHA-256 of an event's content chained to its predecessor's hash. */
export function eventHash(e: HashedFields): string {
  const text = canonicalJson([
    e.prevHash,
    e.eventId,
    e.streamId,
    e.version,
    e.type,
    e.occurredAt.toISOString(),
    e.correlationId,
    e.causationId,
    e.actor,
    e.tenant,
    e.payloadDigest,
  ]);
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export interface ChainBreak {
  version: number;
  reason: string;
}

/**
 * Checks a stream's events, read in order from version 1 (or from `after`, the event just
 * before the first one given): consecutive versions, each `prevHash` equal to the previous
 * `hash`, each `hash` recomputed. Returns the first break, or null when the chain holds.
 */
export function verifyChain(
  events: Iterable<DecodedEvent>,
  after: { version: number; hash: string } = { version: 0, hash: "" },
): ChainBreak | null {
  let previous = after;
  for (const e of events) {
    if (e.version !== previous.version + 1) {
      return { version: e.version, reason: `expected version ${previous.version + 1}, found ${e.version}` };
    }
    if (e.prevHash !== previous.hash) {
      return { version: e.version, reason: "prevHash does not match the previous event's hash" };
    }
    if (eventHash(e) !== e.hash) {
      return { version: e.version, reason: "hash does not match the event's content" };
    }
    previous = { version: e.version, hash: e.hash };
  }
  return null;
}
