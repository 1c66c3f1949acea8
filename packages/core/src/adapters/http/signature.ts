/**
 * Request signing, Stripe-like, so a target can check in a few lines that a call comes from
 * Jobledger and was not replayed (see docs/signing.md):
 *
 *   Jobledger-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The key is the secret string as UTF-8 (the whole `whsec_…` text). Several `v1=` entries may
 * appear (one per secret while a secret is being rotated); a verifier accepts any of them.
 * Per-tenant secrets are derived from one master key, so changing the master key rotates the
 * secrets of all tenants at once.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "Jobledger-Signature";
export const SECRET_PREFIX = "whsec_";
export const DEFAULT_TOLERANCE_SECONDS = 300;

const unixSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/**
 * The `Jobledger-Signature` header value for `body` sent at `now`. Pass several secrets
 * (newest first) during a rotation: each gets its own `v1=` entry.
 */
export function signRequest(secret: string | readonly string[], body: string | null, now: Date): string {
  const secrets = typeof secret === "string" ? [secret] : secret;
  if (secrets.length === 0) throw new Error("signRequest needs at least one secret");
  const t = unixSeconds(now);
  const payload = body ?? "";
  return [`t=${t}`, ...secrets.map((s) => `v1=${hmacHex(s, t, payload)}`)].join(",");
}

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: "malformed" | "timestamp-out-of-tolerance" | "mismatch"; message: string };

/** The parts of a header: its timestamp and every `v1` signature (null when malformed). */
export function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const at = part.indexOf("=");
    if (at === -1) continue;
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === "t" && /^\d{1,15}$/.test(value)) timestamp = Number(value);
    if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

/**
 * Checks a `Jobledger-Signature` header against the raw body: the timestamp must be within
 * `toleranceSeconds` of `now` (replay protection) and one `v1` must match (constant-time).
 */
export function verifySignature(
  header: string,
  body: string | null,
  secret: string,
  now: Date,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): SignatureCheck {
  const parsed = parseSignatureHeader(header);
  if (!parsed) {
    return { ok: false, reason: "malformed", message: "expected t=<unix seconds>,v1=<64 hex digits>" };
  }
  const age = unixSeconds(now) - parsed.timestamp;
  if (Math.abs(age) > toleranceSeconds) {
    return {
      ok: false,
      reason: "timestamp-out-of-tolerance",
      message: `the signature's timestamp is ${age} s from now; at most ${toleranceSeconds} s is accepted`,
    };
  }
  const expected = Buffer.from(hmacHex(secret, parsed.timestamp, body ?? ""), "hex");
  const matches = parsed.signatures.some((sig) => timingSafeEqual(Buffer.from(sig, "hex"), expected));
  return matches
    ? { ok: true, timestamp: parsed.timestamp }
    : { ok: false, reason: "mismatch", message: "no v1 signature matches the body and secret" };
}

/**
 * A tenant's signing secret: `whsec_` + base64url(HMAC-SHA256(masterKey, "jobledger-signing:" + tenant)).
 * Deterministic, so no per-tenant secret is stored; rotating the master key rotates every tenant.
 */
export function tenantSigningSecret(masterKey: string | Uint8Array, tenant: string): string {
  if (masterKey.length === 0) throw new Error("the signing master key is empty");
  const mac = createHmac("sha256", masterKey)
    .update(`jobledger-signing:${tenant}`, "utf8")
    .digest("base64url");
  return `${SECRET_PREFIX}${mac}`;
}
