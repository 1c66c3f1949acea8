/**
 * The analytics API end to end on the local system: runs finished through the real pipeline
 * (runner → event store → relay → Kinesis → lake projector → Parquet in the local lake folder)
 * are answered by DuckDB through GET /v1/analytics/*.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
let target: string;
beforeAll(async () => {
  sys = await startTestSystem({ JOBLEDGER_TICK_MS: "200" });
  target = sys.testTarget?.url ?? "";
}, 60_000);
afterAll(async () => {
  await sys?.stop();
});

async function createJob(path: string): Promise<string> {
  const res = await sys.json("POST", "/v1/jobs", {
    name: `analytics ${path}`,
    request: { method: "GET", url: `${target}${path}`, timeoutMs: 5000 },
    schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
    retry: { maxAttempts: 1, initialDelayMs: 100, maxDelayMs: 200 },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const trigger = async (jobId: string) =>
  expect((await sys.http(`/v1/jobs/${jobId}/runs`, { method: "POST" })).status).toBe(202);

interface Page<T> {
  range: { from: string; to: string; engine: string };
  items: T[];
}
const get = async <T>(path: string) => {
  const res = await sys.http(path);
  expect(res.status).toBe(200);
  return (await res.json()) as Page<T>;
};

describe("analytics API", () => {
  it("answers success rate, latency, failure reasons and runs per hour from the lake", async () => {
    const ok = await createJob("/ok");
    const failing = await createJob("/status/500");
    await trigger(ok);
    await trigger(ok);
    await trigger(failing);

    const rates = await eventually(async () => {
      const page = await get<{ jobId: string; runs: number; succeeded: number; successRate: number }>(
        "/v1/analytics/success-rate",
      );
      return page.items.reduce((n, i) => n + i.runs, 0) === 3 ? page : undefined;
    }, 30_000);
    expect(rates.range.engine).toBe("duckdb");
    const byJob = Object.fromEntries(rates.items.map((i) => [i.jobId, i]));
    expect(byJob[ok]).toMatchObject({ runs: 2, succeeded: 2, successRate: 1 });
    expect(byJob[failing]).toMatchObject({ runs: 1, succeeded: 0, successRate: 0 });

    const latency = await get<{ jobId: string; runs: number; p50Ms: number; p99Ms: number }>(
      "/v1/analytics/latency",
    );
    const okLatency = latency.items.find((i) => i.jobId === ok);
    expect(okLatency?.runs).toBe(2);
    expect(okLatency!.p99Ms).toBeGreaterThanOrEqual(okLatency!.p50Ms);

    const reasons = await get<{ errorClass: string; httpStatus: number | null; runs: number }>(
      "/v1/analytics/failure-reasons?limit=5",
    );
    expect(reasons.items).toEqual([{ errorClass: "http-5xx", httpStatus: 500, runs: 1 }]);

    const hours = await get<{ hour: string; runs: number; succeeded: number; failed: number }>(
      "/v1/analytics/runs-per-hour",
    );
    expect(hours.items.reduce((n, h) => n + h.runs, 0)).toBe(3);
    expect(hours.items.reduce((n, h) => n + h.failed, 0)).toBe(1);
    expect(hours.items.every((h) => h.hour.endsWith(":00:00.000Z"))).toBe(true);
  }, 60_000);

  it("refuses bad ranges with a problem", async () => {
    const cases = [
      "/v1/analytics/success-rate?from=yesterday",
      "/v1/analytics/latency?from=2026-11-23T00:00:00Z&to=2026-11-22T00:00:00Z",
      "/v1/analytics/runs-per-hour?from=2026-01-01T00:00:00Z&to=2026-11-22T00:00:00Z",
      "/v1/analytics/failure-reasons?limit=0",
    ];
    for (const path of cases) {
      const res = await sys.http(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get("content-type"), path).toContain("application/problem+json");
    }
  });

  it("documents the routes in /openapi.json", async () => {
    const doc = (await (await sys.http("/openapi.json")).json()) as { paths: Record<string, unknown> };
    for (const path of ["success-rate", "latency", "failure-reasons", "runs-per-hour"]) {
      expect(doc.paths[`/v1/analytics/${path}`]).toBeDefined();
    }
  });
});
