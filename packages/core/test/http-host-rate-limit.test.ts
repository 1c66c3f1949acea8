/** The shared per-host rate limiter on dynalite: windows, overrides, concurrency, and config parsing. */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDynamoHostRateLimiter,
  ensureHostRateLimitTable,
  type HostRateLimiter,
  InvalidHostRateLimit,
  limitFor,
  noHostRateLimit,
  parseHostRateLimitOverrides,
} from "../src/adapters/http/host-rate-limit.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";

let dynamo: TestDynamo;
beforeAll(async () => {
  dynamo = await withDynalite();
});
afterAll(() => dynamo.close());

async function limiterWith(perHost: Record<string, number | null>, defaultPerSecond: number | null = 3) {
  const tableName = uniqueName("host-rate");
  await ensureHostRateLimitTable(dynamo.client, tableName);
  const limiter = createDynamoHostRateLimiter({
    doc: dynamo.doc,
    tableName,
    limits: { defaultPerSecond, perHost },
  });
  return { limiter, tableName };
}

const at = (iso: string) => new Date(iso);
const acquireN = (limiter: HostRateLimiter, host: string, now: Date, n: number) =>
  Promise.all(Array.from({ length: n }, () => limiter.acquire(host, now)));

describe("DynamoDB host rate limiter", () => {
  it("allows the limit per second, then says how long until the next window", async () => {
    const { limiter } = await limiterWith({});
    const now = at("2026-03-01T12:00:00.250Z");
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.acquire("api.example.com", now));
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: false, retryAfterMs: 750 }]);
    // the next second is a new window
    expect(await limiter.acquire("api.example.com", at("2026-03-01T12:00:01.000Z"))).toEqual({ ok: true });
  });

  it("counts each host separately, case-insensitively", async () => {
    const { limiter } = await limiterWith({});
    const now = at("2026-03-01T12:00:05.900Z");
    await acquireN(limiter, "A.example.com", now, 3);
    expect(await limiter.acquire("a.example.com", now)).toEqual({ ok: false, retryAfterMs: 100 });
    expect(await limiter.acquire("b.example.com", now)).toEqual({ ok: true });
  });

  it("applies per-host overrides, including unlimited", async () => {
    const { limiter } = await limiterWith({ "slow.example.com": 1, "free.example.com": null });
    const now = at("2026-03-01T12:00:10.000Z");
    expect(await acquireN(limiter, "slow.example.com", now, 2)).toEqual([
      { ok: true },
      { ok: false, retryAfterMs: 1000 },
    ]);
    const free = await acquireN(limiter, "free.example.com", now, 10);
    expect(free.every((r) => r.ok)).toBe(true);
  });

  it("never lets more than the limit through when runners race for one window", async () => {
    const { limiter } = await limiterWith({ "hot.example.com": 5 });
    const now = at("2026-03-01T12:00:20.000Z");
    const results = await acquireN(limiter, "hot.example.com", now, 25);
    expect(results.filter((r) => r.ok)).toHaveLength(5);
  });

  it("stores one counter item per host and second, with expiresAt for TTL", async () => {
    const { limiter, tableName } = await limiterWith({});
    const now = at("2026-03-01T12:00:30.000Z");
    await acquireN(limiter, "api.example.com", now, 2);
    const epochSecond = now.getTime() / 1000;
    const { Item } = await dynamo.doc.send(
      new GetCommand({ TableName: tableName, Key: { pk: `api.example.com#${epochSecond}` } }),
    );
    expect(Item).toEqual({ pk: `api.example.com#${epochSecond}`, count: 2, expiresAt: epochSecond + 60 });
  });

  it("ensureHostRateLimitTable is idempotent", async () => {
    const { tableName } = await limiterWith({});
    await expect(ensureHostRateLimitTable(dynamo.client, tableName)).resolves.toBeUndefined();
  });
});

describe("limits from configuration", () => {
  it("parses host=limit overrides", () => {
    expect(
      parseHostRateLimitOverrides(" API.example.com=5, slow.example.org = 1,free.example.net=unlimited ,"),
    ).toEqual({ "api.example.com": 5, "slow.example.org": 1, "free.example.net": null });
    expect(parseHostRateLimitOverrides("")).toEqual({});
  });

  it.each(["api.example.com", "api.example.com=", "=5", "a=b=c", "api.example.com=0", "api.example.com=1.5"])(
    "refuses %j with a clear error",
    (text) => {
      expect(() => parseHostRateLimitOverrides(text)).toThrow(InvalidHostRateLimit);
    },
  );

  it("picks the override, else the default", () => {
    const limits = { defaultPerSecond: 10, perHost: { "a.example.com": 2, "b.example.com": null } };
    expect(limitFor(limits, "A.Example.com")).toBe(2);
    expect(limitFor(limits, "b.example.com")).toBeNull();
    expect(limitFor(limits, "c.example.com")).toBe(10);
    expect(limitFor({ defaultPerSecond: null, perHost: {} }, "c.example.com")).toBeNull();
  });

  it("noHostRateLimit always allows", async () => {
    expect(await noHostRateLimit.acquire("any.example.com", new Date())).toEqual({ ok: true });
  });
});
