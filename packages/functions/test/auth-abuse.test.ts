/**
 * Abuse limits: per-principal rate limit (429 + Retry-After), security headers on every
 * response, CORS only for the configured console origin.
 */
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import type { Authenticator } from "@jobledger/core/auth/authenticator";
import { ManualClock } from "@jobledger/core/ports/clock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../src/api/app.ts";
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

describe("failed authentication attempts", () => {
  /** an API of this system whose credential lookups are counted, with its own clock and limit */
  const countedApi = (failedAuthPerMinute: number) => {
    const deps = sys.services.api;
    const clock = new ManualClock(new Date("2027-03-01T10:00:05Z"));
    const counted = { lookups: 0 };
    const authenticator: Authenticator = {
      authenticate: (credentials) => {
        counted.lookups += 1;
        return deps.authenticator.authenticate(credentials);
      },
    };
    const app = createApi({
      ...deps,
      clock,
      authenticator,
      config: {
        ...deps.config,
        auth: { ...deps.config.auth, failedAuthPerMinute, rateLimitPerMinute: null },
      },
    });
    // @hono/node-server hands the socket to the app as `incoming`; API Gateway as requestContext
    const from = (address: string, headers: Record<string, string>) =>
      app.request("/v1/jobs", { headers }, { incoming: { socket: { remoteAddress: address } } });
    return { app, clock, counted, from };
  };
  const bogusKey = (id: string) => `jl_${id}_${"x".repeat(43)}`;

  it("are limited per client address before any credential lookup: 429 problem with Retry-After", async () => {
    const { clock, counted, from } = countedApi(5);
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 20; i++) {
      const res = await from("203.0.113.7", { "x-api-key": bogusKey(`guess${String(i).padStart(11, "0")}`) });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    expect(counted.lookups).toBe(5);
    if (!limited) throw new Error("no attempt was limited");
    expect(limited.headers.get("content-type")).toBe("application/problem+json");
    expect(limited.headers.get("retry-after")).toBe("55");
    expect(((await limited.json()) as { type: string }).type).toBe("/problems/rate-limited");

    // forged JWTs count the same way; another address is unaffected
    expect((await from("203.0.113.7", { authorization: "Bearer not.a.jwt" })).status).toBe(429);
    expect((await from("198.51.100.9", { authorization: `Bearer ${sys.devToken}` })).status).toBe(200);

    // the next window starts afresh
    clock.advance(60_000);
    expect((await from("203.0.113.7", { authorization: `Bearer ${sys.devToken}` })).status).toBe(200);
  });

  it("are limited per API key id across addresses, without locking out the key's holder", async () => {
    const created = await sys.json("POST", "/v1/api-keys", { name: "guarded", role: "viewer" });
    expect(created.status).toBe(201);
    const { key, id } = (await created.json()) as { key: string; id: string };
    const { counted, from } = countedApi(5);
    expect((await from("192.0.2.1", { "x-api-key": key })).status).toBe(200);

    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await from(`198.51.100.${10 + i}`, { authorization: `Bearer ${bogusKey(id)}` });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    expect(counted.lookups).toBe(1 + 5);
    // the holder of the whole key, seen in this window, still gets through
    expect((await from("192.0.2.2", { "x-api-key": key })).status).toBe(200);
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
