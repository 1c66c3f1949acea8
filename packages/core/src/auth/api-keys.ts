/**
 * API keys for services: `jl_<id>_<secret>`, shown once at creation, stored only as the
 * SHA-256 hash of the whole key. The id is public (it is the actor `apikey:<id>`).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Role } from "./principal.ts";

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  role: Role;
  /** hex SHA-256 of the full key */
  hash: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  /** refused from this instant on; null = never expires */
  expiresAt: string | null;
  /** when it last authenticated, to the minute ({@link LAST_USED_RESOLUTION_MS}); null = never */
  lastUsedAt: string | null;
}

/** lastUsedAt is written at most this often per key, so a busy key costs few writes */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Where API keys are kept (DynamoDB on AWS and locally). */
export interface ApiKeyStore {
  put(record: ApiKeyRecord): Promise<void>;
  /** by id alone: used to authenticate, before the tenant is known */
  get(id: string): Promise<ApiKeyRecord | null>;
  list(tenant: string): Promise<ApiKeyRecord[]>;
  /** false when no key with this id exists in this tenant */
  revoke(tenant: string, id: string, at: string, by: string): Promise<boolean>;
  /**
   * Sets lastUsedAt to `at` unless it is already within {@link LAST_USED_RESOLUTION_MS} of it
   * (a condition in the store, so instances racing on one key write once a minute at most).
   */
  touch(id: string, at: Date): Promise<void>;
}

const KEY_PATTERN = /^jl_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith("jl_");
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function newApiKey(): { id: string; key: string; hash: string } {
  const id = randomBytes(10).toString("hex").slice(0, 16);
  const key = `jl_${id}_${randomBytes(32).toString("base64url")}`;
  return { id, key, hash: hashApiKey(key) };
}

/**
 * The parts of a well-formed key, or null. The secret's alphabet (base64url) contains `_`,
 * so a key is parsed by its fixed lengths, never by splitting on `_`.
 */
export function parseApiKey(key: string): { id: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

/** The id inside a well-formed key, or null. */
export function apiKeyId(key: string): string | null {
  return parseApiKey(key)?.id ?? null;
}

export function apiKeyMatches(key: string, record: ApiKeyRecord): boolean {
  const a = Buffer.from(hashApiKey(key), "hex");
  const b = Buffer.from(record.hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
