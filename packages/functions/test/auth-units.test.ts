/** The pure parts of auth: the policy table, roles, API key format and header sealing. */
import { apiKeyId, apiKeyMatches, hashApiKey, newApiKey, parseApiKey } from "@jobledger/core/auth/api-keys";
import { createAuthenticator } from "@jobledger/core/auth/authenticator";
import { createHeaderSecrets, isSensitiveHeader, maskHeaders } from "@jobledger/core/auth/header-secrets";
import { requiredRole } from "@jobledger/core/auth/policy";
import { AuthenticationError, actorOf, isTenantId, roleAtLeast } from "@jobledger/core/auth/principal";
import { ConfigError, loadConfig } from "@jobledger/core/config";
import { describe, expect, it } from "vitest";

describe("policy table", () => {
  it("needs viewer to read, editor to change, admin for API keys, nothing outside /v1", () => {
    expect(requiredRole("GET", "/v1/jobs")).toBe("viewer");
    expect(requiredRole("HEAD", "/v1/runs/x")).toBe("viewer");
    expect(requiredRole("POST", "/v1/jobs")).toBe("editor");
    expect(requiredRole("DELETE", "/v1/jobs/x")).toBe("editor");
    expect(requiredRole("GET", "/v1/api-keys")).toBe("admin");
    expect(requiredRole("DELETE", "/v1/api-keys/abc")).toBe("admin");
    expect(requiredRole("GET", "/v1/api-keysx")).toBe("viewer");
    expect(requiredRole("GET", "/health")).toBeNull();
  });

  it("orders roles admin ⊃ editor ⊃ viewer and names actors by kind", () => {
    expect(roleAtLeast("admin", "editor")).toBe(true);
    expect(roleAtLeast("editor", "admin")).toBe(false);
    expect(roleAtLeast("viewer", "viewer")).toBe(true);
    expect(actorOf({ tenant: "t", subject: "s", role: "viewer", kind: "user" })).toBe("user:s");
    expect(actorOf({ tenant: "t", subject: "k", role: "viewer", kind: "apiKey" })).toBe("apikey:k");
  });
});

describe("API keys", () => {
  it("carry their id, and match only their own hash", () => {
    const a = newApiKey();
    const b = newApiKey();
    expect(apiKeyId(a.key)).toBe(a.id);
    expect(a.hash).toBe(hashApiKey(a.key));
    const record = {
      id: a.id,
      tenant: "t",
      name: "n",
      role: "viewer" as const,
      hash: a.hash,
      createdAt: "",
      createdBy: "",
      revokedAt: null,
      revokedBy: null,
      expiresAt: null,
      lastUsedAt: null,
    };
    expect(apiKeyMatches(a.key, record)).toBe(true);
    expect(apiKeyMatches(b.key, record)).toBe(false);
    expect(apiKeyId("jl_short_x")).toBeNull();
  });

  it("parse by their fixed lengths: a secret may contain `_` anywhere", () => {
    const id = "0123456789abcdef";
    for (const secret of [
      `_${"A".repeat(42)}`,
      `a_${"b".repeat(40)}_`,
      `${"_".repeat(43)}`,
      `x__${"-".repeat(40)}`,
    ]) {
      const key = `jl_${id}_${secret}`;
      expect(parseApiKey(key)).toEqual({ id, secret });
      expect(apiKeyId(key)).toBe(id);
    }
    const generated = newApiKey();
    expect(`jl_${generated.id}_${parseApiKey(generated.key)?.secret}`).toBe(generated.key);
    for (const bad of [
      "jl_short_x",
      `jl_${id}_${"A".repeat(42)}`,
      `jl_${id.toUpperCase()}_${"A".repeat(43)}`,
      "",
    ]) {
      expect(parseApiKey(bad)).toBeNull();
    }
  });
});

describe("header secrets", () => {
  const secrets = createHeaderSecrets("master-key-for-tests");

  it("knows which headers are sensitive", () => {
    for (const name of [
      "Authorization",
      "proxy-authorization",
      "Cookie",
      "X-API-Key",
      "X-Upstream-Token",
      "Client-Secret",
      "Stripe-Key",
    ]) {
      expect(isSensitiveHeader(name)).toBe(true);
    }
    for (const name of ["Accept", "Content-Type", "X-Keyboard", "X-Tokens"])
      expect(isSensitiveHeader(name)).toBe(false);
  });

  it("seals sensitive values, opens them for the same tenant only, and masks them", () => {
    const sealed = secrets.seal("acme", { Authorization: "Bearer x", Accept: "text/plain" });
    expect(sealed.Authorization).toMatch(/^enc:v1:/);
    expect(sealed.Accept).toBe("text/plain");
    expect(secrets.open("acme", sealed)).toEqual({ Authorization: "Bearer x", Accept: "text/plain" });
    expect(() => secrets.open("other", sealed)).toThrow(/cannot be decrypted/);
    expect(() => secrets.open("acme", { "X-Other-Token": sealed.Authorization as string })).toThrow();
    expect(maskHeaders(sealed)).toEqual({ Authorization: "***", Accept: "text/plain" });
  });

  it("keeps the previous ciphertext for the mask or the same plaintext", () => {
    const first = secrets.seal("acme", { "X-Api-Key": "k1" });
    expect(secrets.seal("acme", { "x-api-key": "***" }, first)["x-api-key"]).toBe(first["X-Api-Key"]);
    expect(secrets.seal("acme", { "X-Api-Key": "k1" }, first)["X-Api-Key"]).toBe(first["X-Api-Key"]);
    expect(secrets.seal("acme", { "X-Api-Key": "k2" }, first)["X-Api-Key"]).not.toBe(first["X-Api-Key"]);
  });

  it("refuses to seal without a key", () => {
    expect(() => createHeaderSecrets(undefined).seal("t", { Cookie: "a=b" })).toThrow(/no secrets key/);
  });
});

describe("the tenant id grammar", () => {
  it("is one rule for every source of a tenant: claims, API key records, configuration", async () => {
    expect(isTenantId("acme")).toBe(true);
    expect(isTenantId("tA")).toBe(true);
    expect(isTenantId("a.b_c-1")).toBe(true);
    for (const bad of ["", "-a", "a b", "a/b", "a:b", "x".repeat(64), "*", "é"])
      expect(isTenantId(bad)).toBe(false);

    expect(loadConfig({ JOBLEDGER_DEFAULT_TENANT: "Acme" }).defaultTenant).toBe("Acme");
    expect(() => loadConfig({ JOBLEDGER_DEFAULT_TENANT: "acme/prod" })).toThrow(ConfigError);

    // an API key whose stored tenant breaks the grammar authenticates nobody
    const { id, key, hash } = newApiKey();
    const record = {
      id,
      tenant: "bad tenant",
      name: "n",
      role: "admin" as const,
      hash,
      createdAt: "2027-01-01T00:00:00Z",
      createdBy: "user:x",
      revokedAt: null,
      revokedBy: null,
      expiresAt: null,
      lastUsedAt: null,
    };
    const authenticator = createAuthenticator({
      verifyJwt: async () => {
        throw new AuthenticationError("no JWTs here");
      },
      apiKeys: {
        get: async () => record,
        put: async () => {},
        list: async () => [],
        revoke: async () => false,
        touch: async () => {},
      },
    });
    await expect(authenticator.authenticate({ apiKey: key })).rejects.toThrow(AuthenticationError);
    record.tenant = "good";
    expect((await authenticator.authenticate({ apiKey: key })).tenant).toBe("good");
  });
});
