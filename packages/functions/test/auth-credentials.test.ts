/**
 * Who may call at all: JWTs from the local issuer (forged, expired, wrong audience, wrong
 * issuer, wrong key, missing → 401 with WWW-Authenticate) and API keys (created by an admin,
 * shown once, stored as a hash, accepted as Bearer or X-API-Key, 401 once revoked).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import { parseApiKey } from "@jobledger/core/auth/api-keys";
import { importJWK, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

async function expect401(res: Response) {
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="jobledger"/);
  const problem = (await res.json()) as { type: string; detail: string };
  expect(problem.type).toBe("/problems/unauthenticated");
  return problem;
}

/** signs with the local issuer's own private key, with claims of the test's choosing */
async function signWithLocalKey(
  claims: Record<string, unknown>,
  options: { iss?: string; aud?: string; issuedAt?: number } = {},
) {
  const jwk = JSON.parse(
    await readFile(path.join(sys.config.dataDir, "auth", "issuer-key.jwk.json"), "utf8"),
  ) as JWK;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant: "default", role: "admin", ...claims })
    .setProtectedHeader({ alg: "ES256", kid: jwk.kid ?? "local" })
    .setIssuer(options.iss ?? "jobledger-local")
    .setAudience(options.aud ?? "jobledger")
    .setSubject("tester")
    .setIssuedAt(options.issuedAt ?? now)
    .setExpirationTime((options.issuedAt ?? now) + 600)
    .sign(await importJWK(jwk, "ES256"));
}

describe("tokens", () => {
  it("accepts the dev token and a minted token; the health and docs routes stay public", async () => {
    expect((await sys.http("/v1/jobs")).status).toBe(200);
    const issuer = await localIssuer(sys.config.dataDir, { create: false });
    const viewer = await issuer.mint({ tenant: "default", role: "viewer", subject: "vic", ttlSeconds: 60 });
    expect((await sys.http("/v1/jobs", bearer(viewer))).status).toBe(200);
    for (const open of ["/health", "/openapi.json"]) {
      expect((await sys.http(open, { headers: { authorization: "none" } })).status).toBe(200);
    }
  });

  it("refuses a request without credentials", async () => {
    const res = await sys.http("/v1/jobs", { headers: { authorization: "none" } });
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="jobledger"');
    const problem = await expect401(res);
    expect(problem.detail).toMatch(/no credentials/);
  });

  it("refuses a malformed Authorization header", async () => {
    await expect401(await sys.http("/v1/jobs", { headers: { authorization: "Basic dXNlcjpwdw==" } }));
    await expect401(await sys.http("/v1/jobs", bearer("not-a-jwt")));
  });

  it("refuses a forged token: claims changed after signing", async () => {
    const issuer = await localIssuer(sys.config.dataDir, { create: false });
    const viewer = await issuer.mint({ tenant: "default", role: "viewer", subject: "vic", ttlSeconds: 600 });
    const [header, payload, signature] = viewer.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, role: "admin", tenant: "other" })).toString(
      "base64url",
    );
    await expect401(await sys.http("/v1/jobs", bearer(`${header}.${forged}.${signature}`)));
    // and `alg: none` with no signature
    const none = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    await expect401(await sys.http("/v1/jobs", bearer(`${none}.${payload}.`)));
  });

  it("refuses an expired token (beyond the clock tolerance)", async () => {
    const issuer = await localIssuer(sys.config.dataDir, { create: false });
    const expired = await issuer.mint({
      tenant: "default",
      role: "admin",
      subject: "old",
      ttlSeconds: 60,
      now: new Date(Date.now() - 3600_000),
    });
    const problem = await expect401(await sys.http("/v1/jobs", bearer(expired)));
    expect(problem.detail).toMatch(/expired/);
  });

  it("refuses a token issued in the future beyond the clock tolerance (30 s), accepts one within it", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const ahead of [365 * 86_400, 3600, 120]) {
      const problem = await expect401(
        await sys.http("/v1/jobs", bearer(await signWithLocalKey({}, { issuedAt: now + ahead }))),
      );
      expect(problem.detail).toMatch(/issued in the future/);
    }
    // a few seconds of skew between the issuer's clock and ours is tolerated
    expect(
      (await sys.http("/v1/jobs", bearer(await signWithLocalKey({}, { issuedAt: now + 5 })))).status,
    ).toBe(200);
  });

  it("refuses a token for another audience or from another issuer", async () => {
    await expect401(await sys.http("/v1/jobs", bearer(await signWithLocalKey({}, { aud: "someone-else" }))));
    await expect401(
      await sys.http("/v1/jobs", bearer(await signWithLocalKey({}, { iss: "https://evil.example" }))),
    );
  });

  it("refuses a well-formed token signed with another key", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "jobledger-otherkey-"));
    try {
      const stranger = await localIssuer(dir);
      const token = await stranger.mint({
        tenant: "default",
        role: "admin",
        subject: "eve",
        ttlSeconds: 600,
      });
      await expect401(await sys.http("/v1/jobs", bearer(token)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a token without a valid tenant or role claim", async () => {
    await expect401(await sys.http("/v1/jobs", bearer(await signWithLocalKey({ role: "root" }))));
    await expect401(await sys.http("/v1/jobs", bearer(await signWithLocalKey({ tenant: "../x" }))));
  });

  it("reads Cognito-style custom: claims", async () => {
    const token = await signWithLocalKey({
      tenant: undefined,
      role: undefined,
      "custom:tenant": "default",
      "custom:role": "viewer",
    });
    expect((await sys.http("/v1/jobs", bearer(token))).status).toBe(200);
  });
});

