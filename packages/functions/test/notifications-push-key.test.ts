/**
 * `GET /v1/notifications/push-key`: the local runtime's VAPID public key (generated once in the
 * data folder), in the form `PushManager.subscribe({ applicationServerKey })` accepts.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

describe("GET /v1/notifications/push-key", () => {
  it("returns the VAPID public key the push channel signs with", async () => {
    const res = await sys.http("/v1/notifications/push-key");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { publicKey: string };
    expect(body.publicKey).toMatch(/^[A-Za-z0-9_-]+$/);
    const point = Buffer.from(body.publicKey, "base64url");
    expect(point).toHaveLength(65);
    expect(point[0]).toBe(0x04);
    const stored = JSON.parse(await readFile(path.join(sys.config.dataDir, "vapid.json"), "utf8")) as {
      publicKey: string;
    };
    expect(body.publicKey).toBe(stored.publicKey);
  });

  it("is described in the OpenAPI document", async () => {
    const doc = (await (await sys.http("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(doc.paths["/v1/notifications/push-key"]).toHaveProperty("get");
  });
});
