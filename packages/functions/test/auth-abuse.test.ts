/**
 * Abuse limits: per-principal rate limit (429 + Retry-After), security headers on every
 * response, CORS only for the configured console origin.
 */
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "./support/local-system.ts";

const CONSOLE = "http://console.jobledger.test";
let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem({ JOBLEDGER_RATE_LIMIT: "5", JOBLEDGER_CONSOLE_ORIGIN: CONSOLE });
});
afterAll(async () => {
  await sys?.stop();
});

describe("rate limit", () => {
  it("answers 429 with Retry-After once a principal used its requests for the minute; others are unaffected", async () => {
    const issuer = await localIssuer(sys.config.dataDir, { create: false });
    const busy = await issuer.mint({ tenant: "default", role: "viewer", subject: "busy", ttlSeconds: 600 });
    const calm = await issuer.mint({ tenant: "default", role: "viewer", subject: "calm", ttlSeconds: 600 });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 12; i++) {
      const res = await sys.http("/v1/jobs", { headers: { authorization: `Bearer ${busy}` } });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    // the window may roll over once during the loop; 12 requests still overflow one window of 5
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    if (!limited) throw new Error("no request was limited");
    expect(limited.headers.get("content-type")).toBe("application/problem+json");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await limited.json()) as { type: string }).type).toBe("/problems/rate-limited");

    expect((await sys.http("/v1/jobs", { headers: { authorization: `Bearer ${calm}` } })).status).toBe(200);
  });
});

describe("headers", () => {
  it("sends security headers on API and public responses", async () => {
    for (const path of ["/health", "/v1/api-keys"]) {
      const res = await sys.http(path);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(res.headers.get("strict-transport-security")).toMatch(/max-age=/);
    }
  });

  it("allows CORS for the console's origin only", async () => {
    const preflight = (origin: string) =>
      sys.http("/v1/jobs", {
        method: "OPTIONS",
        headers: {
          authorization: "none",
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
    const ok = await preflight(CONSOLE);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(CONSOLE);
    const evil = await preflight("https://evil.example");
    expect(evil.headers.get("access-control-allow-origin")).not.toBe("https://evil.example");

    const read = await sys.http("/v1/jobs", { headers: { origin: CONSOLE } });
    expect(read.headers.get("access-control-allow-origin")).toBe(CONSOLE);
    expect(read.headers.get("access-control-expose-headers")).toMatch(/ETag/i);
  });
});
