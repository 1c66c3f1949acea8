/**
 * Every ```sql block of docs/analytics.md runs on DuckDB over generated lake data, and the
 * named queries of the analytics API agree with plain SQL on the same data.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine } from "../src/adapters/analytics/duckdb-engine.ts";
import { createLocalObjectStore } from "../src/adapters/lake/local-object-store.ts";
import type { AnalyticsEngine } from "../src/ports/analytics-engine.ts";
import { writeSyntheticLake } from "./lake-synthetic.ts";

const doc = await readFile(path.resolve(import.meta.dirname, "../../../docs/analytics.md"), "utf8");
const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());

let dir: string;
let engine: AnalyticsEngine;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "analytics-docs-"));
  const store = createLocalObjectStore(dir);
  const start = new Date("2026-11-01T00:00:00Z");
  await writeSyntheticLake(store, {
    tenant: "acme",
    runs: 5000,
    jobs: 12,
    start,
    days: 3,
    rowsPerObject: 1000,
    withEvents: true,
  });
  await writeSyntheticLake(store, { tenant: "other", runs: 500, jobs: 3, start, days: 3, withEvents: false });
  engine = await createDuckDbEngine({ root: dir });
}, 60_000);
afterAll(async () => {
  await engine?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("docs/analytics.md", () => {
  it("has example queries", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
  });

  it.each(blocks.map((sql, i) => [i + 1, sql] as const))(
    "example %i runs and returns rows",
    async (_, sql) => {
      const result = await engine.query(sql);
      expect(result.columns.length).toBeGreaterThan(0);
      expect(result.rows.length).toBeGreaterThan(0);
    },
  );
});

describe("named queries on DuckDB", () => {
  const range = { from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-11-04T00:00:00Z") };

  it("success rate counts one tenant's non-skipped runs, per job per day", async () => {
    const rows = await engine.successRate("acme", range);
    const total = await engine.query(
      "SELECT count(*) AS n FROM runs WHERE tenant = 'acme' AND status <> 'skipped'",
    );
    expect(rows.reduce((n, r) => n + r.runs, 0)).toBe(Number(total.rows[0]!.n));
    expect(new Set(rows.map((r) => r.day))).toEqual(new Set(["2026-11-01", "2026-11-02", "2026-11-03"]));
    expect(rows.every((r) => r.successRate >= 0 && r.successRate <= 1 && r.succeeded <= r.runs)).toBe(true);
  });

  it("never leaks another tenant's runs", async () => {
    const other = await engine.successRate("other", range);
    expect(other.reduce((n, r) => n + r.runs, 0)).toBeLessThan(500);
    expect(new Set(other.map((r) => r.jobId)).size).toBe(3);
    expect(await engine.successRate("nobody' OR '1'='1", range)).toEqual([]);
  });

  it("latency percentiles are ordered; failure reasons ranked; runs per hour add up", async () => {
    const latency = await engine.latency("acme", range);
    expect(latency).toHaveLength(12);
    expect(latency.every((r) => r.p50Ms <= r.p95Ms && r.p95Ms <= r.p99Ms)).toBe(true);
    const reasons = await engine.failureReasons("acme", range, 3);
    expect(reasons).toHaveLength(3);
    expect(reasons[0]!.runs).toBeGreaterThanOrEqual(reasons[1]!.runs);
    const hours = await engine.runsPerHour("acme", range);
    expect(hours).toHaveLength(72);
    const rates = await engine.successRate("acme", range);
    expect(hours.reduce((n, h) => n + h.runs, 0)).toBe(rates.reduce((n, r) => n + r.runs, 0));
  });

  it("the range is half-open and narrows the days read", async () => {
    const oneDay = await engine.successRate("acme", {
      from: new Date("2026-11-02T00:00:00Z"),
      to: new Date("2026-11-03T00:00:00Z"),
    });
    expect(new Set(oneDay.map((r) => r.day))).toEqual(new Set(["2026-11-02"]));
  });

  it("an empty lake answers with no rows", async () => {
    const empty = await createDuckDbEngine({ root: path.join(dir, "nothing-here") });
    try {
      expect(await empty.latency("acme", range)).toEqual([]);
      expect((await empty.query("SELECT count(*) AS n FROM events")).rows).toEqual([{ n: "0" }]);
    } finally {
      await empty.close();
    }
  });
});
