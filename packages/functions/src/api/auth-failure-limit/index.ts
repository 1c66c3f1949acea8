/**
 * A limit on failed authentication attempts, checked before any credential is looked up: a
 * client address (and an API key id) that failed `perMinute` times in the current one-minute
 * window is answered 429 at once, so guessing credentials costs neither a DynamoDB read nor a
 * signature check. Counted in this instance's memory, like the per-principal rate limit.
 *
 * Keyed by address, a flood from one address cannot probe further; keyed by API key id, a
 * flood against one key from many addresses cannot either. A key id is public (it is the actor
 * `apikey:<id>`), so anyone could lock a key out this way: a key that authenticated in this
 * window or the last is let through to the lookup despite its id's count (by its hash, so only
 * the holder of the whole key passes).
 */
import { createHash } from "node:crypto";
import { apiKeyId } from "@jobledger/core/auth/api-keys";
import type { Credentials } from "@jobledger/core/auth/authenticator";
import type { Clock } from "@jobledger/core/ports/clock";
import type { Context } from "hono";

const WINDOW_MS = 60_000;
/** bounds the memory one instance spends on counters */
const MAX_ENTRIES = 50_000;

export interface AuthFailureLimiter {
  /** seconds until the caller may try again, or null when it may try now */
  check(c: Context, credentials: Credentials): number | null;
  /** counts a failed attempt against the caller's address and key id */
  failed(c: Context, credentials: Credentials): void;
  /** remembers a key that authenticated, so a flood against its id does not lock it out */
  succeeded(credentials: Credentials): void;
}

/** The caller's address: the socket's on Node, the source IP API Gateway saw on Lambda. */
export function clientAddress(c: Context): string {
  const env = c.env as
    | {
        incoming?: { socket?: { remoteAddress?: string } };
        requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } };
      }
    | undefined;
  return (
    env?.requestContext?.http?.sourceIp ??
    env?.requestContext?.identity?.sourceIp ??
    env?.incoming?.socket?.remoteAddress ??
    "unknown"
  );
}

/** The API key a request carries (X-API-Key, or a bearer `jl_…`), if any. */
function apiKeyOf({ authorization, apiKey }: Credentials): string | null {
  if (apiKey !== undefined && apiKey !== "") return apiKey.trim();
  const bearer = authorization ? /^Bearer\s+(jl_\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  return bearer ?? null;
}

const hashOf = (key: string) => createHash("sha256").update(key).digest("base64url");

export function createAuthFailureLimiter(perMinute: number | null, clock: Clock): AuthFailureLimiter {
  const failures = new Map<string, { start: number; count: number }>();
  /** hash of a key that authenticated → the window start when it last did */
  const known = new Map<string, number>();

  const windowStart = (now: number) => now - (now % WINDOW_MS);
  const keysOf = (c: Context, credentials: Credentials): string[] => {
    const keys = [`addr:${clientAddress(c)}`];
    const key = apiKeyOf(credentials);
    const id = key ? apiKeyId(key) : null;
    if (id) keys.push(`key:${id}`);
    return keys;
  };
  const prune = (start: number) => {
    if (failures.size > MAX_ENTRIES) for (const [k, w] of failures) if (w.start < start) failures.delete(k);
    if (known.size > MAX_ENTRIES) for (const [k, s] of known) if (s < start - WINDOW_MS) known.delete(k);
    // still full of current entries: forget the oldest rather than grow without bound
    while (failures.size > MAX_ENTRIES) failures.delete(failures.keys().next().value as string);
    while (known.size > MAX_ENTRIES) known.delete(known.keys().next().value as string);
  };

  return {
    check(c, credentials) {
      if (perMinute === null) return null;
      const now = clock.now().getTime();
      const start = windowStart(now);
      const key = apiKeyOf(credentials);
      const knownKey = key !== null && (known.get(hashOf(key)) ?? -Infinity) >= start - WINDOW_MS;
      for (const k of keysOf(c, credentials)) {
        if (knownKey && k.startsWith("key:")) continue;
        const w = failures.get(k);
        if (w && w.start === start && w.count >= perMinute) {
          return Math.max(1, Math.ceil((start + WINDOW_MS - now) / 1000));
        }
      }
      return null;
    },
    failed(c, credentials) {
      if (perMinute === null) return;
      const start = windowStart(clock.now().getTime());
      prune(start);
      for (const k of keysOf(c, credentials)) {
        const w = failures.get(k);
        if (w && w.start === start) w.count += 1;
        else failures.set(k, { start, count: 1 });
      }
    },
    succeeded(credentials) {
      if (perMinute === null) return;
      const key = apiKeyOf(credentials);
      if (key === null) return;
      const start = windowStart(clock.now().getTime());
      prune(start);
      known.set(hashOf(key), start);
    },
  };
}