describe("API keys", () => {
  const createKey = async (role: string, name = `${role} key`) => {
    const res = await sys.json("POST", "/v1/api-keys", { name, role });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; key: string; role: string; createdBy: string };
  };

  it("are shown once, stored only as a hash, and work as Bearer and as X-API-Key", async () => {
    const created = await createKey("editor", "ci deploys");
    expect(created.key).toMatch(/^jl_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(`jl_${created.id}_`)).toBe(true);
    expect(created.createdBy).toBe("user:dev");

    const stored = await sys.services.dynamo.doc.send(
      new GetCommand({ TableName: sys.config.dynamodb.apiKeysTable, Key: { pk: created.id } }),
    );
    // the secret is parsed by the key's format: it may itself contain `_`, and a fragment
    // cut at one could be a single character that the stored hash contains by chance
    const secret = parseApiKey(created.key)?.secret;
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(stored.Item)).not.toContain(secret);
    expect(stored.Item?.hash).toMatch(/^[0-9a-f]{64}$/);

    const listed = (await (await sys.http("/v1/api-keys")).json()) as { items: Record<string, unknown>[] };
    const entry = listed.items.find((k) => k.id === created.id);
    expect(entry).toMatchObject({ name: "ci deploys", role: "editor", revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(entry).not.toHaveProperty("hash");

    expect((await sys.http("/v1/jobs", bearer(created.key))).status).toBe(200);
    expect((await sys.http("/v1/jobs", { headers: { "x-api-key": created.key } })).status).toBe(200);
    // the actor of a change made with a key is the key
    const job = await sys.json(
      "POST",
      "/v1/jobs",
      {
        name: "by key",
        request: { method: "GET", url: "https://example.com/" },
        schedule: { type: "rate", everySeconds: 60 },
      },
      { "x-api-key": created.key },
    );
    expect(job.status).toBe(201);
    expect(((await job.json()) as { createdBy: string }).createdBy).toBe(`apikey:${created.id}`);
  });

  it("are shown once even with an Idempotency-Key: a replay is a 409 naming the key, and no secret is stored", async () => {
    const headers = { "Idempotency-Key": "create-deploy-key-1" };
    const first = await sys.json("POST", "/v1/api-keys", { name: "idempotent", role: "viewer" }, headers);
    expect(first.status).toBe(201);
    const created = (await first.json()) as { id: string; key: string };
    const secret = parseApiKey(created.key)?.secret as string;
    expect(secret).toHaveLength(43);

    const stored = await sys.services.dynamo.doc.send(
      new ScanCommand({ TableName: sys.config.dynamodb.idempotencyTable }),
    );
    expect(stored.Items?.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored.Items)).not.toContain(secret);

    const replay = await sys.json("POST", "/v1/api-keys", { name: "idempotent", role: "viewer" }, headers);
    expect(replay.status).toBe(409);
    expect(replay.headers.get("content-type")).toBe("application/problem+json");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const text = await replay.text();
    expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({
      type: "/problems/api-key-already-created",
      status: 409,
      id: created.id,
      location: `/v1/api-keys/${created.id}`,
    });
    // the replay created nothing, and the key from the first answer works
    const listed = (await (await sys.http("/v1/api-keys")).json()) as { items: { name: string }[] };
    expect(listed.items.filter((k) => k.name === "idempotent")).toHaveLength(1);
    expect((await sys.http("/v1/jobs", bearer(created.key))).status).toBe(200);
  });

  it("refuses an unknown key, a tampered key and a revoked key with 401", async () => {
    const created = await createKey("viewer");
    await expect401(await sys.http("/v1/jobs", bearer(`jl_${created.id}_${"A".repeat(43)}`)));
    await expect401(await sys.http("/v1/jobs", { headers: { "x-api-key": "jl_0000000000000000_nope" } }));

    expect((await sys.http(`/v1/api-keys/${created.id}`, { method: "DELETE" })).status).toBe(204);
    const problem = await expect401(await sys.http("/v1/jobs", { headers: { "x-api-key": created.key } }));
    expect(problem.detail).toMatch(/revoked/);
    const listed = (await (await sys.http("/v1/api-keys")).json()) as {
      items: { id: string; revokedBy: string }[];
    };
    expect(listed.items.find((k) => k.id === created.id)?.revokedBy).toBe("user:dev");
    expect((await sys.http("/v1/api-keys/0000000000000000", { method: "DELETE" })).status).toBe(404);
  });

  it("are managed by admins only, and a key cannot create a stronger one than its own role allows", async () => {
    const editor = await createKey("editor");
    const res = await sys.json(
      "POST",
      "/v1/api-keys",
      { name: "escalate", role: "admin" },
      { "x-api-key": editor.key },
    );
    expect(res.status).toBe(403);
    expect(((await res.json()) as { type: string }).type).toBe("/problems/forbidden");
    expect((await sys.http("/v1/api-keys", { headers: { "x-api-key": editor.key } })).status).toBe(403);
  });

  it("validate their input", async () => {
    const res = await sys.json("POST", "/v1/api-keys", { name: "x", role: "superuser" });
    expect(res.status).toBe(422);
    for (const expiresAt of ["tomorrow", "2020-01-01T00:00:00Z"]) {
      const bad = await sys.json("POST", "/v1/api-keys", { name: "x", role: "viewer", expiresAt });
      expect(bad.status).toBe(422);
      expect(await bad.text()).toContain("expiresAt");
    }
  });

  it("may expire: refused with 401 from expiresAt on", async () => {
    const expiresAt = new Date(Date.now() + 3000).toISOString();
    const res = await sys.json("POST", "/v1/api-keys", { name: "short-lived", role: "viewer", expiresAt });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { key: string; expiresAt: string };
    expect(created.expiresAt).toBe(expiresAt);
    expect((await sys.http("/v1/jobs", { headers: { "x-api-key": created.key } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 3200));
    const expired = await sys.http("/v1/jobs", { headers: { "x-api-key": created.key } });
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toContain("expired");
  });

  it("record when they were last used, written at most once a minute per key", async () => {
    const created = await createKey("viewer", "used");
    const lastUsed = async () => {
      const { items } = (await (await sys.http("/v1/api-keys")).json()) as {
        items: { id: string; lastUsedAt: string | null }[];
      };
      return items.find((k) => k.id === created.id)?.lastUsedAt;
    };
    expect(await lastUsed()).toBeNull();
    expect((await sys.http("/v1/jobs", { headers: { "x-api-key": created.key } })).status).toBe(200);
    const first = await lastUsed();
    expect(first).not.toBeNull();
    expect((await sys.http("/v1/jobs", { headers: { "x-api-key": created.key } })).status).toBe(200);
    expect(await lastUsed()).toBe(first); // within the minute: no write

    // the store's condition bounds writes even when instances race: within a minute nothing changes
    const at = new Date(Date.parse(first as string));
    await sys.services.api.apiKeys.touch(created.id, new Date(at.getTime() + 30_000));
    expect(await lastUsed()).toBe(first);
    const later = new Date(at.getTime() + 61_000);
    await sys.services.api.apiKeys.touch(created.id, later);
    expect(await lastUsed()).toBe(later.toISOString());
  });
});

describe("jobledger token mint", () => {
  it("mints a token from the data folder's key that the API accepts, with the role asked for", async () => {
    const { mintToken } = await import("../src/cli/commands/token.ts");
    const token = await mintToken({
      tenant: "default",
      role: "viewer",
      ttl: "15m",
      dataDir: sys.config.dataDir,
    });
    expect((await sys.http("/v1/jobs", bearer(token))).status).toBe(200);
    const denied = await sys.json("POST", "/v1/jobs", {}, { authorization: `Bearer ${token}` });
    expect(denied.status).toBe(403);
  });

  it("refuses a bad role, ttl or missing key folder with a CliError", async () => {
    const { mintToken } = await import("../src/cli/commands/token.ts");
    const { CliError } = await import("../src/cli/program.ts");
    const dataDir = sys.config.dataDir;
    await expect(mintToken({ tenant: "default", role: "root", ttl: "1h", dataDir })).rejects.toBeInstanceOf(
      CliError,
    );
    await expect(
      mintToken({ tenant: "default", role: "admin", ttl: "soon", dataDir }),
    ).rejects.toBeInstanceOf(CliError);
    await expect(
      mintToken({ tenant: "default", role: "admin", ttl: "1h", dataDir: path.join(dataDir, "nowhere") }),
    ).rejects.toThrow(/start the local system once/);
  });
});
