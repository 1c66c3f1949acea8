/**
 * Deploy-time settings of a stage: pure, read from the stage name and the environment of the
 * `sst deploy` process (never from the functions' runtime environment). Everything tunable
 * about the infrastructure lives here, with the defaults docs/deploy.md explains.
 */

type Env = Record<string, string | undefined>;

/** One Kinesis consumer's event source mapping settings. */
export interface ConsumerSettings {
  /** records per invocation (Kinesis: 1 to 10,000) */
  batchSize: number;
  /** concurrent batches per shard (1 to 10); order per partition key is kept either way */
  parallelizationFactor: number;
  /** how long Lambda gathers records before invoking, in seconds (0 to 300) */
  maximumBatchingWindowInSeconds: number;
  /**
   * retries of a failing batch before its records go to the on-failure destination; -1 =
   * until the record is too old. The handler parks poison records itself, so a batch fails
   * only while something it depends on is down: retrying keeps each stream's order.
   */
  maximumRetryAttempts: number;
  /** records older than this are sent to the on-failure destination unprocessed; -1 = the stream's retention */
  maximumRecordAgeInSeconds: number;
  /** the function's timeout in seconds */
  timeoutSeconds: number;
  memoryMb: number;
}

export interface StackSettings {
  stage: string;
  production: boolean;
  kinesis: { mode: "ON_DEMAND" } | { mode: "PROVISIONED"; shardCount: number };
  /** hours a record stays on the stream (24 to 8760) */
  streamRetentionHours: number;
  /** "managed": one NAT gateway per AZ; "ec2": fck-nat t4g.nano instances (about 10x cheaper) */
  nat: "managed" | "ec2";
  postgres: { instance: string; storage: `${number} GB`; multiAz: boolean; proxy: boolean };
  redis: { instance: string };
  consumers: {
    postgresProjector: ConsumerSettings;
    runner: ConsumerSettings;
    redisProjector: ConsumerSettings;
    notifier: ConsumerSettings;
    lakeProjector: ConsumerSettings;
  };
  notifications: {
    /** sender of notification e-mails (JOBLEDGER_EMAIL_FROM), e.g. `Jobledger <alerts@example.com>` */
    emailFrom: string;
    /** the SES identity (address or domain) the sender belongs to; the notifier may send as it only */
    emailIdentity: string;
  };
  /** the console's origin, the only one the API's CORS allows (JOBLEDGER_CONSOLE_ORIGIN) */
  consoleOrigin: string | undefined;
  /** alarm when a consumer's oldest unprocessed record is older than this (milliseconds) */
  iteratorAgeAlarmMs: number;
  /** e-mail address subscribed to the alarm topic, if any */
  alarmEmail: string | undefined;
  /** hosts, host:port pairs or CIDRs jobs may target despite the SSRF rules (JOBLEDGER_TARGET_ALLOWLIST) */
  targetAllowList: string | undefined;
  /** days the functions' logs are kept */
  logRetention: "1 week" | "1 month" | "3 months";
  /** days the lake bucket keeps attempts' whole response bodies (`bodies/`) before S3 expires them */
  bodyRetentionDays: number;
}

export class StackSettingsError extends Error {
  override readonly name = "StackSettingsError";
}

