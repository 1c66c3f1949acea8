/**
 * The one place configuration is resolved. Every adapter takes its endpoint and names from
 * here, so running on AWS or on one machine is a matter of configuration, not code.
 *
 * Locally everything comes from environment variables with working defaults. On AWS the
 * same variables are set by the infrastructure (SST links), so no code path differs.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { isTenantId, TENANT_PATTERN } from "./auth/principal.ts";

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
    /** API keys (hashes only), see packages/core/src/auth */
    apiKeysTable: string;
    /** notification preferences, job outcomes and the delivery log (ElectroDB, single table) */
    notificationsTable: string;
    /** change records consumers parked (poison pills), see changefeed/consumer.ts */
    parkedRecordsTable: string;
  };
  kinesis: {
    endpoint: string | undefined;
    streamName: string;
    shardCount: number;
  };
  /** "native": DynamoDB streams commits to Kinesis (AWS); "relay": the local relay does */
  changeFeed: "native" | "relay";
  /**
   * Lambda function name of each change-feed consumer, by consumer name
   * (JOBLEDGER_CONSUMER_FUNCTIONS, JSON): on AWS the API retries a parked stream by invoking
   * its consumer's function; unset (locally), the consumers in this process retry.
   */
  consumerFunctions: Record<string, string> | null;
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
    /**
     * store every attempt's whole response body (up to the read cap) as an object in the lake's
     * bucket or folder under `bodies/` (JOBLEDGER_STORE_BODIES, default on; "off" disables)
     */
    storeBodies: boolean;
  };
  /** the notifier (docs/notifications.md) */
  notifications: NotificationsConfig;
  /**
   * the local runtime's built-in HTTP target; null when switched off. `port` is null when
   * JOBLEDGER_TEST_TARGET_PORT is unset: the port is then kept with the data folder, so the
   * target's URL (and every job created with it) survives a restart; 0 = a new random port
   */
  testTarget: { port: number | null } | null;
  /** the analytics lake (docs/analytics.md) */
  lake: {
    /** S3 bucket of the lake; unset = the local folder `dir` */
    bucket: string | undefined;
    /** S3 API endpoint (s3rver, MinIO); unset on AWS */
    s3Endpoint: string | undefined;
    /** key prefix inside the bucket or folder, e.g. "rebuild-1/" for a rebuild beside the live lake */
    prefix: string;
    /** local lake folder (default <dataDir>/lake) */
    dir: string;
    /** which AnalyticsEngine answers: DuckDB over `dir`, or Athena over the Glue tables */
    engine: "duckdb" | "athena";
    athena: { database: string; workgroup: string };
  };
  /** authentication and abuse limits (docs/security.md) */
  auth: {
    /** JWKS of the token issuer (e.g. a Cognito user pool); unset locally */
    jwksUrl: string | undefined;
    /** the local runtime's own public key set, set by the local runtime when jwksUrl is unset */
    localJwks: { keys: Record<string, unknown>[] } | undefined;
    issuer: string;
    audience: string;
    clockToleranceSeconds: number;
    /** requests per principal per minute (fixed window, per instance); null = unlimited */
    rateLimitPerMinute: number | null;
    /**
     * failed authentication attempts per client address (and per API key id) per minute,
     * checked before any credential lookup; null = unlimited
     */
    failedAuthPerMinute: number | null;
    /** the console's origin, the only one CORS allows; unset = no CORS */
    consoleOrigin: string | undefined;
    /** key for secrets in job definitions; falls back to the signing master key */
    secretsKey: string | undefined;
  };
  /** the live read model (Redis): status, counters, feed, read-through cache */
  redis: {
    /** redis:// URL; null when switched off (REDIS_URL=off) */
    url: string | null;
    /** prefix of every key; a rebuild may write a shadow copy under another one */
    keyPrefix: string;
    /** how long the read-through cache keeps a query's answer */
    cacheTtlSeconds: number;
    /** comment line sent on an idle /v1/live stream this often */
    heartbeatMs: number;
    /** open /v1/live streams one principal may hold on one API instance (each holds a Redis connection) */
    liveStreamsPerPrincipal: number;
  };
}

/** The notifier's channels and integration events (docs/notifications.md). */
export interface NotificationsConfig {
  /** sender address of notification emails */
  emailFrom: string;
  /** smtp:// URL; set by the local runtime to its SMTP sink; unset on AWS (SES is used) */
  smtpUrl: string | undefined;
  /** EventBridge bus for integration events; unset = not published (always unset locally) */
  eventBus: string | undefined;
  /**
   * base URL of the console, for links in notifications (JOBLEDGER_CONSOLE_URL; locally the
   * console the local runtime serves, http://localhost:<CONSOLE_PORT>; else the API's URL)
   */
  consoleUrl: string;
  /** VAPID keys (base64url); the local runtime generates them under dataDir when unset */
  vapidPublicKey: string | undefined;
  vapidPrivateKey: string | undefined;
  vapidSubject: string;
  /** delivery attempts per channel before NotificationFailed{final:true} */
  maxAttempts: number;
  /** port of the local SMTP sink (0 = any free port) */
  smtpSinkPort: number;
}

