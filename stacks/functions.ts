/// <reference path="../.sst/platform/config.d.ts" />
/**
 * The Lambda functions and what invokes them: the API behind an API Gateway HTTP API; the
 * Postgres projector, the runner, the Redis projector, the notifier and the lake projector
 * as Kinesis event source mappings (batch size, parallelization factor, bisect-on-error,
 * partial batch responses, an SQS on-failure destination each); and the scheduler tick on an
 * EventBridge schedule every minute.
 * Every function gets the environment `packages/core/src/config.ts` reads and only the IAM
 * actions of its role (./permissions.ts).
 */
import type { AuthResources } from "./auth.ts";
import type { EventStoreResources } from "./event-store.ts";
import type { LakeResources } from "./lake.ts";
import type { NetworkResources } from "./network.ts";
import type { NotificationChannelResources } from "./notifications.ts";
import { type FunctionRole, functionPermissions, type PermissionStatement } from "./permissions.ts";
import type { ConsumerSettings, StackSettings } from "./settings.ts";

/** The handler files, relative to the repository root (each exports `handler`). */
export const handlers = {
  api: "packages/functions/src/handlers/api.handler",
  postgresProjector: "packages/functions/src/handlers/postgres-projector.handler",
  runner: "packages/functions/src/handlers/runner.handler",
  schedulerTick: "packages/functions/src/handlers/scheduler-tick.handler",
  redisProjector: "packages/functions/src/handlers/redis-projector.handler",
  notifier: "packages/functions/src/handlers/notifier.handler",
  lakeProjector: "packages/functions/src/handlers/lake-projector.handler",
} as const satisfies Record<FunctionRole, string>;

/** Where the Postgres migrations live in the repository. */
export const MIGRATIONS_SOURCE = "packages/core/src/adapters/postgres/migrations";

/**
 * Where the bundle must hold the migrations: `migrate.ts` reads
 * `new URL("./migrations/", import.meta.url)`, and once bundled `import.meta.url` is the
 * handler's own file, which SST writes at the handler's path inside the bundle.
 */
export function migrationsTarget(handler: string): string {
  return `${handler.slice(0, handler.lastIndexOf("/"))}/migrations`;
}

interface Deps {
  settings: StackSettings;
  store: EventStoreResources;
  net: NetworkResources;
  signingMasterKey: sst.Secret;
  users: AuthResources;
  channels: NotificationChannelResources;
  analytics: LakeResources;
}