function intFrom(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StackSettingsError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/**
 * The settings of `stage`. Variables (all optional): `JOBLEDGER_KINESIS_SHARDS` (a number
 * switches the stream to provisioned mode), `JOBLEDGER_NAT` (`managed`|`ec2`),
 * `JOBLEDGER_DB_INSTANCE`, `JOBLEDGER_REDIS_INSTANCE`, `JOBLEDGER_RUNNER_BATCH`,
 * `JOBLEDGER_RUNNER_PARALLELIZATION`, `JOBLEDGER_PROJECTOR_BATCH`,
 * `JOBLEDGER_PROJECTOR_PARALLELIZATION`, `JOBLEDGER_REDIS_PROJECTOR_BATCH`,
 * `JOBLEDGER_REDIS_PROJECTOR_PARALLELIZATION`, `JOBLEDGER_NOTIFIER_BATCH`,
 * `JOBLEDGER_NOTIFIER_PARALLELIZATION`, `JOBLEDGER_LAKE_PROJECTOR_BATCH`, `JOBLEDGER_ALARM_EMAIL`, `JOBLEDGER_TARGET_ALLOWLIST`,
 * `JOBLEDGER_EMAIL_FROM`, `JOBLEDGER_EMAIL_IDENTITY`, `JOBLEDGER_CONSOLE_ORIGIN`,
 * `JOBLEDGER_BODY_RETENTION_DAYS`.
 */
export function stackSettings(stage: string, env: Env = {}): StackSettings {
  const production = stage === "production";
  const shards = env.JOBLEDGER_KINESIS_SHARDS;
  const nat = env.JOBLEDGER_NAT ?? (production ? "managed" : "ec2");
  if (nat !== "managed" && nat !== "ec2") {
    throw new StackSettingsError(`JOBLEDGER_NAT must be "managed" or "ec2", got "${nat}"`);
  }
  return {
    stage,
    production,
    kinesis:
      shards === undefined || shards === ""
        ? { mode: "ON_DEMAND" }
        : { mode: "PROVISIONED", shardCount: intFrom(env, "JOBLEDGER_KINESIS_SHARDS", 1, 1, 10_000) },
    // beyond 24 h retention is billed (per GB on demand, per shard-hour provisioned)
    streamRetentionHours: production ? 168 : 24,
    nat,
    postgres: {
      instance: env.JOBLEDGER_DB_INSTANCE ?? (production ? "m7g.large" : "t4g.micro"),
      storage: production ? "100 GB" : "20 GB",
      multiAz: production,
      // a proxy pools the connections of many concurrent Lambda instances
      proxy: production,
    },
    redis: { instance: env.JOBLEDGER_REDIS_INSTANCE ?? (production ? "m7g.large" : "t4g.micro") },
    consumers: {
      postgresProjector: {
        batchSize: intFrom(env, "JOBLEDGER_PROJECTOR_BATCH", 500, 1, 10_000),
        parallelizationFactor: intFrom(env, "JOBLEDGER_PROJECTOR_PARALLELIZATION", 2, 1, 10),
        maximumBatchingWindowInSeconds: 1,
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: -1,
        timeoutSeconds: 60,
        memoryMb: 1024,
      },
      runner: {
        // small batches: each record may be an HTTP call of up to the job's timeout
        batchSize: intFrom(env, "JOBLEDGER_RUNNER_BATCH", 50, 1, 10_000),
        parallelizationFactor: intFrom(env, "JOBLEDGER_RUNNER_PARALLELIZATION", 10, 1, 10),
        maximumBatchingWindowInSeconds: 0,
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: 6 * 3600,
        timeoutSeconds: 300,
        memoryMb: 1024,
      },
      redisProjector: {
        // cheap per record (one Lua script per event): large batches, short timeout
        batchSize: intFrom(env, "JOBLEDGER_REDIS_PROJECTOR_BATCH", 500, 1, 10_000),
        parallelizationFactor: intFrom(env, "JOBLEDGER_REDIS_PROJECTOR_PARALLELIZATION", 2, 1, 10),
        maximumBatchingWindowInSeconds: 1,
        maximumRetryAttempts: -1,
        // live status is worth little once old; a rebuild restores it
        maximumRecordAgeInSeconds: 6 * 3600,
        timeoutSeconds: 60,
        memoryMb: 512,
      },
      notifier: {
        // each record may mean several deliveries (e-mail, webhooks, push) with retries
        batchSize: intFrom(env, "JOBLEDGER_NOTIFIER_BATCH", 100, 1, 10_000),
        parallelizationFactor: intFrom(env, "JOBLEDGER_NOTIFIER_PARALLELIZATION", 2, 1, 10),
        maximumBatchingWindowInSeconds: 1,
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: 6 * 3600,
        timeoutSeconds: 120,
        memoryMb: 512,
      },
      lakeProjector: {
        // one Parquet object per (table, tenant, day) per batch: few, large batches
        batchSize: intFrom(env, "JOBLEDGER_LAKE_PROJECTOR_BATCH", 2000, 1, 10_000),
        parallelizationFactor: 1,
        maximumBatchingWindowInSeconds: 60,
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: -1,
        timeoutSeconds: 120,
        memoryMb: 1024,
      },
    },
    notifications: notificationSettings(stage, env),
    consoleOrigin: env.JOBLEDGER_CONSOLE_ORIGIN || undefined,
    iteratorAgeAlarmMs: 60_000,
    alarmEmail: env.JOBLEDGER_ALARM_EMAIL || undefined,
    targetAllowList: env.JOBLEDGER_TARGET_ALLOWLIST || undefined,
    logRetention: production ? "3 months" : "1 week",
    bodyRetentionDays: intFrom(env, "JOBLEDGER_BODY_RETENTION_DAYS", 30, 1, 3650),
  };
}

/** The address in `Name <address>` or a bare address. */
export function emailAddress(from: string): string {
  const match = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from);
  const address = (match?.[1] ?? from).trim();
  if (!/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(address)) {
    throw new StackSettingsError(
      `JOBLEDGER_EMAIL_FROM must be an address or "Name <address>", got "${from}"`,
    );
  }
  return address;
}

function notificationSettings(stage: string, env: Env): StackSettings["notifications"] {
  const emailFrom = env.JOBLEDGER_EMAIL_FROM || `Jobledger <notifications+${stage}@jobledger.example>`;
  const address = emailAddress(emailFrom);
  const emailIdentity = env.JOBLEDGER_EMAIL_IDENTITY || address;
  const domain = address.slice(address.lastIndexOf("@") + 1);
  if (emailIdentity !== address && emailIdentity !== domain) {
    throw new StackSettingsError(
      `JOBLEDGER_EMAIL_IDENTITY must be the sender's address or its domain (${domain}), got "${emailIdentity}"`,
    );
  }
  return { emailFrom, emailIdentity };
}