/** The port of the console the local runtime serves (CONSOLE_PORT; 3001, or any free one when PORT is 0). */
export function localConsolePort(env: Record<string, string | undefined>): number {
  return intFrom(env, "CONSOLE_PORT", env.PORT === "0" ? 0 : 3001, 0, 65535);
}

/** Reads the notifications section from the environment; `publicUrl` is the links' fallback. */
export function loadNotificationsConfig(
  env: Record<string, string | undefined>,
  publicUrl: string,
): NotificationsConfig {
  return {
    emailFrom: env.JOBLEDGER_EMAIL_FROM ?? "Jobledger <notifications@jobledger.local>",
    smtpUrl: env.JOBLEDGER_SMTP_URL || undefined,
    eventBus: env.JOBLEDGER_EVENT_BUS || undefined,
    consoleUrl: env.JOBLEDGER_CONSOLE_URL ?? publicUrl,
    vapidPublicKey: env.JOBLEDGER_VAPID_PUBLIC_KEY || undefined,
    vapidPrivateKey: env.JOBLEDGER_VAPID_PRIVATE_KEY || undefined,
    vapidSubject: env.JOBLEDGER_VAPID_SUBJECT ?? "mailto:ops@jobledger.local",
    maxAttempts: intFrom(env, "JOBLEDGER_NOTIFY_MAX_ATTEMPTS", 3, 1, 20),
    smtpSinkPort: intFrom(env, "JOBLEDGER_SMTP_SINK_PORT", 0, 0, 65535),
  };
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Env = Record<string, string | undefined>;

/**
 * Where notification links point without JOBLEDGER_CONSOLE_URL: locally the console the
 * local runtime serves (the API answers 404 to `/runs/<id>`), unless it is off or its port is
 * only known once it runs (CONSOLE_PORT=0); otherwise the API's public URL.
 */
function linkBase(env: Env, stage: string, host: string, port: number): string {
  const consolePort = stage === "local" && env.JOBLEDGER_CONSOLE !== "off" ? localConsolePort(env) : 0;
  if (consolePort !== 0) return `http://localhost:${consolePort}`;
  return env.JOBLEDGER_PUBLIC_URL ?? `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`;
}

/** A tenant id from the environment, in the one grammar of tenant ids (auth/principal.ts). */
function tenantFrom(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!isTenantId(raw)) {
    throw new ConfigError(`${name} must be a tenant id (${TENANT_PATTERN.source}), got "${raw}"`);
  }
  return raw;
}

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

/** "on"/"true"/"1" or "off"/"false"/"0"; unset or empty = `fallback`. */
function switchFrom(env: Env, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? "").trim().toLowerCase();
  if (raw === "") return fallback;
  if (["on", "true", "1"].includes(raw)) return true;
  if (["off", "false", "0"].includes(raw)) return false;
  throw new ConfigError(`${name} must be "on" or "off", got "${env[name]}"`);
}

function consumerFunctionsFrom(env: Env): Record<string, string> | null {
  const raw = env.JOBLEDGER_CONSUMER_FUNCTIONS;
  if (!raw) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = null;
  }
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((v) => typeof v === "string")
  ) {
    throw new ConfigError(
      'JOBLEDGER_CONSUMER_FUNCTIONS must be a JSON object of consumer names to function names, e.g. {"runner":"jobledger-prod-Runner"}',
    );
  }
  return parsed as Record<string, string>;
}

function analyticsEngineFrom(env: Env): "duckdb" | "athena" {
  const engine = env.JOBLEDGER_ANALYTICS_ENGINE || "duckdb";
  if (engine !== "duckdb" && engine !== "athena") {
    throw new ConfigError(`JOBLEDGER_ANALYTICS_ENGINE must be "duckdb" or "athena", got "${engine}"`);
  }
  return engine;
}

/**
 * The live read model's key prefix. On AWS (native change feed) one system owns its Redis:
 * `jobledger:<stage>`. Locally several systems on one machine share the same Redis, so the
 * prefix also names the data folder (a short hash of its resolved path): two local systems
 * never see, list or replace each other's keys. JOBLEDGER_REDIS_PREFIX always wins.
 */