export function functions({ settings, store, net, signingMasterKey, users, channels, analytics }: Deps) {
  const environment: Record<string, $util.Input<string>> = {
    JOBLEDGER_STAGE: $app.stage,
    JOBLEDGER_CHANGE_FEED: "native",
    JOBLEDGER_EVENTS_TABLE: store.table.name,
    JOBLEDGER_IDEMPOTENCY_TABLE: store.idempotency.name,
    JOBLEDGER_HOST_RATE_LIMIT_TABLE: store.hostRateLimits.name,
    JOBLEDGER_API_KEYS_TABLE: store.apiKeys.name,
    JOBLEDGER_NOTIFICATIONS_TABLE: store.notifications.name,
    JOBLEDGER_PARKED_RECORDS_TABLE: store.parkedRecords.name,
    JOBLEDGER_STREAM_NAME: store.stream.name,
    // only the API and the Redis projector use Redis (set below); the others skip connecting
    REDIS_URL: "off",
    DATABASE_URL: net.databaseUrl,
    JOBLEDGER_SIGNING_MASTER_KEY: signingMasterKey.value,
    JOBLEDGER_TEST_TARGET_PORT: "off",
    // the Lambda Node.js 20 runtime's CA bundle, which includes the RDS certificate authorities
    NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
    ...(settings.targetAllowList ? { JOBLEDGER_TARGET_ALLOWLIST: settings.targetAllowList } : {}),
  };

  const region = aws.getRegionOutput().name;
  const account = aws.getCallerIdentityOutput().accountId;
  const targets = {
    eventsTable: store.table.arn,
    eventsTableIndexes: $interpolate`${store.table.arn}/index/*`,
    idempotencyTable: store.idempotency.arn,
    hostRateLimitTable: store.hostRateLimits.arn,
    stream: store.stream.arn,
    apiKeysTable: store.apiKeys.arn,
    apiKeysTenantIndex: $interpolate`${store.apiKeys.arn}/index/byTenant`,
    notificationsTable: store.notifications.arn,
    parkedRecordsTable: store.parkedRecords.arn,
    // only the API invokes consumers (set when it is created, after them)
    consumerFunctions: [] as $util.Input<string>[],
    emailIdentity: channels.emailIdentity.arn,
    eventBus: channels.eventBus.arn,
    lakeBucket: analytics.bucket.arn,
    lakeObjects: $interpolate`${analytics.bucket.arn}/*`,
    lakeBodies: $interpolate`${analytics.bucket.arn}/bodies/*`,
    athenaWorkgroup: analytics.workgroup.arn,
    athenaResultsBucket: analytics.results.arn,
    athenaResultsObjects: $interpolate`${analytics.results.arn}/*`,
    glueCatalog: $interpolate`arn:aws:glue:${region}:${account}:catalog`,
    glueDatabase: analytics.database.arn,
    glueTables: [analytics.eventsTable.arn, analytics.runsTable.arn],
  };
  /** the live read model: the ElastiCache (Valkey) primary, TLS (`rediss://`) with its auth token */
  const redis = { REDIS_URL: net.redisUrl };

  const fn = (
    name: string,
    role: FunctionRole,
    options: {
      timeoutSeconds: number;
      memoryMb: number;
      extraEnvironment?: Record<string, $util.Input<string>>;
      /** packages installed into the bundle instead of bundled (they load files beside themselves) */
      install?: string[];
    },
    extraPermissions: PermissionStatement<$util.Input<string>>[] = [],
    roleTargets = targets,
  ) =>
    new sst.aws.Function(name, {
      handler: handlers[role],
      runtime: "nodejs20.x",
      architecture: "arm64",
      timeout: `${options.timeoutSeconds} seconds`,
      memory: `${options.memoryMb} MB`,
      vpc: net.vpc,
      environment: { ...environment, ...options.extraEnvironment },
      permissions: [...functionPermissions(role, roleTargets), ...extraPermissions],
      copyFiles: [{ from: MIGRATIONS_SOURCE, to: migrationsTarget(handlers[role]) }],
      nodejs: {
        // pg's optional native binding is never used
        esbuild: { external: ["pg-native"] },
        ...(options.install ? { install: options.install } : {}),
      },
      logging: { retention: settings.logRetention, format: "json" },
    });

  // the stream's consumers, each with its own on-failure queue
  const consumer = (
    name: string,
    role: FunctionRole,
    consumerSettings: ConsumerSettings,
    extraEnvironment: Record<string, $util.Input<string>> = {},
    install?: string[],
  ) => {
    const deadLetters = new aws.sqs.Queue(`${name}DeadLetters`, {
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    const handler = fn(name, role, { ...consumerSettings, extraEnvironment, install }, [
      { actions: ["sqs:SendMessage"], resources: [deadLetters.arn] },
    ]);
    store.stream.subscribe(name, handler.arn, {
      transform: {
        eventSourceMapping: (args) => {
          args.startingPosition = "TRIM_HORIZON";
          args.batchSize = consumerSettings.batchSize;
          args.parallelizationFactor = consumerSettings.parallelizationFactor;
          args.maximumBatchingWindowInSeconds = consumerSettings.maximumBatchingWindowInSeconds;
          args.bisectBatchOnFunctionError = true;
          args.functionResponseTypes = ["ReportBatchItemFailures"];
          args.maximumRetryAttempts = consumerSettings.maximumRetryAttempts;
          args.maximumRecordAgeInSeconds = consumerSettings.maximumRecordAgeInSeconds;
          args.destinationConfig = { onFailure: { destinationArn: deadLetters.arn } };
        },
      },
    });
    return { function: handler, deadLetters };
  };
  const postgresProjector = consumer(
    "PostgresProjector",
    "postgresProjector",
    settings.consumers.postgresProjector,
  );
  // the runner stores whole response bodies in the lake bucket, under bodies/
  const runner = consumer("Runner", "runner", settings.consumers.runner, {
    JOBLEDGER_LAKE_BUCKET: analytics.bucket.name,
  });
  const redisProjector = consumer(
    "RedisProjector",
    "redisProjector",
    settings.consumers.redisProjector,
    redis,
  );
  const notifier = consumer("Notifier", "notifier", settings.consumers.notifier, {
    JOBLEDGER_EMAIL_FROM: channels.emailFrom,
    JOBLEDGER_EVENT_BUS: channels.eventBus.name,
    ...(settings.consoleOrigin ? { JOBLEDGER_CONSOLE_URL: settings.consoleOrigin } : {}),
  });

  // the scheduler: EventBridge invokes the tick every minute; it ticks each second inside
  const schedulerTick = fn("SchedulerTick", "schedulerTick", { timeoutSeconds: 60, memoryMb: 256 });
  const cron = new sst.aws.Cron("SchedulerSchedule", { function: schedulerTick, schedule: "rate(1 minute)" });

  // the lake projector: Parquet (parquet-wasm loads its .wasm beside its module: not bundled)
  const lakeProjector = consumer(
    "LakeProjector",
    "lakeProjector",
    settings.consumers.lakeProjector,
    { JOBLEDGER_LAKE_BUCKET: analytics.bucket.name },
    ["parquet-wasm"],
  );

  // by the names the code gives them (wiring.ts)
  const consumers = [
    ["postgres-projector", postgresProjector],
    ["runner", runner],
    ["redis-projector", redisProjector],
    ["notifier", notifier],
    ["lake-projector", lakeProjector],
  ] as const;

  // the API: an HTTP API whose default route is the Hono app
  const httpApi = new sst.aws.ApiGatewayV2("Api");
  const api = fn(
    "ApiFunction",
    "api",
    {
      timeoutSeconds: 29,
      memoryMb: 1024,
      extraEnvironment: {
        JOBLEDGER_PUBLIC_URL: httpApi.url,
        ...redis,
        // people: ID tokens of the Cognito user pool (services use API keys)
        JOBLEDGER_JWKS_URL: users.jwksUrl,
        JOBLEDGER_JWT_ISSUER: users.issuer,
        JOBLEDGER_JWT_AUDIENCE: users.audience,
        ...(settings.consoleOrigin ? { JOBLEDGER_CONSOLE_ORIGIN: settings.consoleOrigin } : {}),
        // analytics: Athena over the lake's Glue tables (DuckDB is the local engine)
        JOBLEDGER_ANALYTICS_ENGINE: "athena",
        JOBLEDGER_ATHENA_DATABASE: analytics.database.name,
        JOBLEDGER_ATHENA_WORKGROUP: analytics.workgroup.name,
        // attempts' stored response bodies (GET /v1/runs/{id}/attempts/{n}/body)
        JOBLEDGER_LAKE_BUCKET: analytics.bucket.name,
        // a parked record is retried by its consumer's own function
        JOBLEDGER_CONSUMER_FUNCTIONS: $jsonStringify(
          Object.fromEntries(consumers.map(([name, c]) => [name, c.function.name])),
        ),
      },
    },
    [],
    { ...targets, consumerFunctions: consumers.map(([, c]) => c.function.arn) },
  );
  httpApi.route("$default", api.arn);

  return {
    httpApi,
    api,
    postgresProjector,
    runner,
    redisProjector,
    notifier,
    lakeProjector,
    schedulerTick,
    cron,
  };
}

export type FunctionResources = ReturnType<typeof functions>;
