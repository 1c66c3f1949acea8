/** Request signing: header format, verification, replay window, rotation, per-tenant secrets. */
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseSignatureHeader,
  signRequest,
  tenantSigningSecret,
  verifySignature,
} from "../src/adapters/http/signature.ts";

const NOW = new Date("2026-03-01T12:00:00.500Z");
const T = 1772366400; // NOW in unix seconds
const SECRET = "whsec_test-secret";

describe("signRequest", () => {
  it("is t=<unix seconds>,v1=<hex HMAC-SHA256(secret, '<t>.<body>')>", () => {
    const body = '{"hello":"wörld"}';
    const expected = createHmac("sha256", SECRET).update(`${T}.${body}`).digest("hex");
    expect(signRequest(SECRET, body, NOW)).toBe(`t=${T},v1=${expected}`);
  });

  it("signs a missing body as the empty string", () => {
    expect(signRequest(SECRET, null, NOW)).toBe(signRequest(SECRET, "", NOW));
  });

  it("adds one v1 per secret during a rotation; each verifies", () => {
    const header = signRequest(["whsec_new", "whsec_old"], "x", NOW);
    expect(parseSignatureHeader(header)?.signatures).toHaveLength(2);
    expect(verifySignature(header, "x", "whsec_new", NOW)).toEqual({ ok: true, timestamp: T });
    expect(verifySignature(header, "x", "whsec_old", NOW)).toEqual({ ok: true, timestamp: T });
    expect(verifySignature(header, "x", "whsec_other", NOW)).toMatchObject({ ok: false, reason: "mismatch" });
  });
});

describe("verifySignature", () => {
  const header = signRequest(SECRET, "body", NOW);

  it("accepts the signed body within the tolerance, either side", () => {
    expect(verifySignature(header, "body", SECRET, new Date(NOW.getTime() + 300_000))).toMatchObject({
      ok: true,
    });
    expect(verifySignature(header, "body", SECRET, new Date(NOW.getTime() - 300_000))).toMatchObject({
      ok: true,
    });
  });

  it("rejects an old timestamp (replay) and one too far ahead", () => {
    const later = new Date(NOW.getTime() + 301_000);
    expect(verifySignature(header, "body", SECRET, later)).toMatchObject({
      ok: false,
      reason: "timestamp-out-of-tolerance",
    });
    expect(verifySignature(header, "body", SECRET, later, 600)).toMatchObject({ ok: true });
    const earlier = new Date(NOW.getTime() - 301_000);
    expect(verifySignature(header, "body", SECRET, earlier)).toMatchObject({ ok: false });
  });

  it("rejects another body, another secret, and a changed timestamp", () => {
    expect(verifySignature(header, "body ", SECRET, NOW)).toMatchObject({ ok: false, reason: "mismatch" });
    expect(verifySignature(header, "body", "whsec_x", NOW)).toMatchObject({ ok: false, reason: "mismatch" });
    const shifted = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(verifySignature(shifted, "body", SECRET, NOW)).toMatchObject({ ok: false, reason: "mismatch" });
  });

  it.each([
    "",
    "garbage",
    `t=${T}`,
    "v1=00",
    `t=abc,v1=${"a".repeat(64)}`,
    `t=${T},v1=${"z".repeat(64)}`,
    `t=${T},v0=${"a".repeat(64)}`,
  ])("rejects the malformed header %j", (bad) => {
    expect(verifySignature(bad, "body", SECRET, NOW)).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("round-trips any body and secret", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ minLength: 1 }), (body, secret) => {
        expect(verifySignature(signRequest(secret, body, NOW), body, secret, NOW).ok).toBe(true);
      }),
    );
  });
});

describe("tenantSigningSecret", () => {
  it("is whsec_ + base64url(HMAC-SHA256(master, 'jobledger-signing:' + tenant))", () => {
    const expected = createHmac("sha256", "master-1").update("jobledger-signing:acme").digest("base64url");
    expect(tenantSigningSecret("master-1", "acme")).toBe(`whsec_${expected}`);
    expect(tenantSigningSecret("master-1", "acme")).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  });

  it("differs per tenant and changes with the master key (rotation)", () => {
    expect(tenantSigningSecret("master-1", "acme")).not.toBe(tenantSigningSecret("master-1", "globex"));
    expect(tenantSigningSecret("master-1", "acme")).not.toBe(tenantSigningSecret("master-2", "acme"));
    expect(tenantSigningSecret(Buffer.from("master-1"), "acme")).toBe(
      tenantSigningSecret("master-1", "acme"),
    );
  });

  it("refuses an empty master key", () => {
    expect(() => tenantSigningSecret("", "acme")).toThrow(/empty/);
  });
});