function redisPrefixFrom(env: Env, stage: string, changeFeed: "native" | "relay", dataDir: string): string {
  if (env.JOBLEDGER_REDIS_PREFIX) return env.JOBLEDGER_REDIS_PREFIX;
  if (changeFeed === "native") return `jobledger:${stage}`;
  const folder = createHash("sha256").update(dataDir).digest("hex").slice(0, 10);
  return `jobledger:${stage}:${folder}`;
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
    defaultTenant: tenantFrom(env, "JOBLEDGER_DEFAULT_TENANT", "default"),
    dynamodb: {
      endpoint: env.DYNAMODB_ENDPOINT || undefined,
      eventsTable: env.JOBLEDGER_EVENTS_TABLE ?? `${prefix}-events`,
      idempotencyTable: env.JOBLEDGER_IDEMPOTENCY_TABLE ?? `${prefix}-idempotency`,
      checkpointsTable: env.JOBLEDGER_CHECKPOINTS_TABLE ?? `${prefix}-checkpoints`,
      hostRateLimitTable: env.JOBLEDGER_HOST_RATE_LIMIT_TABLE ?? `${prefix}-host-rate-limits`,
      apiKeysTable: env.JOBLEDGER_API_KEYS_TABLE ?? `${prefix}-api-keys`,
      notificationsTable: env.JOBLEDGER_NOTIFICATIONS_TABLE ?? `${prefix}-notifications`,
      parkedRecordsTable: env.JOBLEDGER_PARKED_RECORDS_TABLE ?? `${prefix}-parked-records`,
    },
    kinesis: {
      endpoint: env.KINESIS_ENDPOINT || undefined,
      streamName: env.JOBLEDGER_STREAM_NAME ?? `${prefix}-events`,
      shardCount: intFrom(env, "JOBLEDGER_SHARDS", 2, 1, 1000),
    },
    changeFeed,
    consumerFunctions: consumerFunctionsFrom(env),
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
    notifications: loadNotificationsConfig(env, linkBase(env, stage, host, port)),
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
      storeBodies: switchFrom(env, "JOBLEDGER_STORE_BODIES", true),
    },
    testTarget:
      env.JOBLEDGER_TEST_TARGET_PORT === "off" || (stage !== "local" && !env.JOBLEDGER_TEST_TARGET_PORT)
        ? null
        : {
            port: env.JOBLEDGER_TEST_TARGET_PORT
              ? intFrom(env, "JOBLEDGER_TEST_TARGET_PORT", 0, 0, 65535)
              : null,
          },
    lake: {
      bucket: env.JOBLEDGER_LAKE_BUCKET || undefined,
      s3Endpoint: env.S3_ENDPOINT || undefined,
      prefix: env.JOBLEDGER_LAKE_PREFIX ?? "",
      dir: path.resolve(env.JOBLEDGER_LAKE_DIR ?? path.join(dataDir, "lake")),
      engine: analyticsEngineFrom(env),
      athena: {
        database:
          env.JOBLEDGER_ATHENA_DATABASE ?? `jobledger_${stage.toLowerCase().replace(/[^a-z0-9]/g, "_")}`,
        workgroup: env.JOBLEDGER_ATHENA_WORKGROUP ?? `jobledger-${stage}`,
      },
    },
    auth: {
      jwksUrl: env.JOBLEDGER_JWKS_URL || undefined,
      localJwks: undefined,
      issuer: env.JOBLEDGER_JWT_ISSUER ?? "jobledger-local",
      audience: env.JOBLEDGER_JWT_AUDIENCE ?? "jobledger",
      clockToleranceSeconds: intFrom(env, "JOBLEDGER_JWT_CLOCK_TOLERANCE", 30, 0, 600),
      rateLimitPerMinute:
        env.JOBLEDGER_RATE_LIMIT === "unlimited"
          ? null
          : intFrom(env, "JOBLEDGER_RATE_LIMIT", 6000, 1, 1_000_000),
      failedAuthPerMinute:
        env.JOBLEDGER_AUTH_FAILURE_LIMIT === "unlimited"
          ? null
          : intFrom(env, "JOBLEDGER_AUTH_FAILURE_LIMIT", 60, 1, 1_000_000),
      consoleOrigin: env.JOBLEDGER_CONSOLE_ORIGIN || undefined,
      secretsKey: env.JOBLEDGER_SECRETS_KEY || undefined,
    },
    redis: {
      url: env.REDIS_URL === "off" ? null : env.REDIS_URL || "redis://127.0.0.1:6379",
      keyPrefix: redisPrefixFrom(env, stage, changeFeed, dataDir),
      cacheTtlSeconds: intFrom(env, "JOBLEDGER_CACHE_TTL", 30, 1, 24 * 3600),
      heartbeatMs: intFrom(env, "JOBLEDGER_LIVE_HEARTBEAT_MS", 15_000, 100, 300_000),
      liveStreamsPerPrincipal: intFrom(env, "JOBLEDGER_LIVE_MAX_STREAMS", 5, 1, 10_000),
    },
  };
}
