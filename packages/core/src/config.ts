/**
 * The one place configuration is resolved. Every adapter takes its endpoint and names from
 * here, so running on AWS or on one machine is a matter of configuration, not code.
 *
 * Locally everything comes from environment variables with working defaults. On AWS the
 * same variables are set by the infrastructure (SST links), so no code path differs.
 */
import path from "node:path";

export interface AppConfig {
  /** deployment stage, e.g. "local", "dev", "prod" */
  stage: string;
  region: string;
  /** folder holding every piece of local state (dynalite, kinesalite, PGlite, checkpoints) */
  dataDir: string;
  /** tenant used until authentication resolves one from the credential */
  defaultTenant: string;
  dynamodb: {
    /** unset on AWS; the local runtime sets it to its embedded dynalite */
    endpoint: string | undefined;
    eventsTable: string;
    idempotencyTable: string;
    checkpointsTable: string;
    hostRateLimitTable: string;
  };
  kinesis: {
    endpoint: string | undefined;
    streamName: string;
    shardCount: number;
  };
  /** "native": DynamoDB streams commits to Kinesis (AWS); "relay": the local relay does */
  changeFeed: "native" | "relay";
  postgres: {
    /** a postgres:// URL; when unset the local runtime embeds PGlite under dataDir */
    url: string | undefined;
    pglitePath: string;
  };
  api: {
    port: number;
    host: string;
    /** request bodies larger than this are refused with 413 */
    maxBodyBytes: number;
    /** public base URL, used in Location headers and printed links */
    publicUrl: string;
  };
  targets: {
    /** hosts, host:port pairs or CIDRs that jobs may target despite the SSRF rules */
    allowList: string[];
  };
  idempotency: {
    /** how long a stored response is replayed for an Idempotency-Key */
    ttlSeconds: number;
  };
  signing: {
    /**
     * master key from which each tenant's request-signing secret is derived; the local
     * runtime generates and keeps one under dataDir when unset
     */
    masterKey: string | undefined;
  };
  scheduler: {
    /** how often the local runtime ticks (on AWS an EventBridge schedule invokes the tick) */
    tickMs: number;
    /** most schedules, retries or expired attempts one tick pass takes */
    batchSize: number;
  };
  runner: {
    /** runs one runner executes at once */
    concurrency: number;
    /** requests per second to one target host across all jobs; null = unlimited */
    hostRatePerSecond: number | null;
    /** per-host overrides, e.g. "api.example.com=5,slow.example.org=1" */
    hostRateOverrides: string;
    userAgent: string;
  };
  /** the local runtime's built-in HTTP target; null when switched off */
  testTarget: { port: number } | null;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Env = Record<string, string | undefined>;

function intFrom(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function listFrom(env: Env, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function loadConfig(env: Env = process.env): AppConfig {
  const stage = env.JOBLEDGER_STAGE ?? "local";
  const prefix = env.JOBLEDGER_TABLE_PREFIX ?? `jobledger-${stage}`;
  const dataDir = path.resolve(env.JOBLEDGER_DATA_DIR ?? ".data");
  const port = intFrom(env, "PORT", 3000, 0, 65535);
  const host = env.HOST ?? "127.0.0.1";
  const changeFeed = env.JOBLEDGER_CHANGE_FEED ?? (stage === "local" ? "relay" : "native");
  if (changeFeed !== "native" && changeFeed !== "relay") {
    throw new ConfigError(`JOBLEDGER_CHANGE_FEED must be "native" or "relay", got "${changeFeed}"`);
  }
  return {
    stage,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    dataDir,
    defaultTenant: env.JOBLEDGER_DEFAULT_TENANT ?? "default",
    dynamodb: {
      endpoint: env.DYNAMODB_ENDPOINT || undefined,
      eventsTable: env.JOBLEDGER_EVENTS_TABLE ?? `${prefix}-events`,
      idempotencyTable: env.JOBLEDGER_IDEMPOTENCY_TABLE ?? `${prefix}-idempotency`,
      checkpointsTable: env.JOBLEDGER_CHECKPOINTS_TABLE ?? `${prefix}-checkpoints`,
      hostRateLimitTable: env.JOBLEDGER_HOST_RATE_LIMIT_TABLE ?? `${prefix}-host-rate-limits`,
    },
    kinesis: {
      endpoint: env.KINESIS_ENDPOINT || undefined,
      streamName: env.JOBLEDGER_STREAM_NAME ?? `${prefix}-events`,
      shardCount: intFrom(env, "JOBLEDGER_SHARDS", 2, 1, 1000),
    },
    changeFeed,
    postgres: {
      url: env.DATABASE_URL || undefined,
      pglitePath: path.join(dataDir, "pglite"),
    },
    api: {
      port,
      host,
      maxBodyBytes: intFrom(env, "JOBLEDGER_MAX_BODY_BYTES", 512 * 1024, 1024, 10 * 1024 * 1024),
      publicUrl: env.JOBLEDGER_PUBLIC_URL ?? `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`,
    },
    targets: { allowList: listFrom(env, "JOBLEDGER_TARGET_ALLOWLIST") },
    idempotency: { ttlSeconds: intFrom(env, "JOBLEDGER_IDEMPOTENCY_TTL", 24 * 3600, 60, 30 * 24 * 3600) },
    signing: { masterKey: env.JOBLEDGER_SIGNING_MASTER_KEY || undefined },
    scheduler: {
      tickMs: intFrom(env, "JOBLEDGER_TICK_MS", 1000, 50, 60_000),
      batchSize: intFrom(env, "JOBLEDGER_TICK_BATCH", 500, 1, 10_000),
    },
    runner: {
      concurrency: intFrom(env, "JOBLEDGER_RUNNER_CONCURRENCY", 16, 1, 1000),
      hostRatePerSecond:
        env.JOBLEDGER_HOST_RATE === "unlimited" ? null : intFrom(env, "JOBLEDGER_HOST_RATE", 20, 1, 100_000),
      hostRateOverrides: env.JOBLEDGER_HOST_RATE_OVERRIDES ?? "",
      userAgent: env.JOBLEDGER_USER_AGENT ?? "Jobledger/0.1",
    },
    testTarget:
      env.JOBLEDGER_TEST_TARGET_PORT === "off" || (stage !== "local" && !env.JOBLEDGER_TEST_TARGET_PORT)
        ? null
        : { port: intFrom(env, "JOBLEDGER_TEST_TARGET_PORT", 0, 0, 65535) },
  };
}
