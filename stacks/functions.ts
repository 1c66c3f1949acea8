/// <reference path="../.sst/platform/config.d.ts" />
/**
 * The Lambda functions and what invokes them: the API behind an API Gateway HTTP API, the
 * Postgres projector and the runner as Kinesis event source mappings (batch size,
 * parallelization factor, bisect-on-error, partial batch responses, an SQS on-failure
 * destination each), and the scheduler tick on an EventBridge schedule every minute.
 * Every function gets the environment `packages/core/src/config.ts` reads and only the IAM
 * actions of its role (./permissions.ts).
 */
import type { EventStoreResources } from "./event-store.ts";
import type { NetworkResources } from "./network.ts";
import { type FunctionRole, functionPermissions, type PermissionStatement } from "./permissions.ts";
import type { ConsumerSettings, StackSettings } from "./settings.ts";

/** The handler files, relative to the repository root (each exports `handler`). */
export const handlers = {
  api: "packages/functions/src/handlers/api.handler",
  postgresProjector: "packages/functions/src/handlers/postgres-projector.handler",
  runner: "packages/functions/src/handlers/runner.handler",
  schedulerTick: "packages/functions/src/handlers/scheduler-tick.handler",
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
}

export function functions({ settings, store, net, signingMasterKey }: Deps) {
  const environment: Record<string, $util.Input<string>> = {
    JOBLEDGER_STAGE: $app.stage,
    JOBLEDGER_CHANGE_FEED: "native",
    JOBLEDGER_EVENTS_TABLE: store.table.name,
    JOBLEDGER_IDEMPOTENCY_TABLE: store.idempotency.name,
    JOBLEDGER_HOST_RATE_LIMIT_TABLE: store.hostRateLimits.name,
    JOBLEDGER_STREAM_NAME: store.stream.name,
    DATABASE_URL: net.databaseUrl,
    JOBLEDGER_SIGNING_MASTER_KEY: signingMasterKey.value,
    JOBLEDGER_TEST_TARGET_PORT: "off",
    // the Lambda Node.js 20 runtime's CA bundle, which includes the RDS certificate authorities
    NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
    ...(settings.targetAllowList ? { JOBLEDGER_TARGET_ALLOWLIST: settings.targetAllowList } : {}),
  };

  const targets = {
    eventsTable: store.table.arn,
    eventsTableIndexes: $interpolate`${store.table.arn}/index/*`,
    idempotencyTable: store.idempotency.arn,
    hostRateLimitTable: store.hostRateLimits.arn,
    stream: store.stream.arn,
  };

  const fn = (
    name: string,
    role: FunctionRole,
    options: {
      timeoutSeconds: number;
      memoryMb: number;
      extraEnvironment?: Record<string, $util.Input<string>>;
    },
    extraPermissions: PermissionStatement<$util.Input<string>>[] = [],
  ) =>
    new sst.aws.Function(name, {
      handler: handlers[role],
      runtime: "nodejs20.x",
      architecture: "arm64",
      timeout: `${options.timeoutSeconds} seconds`,
      memory: `${options.memoryMb} MB`,
      vpc: net.vpc,
      environment: { ...environment, ...options.extraEnvironment },
      permissions: [...functionPermissions(role, targets), ...extraPermissions],
      copyFiles: [{ from: MIGRATIONS_SOURCE, to: migrationsTarget(handlers[role]) }],
      nodejs: {
        // pg's optional native binding is never used
        esbuild: { external: ["pg-native"] },
      },
      logging: { retention: settings.logRetention, format: "json" },
    });

  // the API: an HTTP API whose default route is the Hono app
  const httpApi = new sst.aws.ApiGatewayV2("Api");
  const api = fn("ApiFunction", "api", {
    timeoutSeconds: 29,
    memoryMb: 1024,
    extraEnvironment: { JOBLEDGER_PUBLIC_URL: httpApi.url },
  });
  httpApi.route("$default", api.arn);

  // the stream's consumers, each with its own on-failure queue
  const consumer = (name: string, role: FunctionRole, consumerSettings: ConsumerSettings) => {
    const deadLetters = new aws.sqs.Queue(`${name}DeadLetters`, {
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    const handler = fn(name, role, consumerSettings, [
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
  const runner = consumer("Runner", "runner", settings.consumers.runner);

  // the scheduler: EventBridge invokes the tick every minute; it ticks each second inside
  const schedulerTick = fn("SchedulerTick", "schedulerTick", { timeoutSeconds: 60, memoryMb: 256 });
  const cron = new sst.aws.Cron("SchedulerSchedule", { function: schedulerTick, schedule: "rate(1 minute)" });

  return { httpApi, api, postgresProjector, runner, schedulerTick, cron };
}

export type FunctionResources = ReturnType<typeof functions>;
