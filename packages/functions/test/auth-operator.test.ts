/**
 * The operator role (ADR 0012): the platform's own staff see system-wide figures and every
 * tenant's parked records; a tenant's users (admins included) see only their tenant's. An
 * operator comes only from the issuer's JWT, never from an API key.
 */
import { randomUUID } from "node:crypto";
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import { createDynamoParkedRecordStore } from "@jobledger/core/adapters/dynamodb/parked-record-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
let tokens: Record<"alphaAdmin" | "alphaViewer" | "operator", string>;
beforeAll(async () => {
  sys = await startTestSystem();
  const issuer = await localIssuer(sys.config.dataDir, { create: false });
  const mint = (tenant: string, role: "admin" | "viewer" | "operator") =>
    issuer.mint({ tenant, role, subject: `${role}@${tenant}`, ttlSeconds: 600 });
  tokens = {
    alphaAdmin: await mint("alpha", "admin"),
    alphaViewer: await mint("alpha", "viewer"),
    operator: await mint("platform", "operator"),
  };
  // a parked record in each of two tenants (as a consumer would park them)
  const store = createDynamoParkedRecordStore({
    doc: sys.services.dynamo.doc,
    tableName: sys.config.dynamodb.parkedRecordsTable,
  });
  for (const tenant of ["alpha", "beta"]) {
    await store.park({
      consumer: "postgres-projector",
      streamId: `${tenant}/job/${randomUUID()}`,
      tenant,
      fromVersion: 1,
      toVersion: 1,
      sequenceNumber: "1",
      error: { name: "InvalidChangeRecord", message: "test", code: null },
      tries: 3,
      parkedAt: "2027-01-01T00:00:00.000Z",
      lastTriedAt: "2027-01-01T00:00:00.000Z",
    });
  }
});
afterAll(async () => {
  await sys?.stop();
});

const as = (token: string, path: string, init: RequestInit = {}) =>
  sys.http(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });

interface Status {
  scope: string;
  consumers: unknown[] | null;
  throughput: unknown;
  dependencies: unknown[];
  parked: { streams: number } | null;
}

describe("system status", () => {
  it("shows a tenant's users only their tenant's figures, and an operator the system's", async () => {
    for (const token of [tokens.alphaViewer, tokens.alphaAdmin]) {
      const res = await as(token, "/v1/system/status");
      expect(res.status).toBe(200);
      const status = (await res.json()) as Status;
      expect(status).toMatchObject({ scope: "tenant", consumers: null, throughput: null, dependencies: [] });
      expect(status.parked?.streams).toBe(1);
    }
    const status = (await (await as(tokens.operator, "/v1/system/status")).json()) as Status;
    expect(status.scope).toBe("system");
    expect(Array.isArray(status.consumers)).toBe(true);
    expect(status.dependencies.length).toBeGreaterThan(0);
    expect(status.parked?.streams).toBe(2);
  });
});

describe("parked records", () => {
  it("are listed and retried per tenant for its admin, and across tenants for an operator", async () => {
    const tenantsOf = async (token: string) => {
      const res = await as(token, "/v1/system/parked");
      expect(res.status).toBe(200);
      const { items } = (await res.json()) as { items: { tenant: string }[] };
      return [...new Set(items.map((p) => p.tenant))].sort();
    };
    expect(await tenantsOf(tokens.alphaAdmin)).toEqual(["alpha"]);
    expect(await tenantsOf(tokens.operator)).toEqual(["alpha", "beta"]);
    expect((await as(tokens.alphaViewer, "/v1/system/parked")).status).toBe(403);

    const retry = async (token: string) => {
      const res = await as(token, "/v1/system/parked/retry", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(res.status).toBe(200);
      const { results } = (await res.json()) as { results: { streamId: string }[] };
      return [...new Set(results.map((r) => r.streamId.split("/")[0]))].sort();
    };
    expect(await retry(tokens.alphaAdmin)).toEqual(["alpha"]);
    // alpha's was released by its admin's retry; the operator (tenant "platform") retries beta's
    expect(await retry(tokens.operator)).toEqual(["beta"]);
  });
});

describe("the operator role", () => {
  it("cannot be given to an API key", async () => {
    const res = await sys.json("POST", "/v1/api-keys", { name: "escalate", role: "operator" });
    expect([400, 422]).toContain(res.status);
  });
});
