/**
 * The lake's object store and analytics engine as configuration selects them:
 * JOBLEDGER_LAKE_BUCKET → S3 (S3_ENDPOINT for an S3 API such as s3rver), else the local folder;
 * JOBLEDGER_ANALYTICS_ENGINE=athena → Athena, else DuckDB over the local folder.
 */
import path from "node:path";
import type { AppConfig } from "../../config.ts";
import type { AnalyticsEngine } from "../../ports/analytics-engine.ts";
import type { ObjectStore } from "../../ports/object-store.ts";
import { createAthenaEngine } from "../analytics/athena-engine.ts";
import { createLocalObjectStore } from "./local-object-store.ts";
import { createS3Client, createS3ObjectStore } from "./s3-object-store.ts";

/**
 * DuckDB is a native binary (~70 MB) that Lambda bundles must not carry: it is imported by a
 * computed specifier, which bundlers leave alone, and only when the DuckDB engine is used.
 */
const DUCKDB_ENGINE = "../analytics/duckdb-engine.ts";

export function createLakeObjectStore(config: AppConfig, prefix = config.lake.prefix): ObjectStore {
  if (config.lake.bucket) {
    return createS3ObjectStore({
      bucket: config.lake.bucket,
      prefix,
      client: createS3Client({ region: config.region, endpoint: config.lake.s3Endpoint }),
    });
  }
  return createLocalObjectStore(path.join(config.lake.dir, prefix));
}

/** The configured engine; DuckDB opens lazily on first use (it costs memory). */
export function createAnalyticsEngine(config: AppConfig): AnalyticsEngine {
  if (config.lake.engine === "athena") {
    return createAthenaEngine({ ...config.lake.athena, clientConfig: { region: config.region } });
  }
  let duck: Promise<AnalyticsEngine> | null = null;
  const engine = () => {
    duck ??= import(DUCKDB_ENGINE).then((m: typeof import("../analytics/duckdb-engine.ts")) =>
      m.createDuckDbEngine({ root: path.join(config.lake.dir, config.lake.prefix) }),
    );
    return duck;
  };
  return {
    name: "duckdb",
    query: async (sql) => (await engine()).query(sql),
    successRate: async (tenant, range) => (await engine()).successRate(tenant, range),
    latency: async (tenant, range) => (await engine()).latency(tenant, range),
    failureReasons: async (tenant, range, limit) => (await engine()).failureReasons(tenant, range, limit),
    runsPerHour: async (tenant, range) => (await engine()).runsPerHour(tenant, range),
    async close() {
      if (duck) await (await duck).close();
    },
  };
}
