/**
 * Builds the system's services from configuration: the same wiring for Lambda handlers and
 * the local runtime. Nothing here knows whether it runs on AWS or on one machine; the
 * configuration's endpoints decide.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { DescribeStreamSummaryCommand } from "@aws-sdk/client-kinesis";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { createDynamoApiKeyStore } from "@jobledger/core/adapters/auth/dynamodb-api-key-store";
import { createJwtVerifier } from "@jobledger/core/adapters/auth/jwt-verifier";
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import { createDynamoParkedRecordStore } from "@jobledger/core/adapters/dynamodb/parked-record-store";
import { createHttpExecutor } from "@jobledger/core/adapters/http/executor";
import {
  createDynamoHostRateLimiter,
  type HostRateLimiter,
  noHostRateLimit,
  parseHostRateLimitOverrides,
} from "@jobledger/core/adapters/http/host-rate-limit";
import { createDynamoIdempotencyStore } from "@jobledger/core/adapters/idempotency/dynamodb-idempotency-store";
import { createAnalyticsEngine, createLakeObjectStore } from "@jobledger/core/adapters/lake/from-config";
import { createLakeProjector } from "@jobledger/core/adapters/lake/lake-projector";
import { createLakeWriter } from "@jobledger/core/adapters/lake/lake-writer";
import { lambdaRetryParked } from "@jobledger/core/adapters/lambda/retry-parked-invoker";
import { LocalRelay } from "@jobledger/core/adapters/local/relay";
import {
  createDynamoClients,
  createKinesisClient,
  type DynamoClients,
} from "@jobledger/core/adapters/local/standins";
import { createNotificationServices } from "@jobledger/core/adapters/notify/notification-services";
import type { Database } from "@jobledger/core/adapters/postgres/database";
import { createJobQueries } from "@jobledger/core/adapters/postgres/job-queries";
import { createPostgresProjector } from "@jobledger/core/adapters/postgres/projector";
import {
  openReadModel,
  type ReadModelRecreated,
  rebuildReadModels,
} from "@jobledger/core/adapters/postgres/read-model-recovery";
import { createRunQueries } from "@jobledger/core/adapters/postgres/run-queries";
import { type LiveReadModel, openLiveReadModel } from "@jobledger/core/adapters/redis/live-read-model";
import { createAttemptBodies } from "@jobledger/core/application/attempt-bodies";
import { createJobCommands } from "@jobledger/core/application/job-commands";
import { createParkedRecords, type ParkedRecords } from "@jobledger/core/application/parked-records";
import { createRunCommands } from "@jobledger/core/application/run-commands";
import { createRunner, type Runner } from "@jobledger/core/application/runner";
import { createScheduler, type Scheduler } from "@jobledger/core/application/scheduler";
import { createSigningSecrets } from "@jobledger/core/application/signing-secrets";
import { createAuthenticator } from "@jobledger/core/auth/authenticator";
import { createHeaderSecrets } from "@jobledger/core/auth/header-secrets";
import {
  type ConsumerParking,
  createStreamConsumer,
  type StreamConsumer,
} from "@jobledger/core/changefeed/consumer";
import { type AppConfig, ConfigError } from "@jobledger/core/config";
import { parseTargetAllowList } from "@jobledger/core/domain/job/target-policy";
import { createLogger, type Logger } from "@jobledger/core/logging";
import { installMetricsBackend } from "@jobledger/core/observability/install";
import { postgresScheduleLag } from "@jobledger/core/observability/system-status";
import { setupTracing } from "@jobledger/core/observability/tracing";
import { type Clock, systemClock } from "@jobledger/core/ports/clock";
import { jobsProjection } from "@jobledger/core/projections/jobs";
import { runsProjection } from "@jobledger/core/projections/runs";
import { schedulesProjection } from "@jobledger/core/projections/schedules";
import type { ApiDeps } from "./api/context.ts";

export interface ServiceOptions {
  clock?: Clock;
  logger?: Logger;
  /** called after the local relay put a commit on the stream */
  onPublished?: () => void;
}

export interface Services {
  config: AppConfig;
  clock: Clock;
  logger: Logger;
  dynamo: DynamoClients;
  kinesis: KinesisClient;
  database: Database;
  /** set when the embedded Postgres could not be reopened and its read models were rebuilt */
  readModelRecreated: ReadModelRecreated | null;
  /** set when the read models were empty (new database or folder) or recreated, and filled at start */
  readModelFilled: { events: number } | null;
  eventStore: DynamoEventStore;
  /** publishes commits to Kinesis when the change feed is "relay" (locally) */
  relay: LocalRelay | null;
  api: ApiDeps;
  /** the live read model in Redis; null when Redis is off or was unreachable at start */
  liveReadModel: LiveReadModel | null;
  scheduler: Scheduler;
  runner: Runner;
  /**
   * Every consumer of the change feed, by name: locally one poller each, on AWS one Lambda
   * event source mapping each. A read model or worker joins the system by being listed here.
   */
  consumers: StreamConsumer[];
  /** the consumers' parked (poison) records, for the API and the CLI */
  parked: ParkedRecords;
  close(): Promise<void>;
}

export async function createServices(config: AppConfig, options: ServiceOptions = {}): Promise<Services> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger();
  installMetricsBackend(); // prom-client locally, EMF on Lambda (first call wins)
  setupTracing();
  const dynamo = createDynamoClients({ endpoint: config.dynamodb.endpoint, region: config.region });
  const kinesis = createKinesisClient({ endpoint: config.kinesis.endpoint, region: config.region });
  // a PGlite folder a crash left unopenable is moved aside; the read models are rebuilt below
  const {
    database,
    recreated: readModelRecreated,
    created: readModelCreated,
  } = await openReadModel({
    url: config.postgres.url,
    pglitePath: config.postgres.pglitePath,
    logger: logger.child({ component: "postgres" }),
    fillFreshServer: config.changeFeed === "relay",
  });

  const relay =
    config.changeFeed === "relay"
      ? new LocalRelay({
          doc: dynamo.doc,
          tableName: config.dynamodb.eventsTable,
          kinesis,
          streamName: config.kinesis.streamName,
          region: config.region,
          logger: logger.child({ component: "relay" }),
          onPublished: options.onPublished,
        })
      : null;
  const eventStore = new DynamoEventStore({
    doc: dynamo.doc,
    tableName: config.dynamodb.eventsTable,
    changeFeed: config.changeFeed,
    clock,
    onCommitted: relay?.onCommitted,
    logger: logger.child({ component: "event-store" }),
  });
  let readModelFilled: { events: number } | null = null;
  if (readModelRecreated || readModelCreated) {
    readModelFilled = await rebuildReadModels({
      pool: database.pool,
      eventStore,
      tenants: await eventStore.tenants(),
      projections: [jobsProjection, runsProjection, schedulesProjection],
      logger: logger.child({ component: "postgres" }),
    });
  }
  const headerSecrets = createHeaderSecrets(config.auth.secretsKey ?? config.signing.masterKey);
  const jobCommands = createJobCommands({
    eventStore,
    clock,
    allowList: config.targets.allowList,
    headerSecrets,
  });
  const liveReadModel = await openLiveReadModel(config, { clock, logger, eventStore });
  const postgresJobQueries = createJobQueries(database.pool);
  const jobQueries = liveReadModel ? liveReadModel.cacheJobQueries(postgresJobQueries) : postgresJobQueries;
  const runCommands = createRunCommands({ eventStore, clock });
  const runQueries = createRunQueries(database.pool);
  const idempotency = createDynamoIdempotencyStore({
    doc: dynamo.doc,
    tableName: config.dynamodb.idempotencyTable,
    ttlSeconds: config.idempotency.ttlSeconds,
  });

  const projector = createPostgresProjector({
    pool: database.pool,
    eventStore,
    projections: [jobsProjection, runsProjection, schedulesProjection],
    logger: logger.child({ component: "postgres-projector" }),
  });
  // every consumer parks what it cannot handle (changefeed/consumer.ts); one store for all
  const parkedStore = createDynamoParkedRecordStore({
    doc: dynamo.doc,
    tableName: config.dynamodb.parkedRecordsTable,
  });
  const parking: ConsumerParking = {
    store: parkedStore,
    eventStore,
    // one local process owns every consumer; Lambda instances may take a shard over from each other
    refreshMs: config.changeFeed === "relay" ? 5000 : 0,
  };
  const consumer = (name: string, consume: Parameters<typeof createStreamConsumer>[1]) =>
    createStreamConsumer(name, consume, { logger: logger.child({ component: name }), parking });

  const postgresProjector = consumer("postgres-projector", {
    consume: async (events) => {
      await projector.handle(events);
    },
  });

  const scheduler = createScheduler({
    pool: database.pool,
    runCommands,
    runQueries,
    clock,
    logger, // the scheduler names its own component
    batchSize: config.scheduler.batchSize,
  });
  if (!config.signing.masterKey) {
    throw new ConfigError("JOBLEDGER_SIGNING_MASTER_KEY is not set: the runner cannot sign requests");
  }
  // whole response bodies: in the lake's bucket (folder) root, outside the lake prefix
  const bodies = createAttemptBodies({ store: createLakeObjectStore(config, "") });
  const runner = createRunner({
    runCommands,
    executor: createHttpExecutor({
      allowList: parseTargetAllowList(config.targets.allowList),
      clock,
      userAgent: config.runner.userAgent,
    }),
    signingSecret: createSigningSecrets(config.signing.masterKey),
    headerSecrets,
    hostRateLimiter: hostRateLimiter(config, dynamo),
    clock,
    logger: logger.child({ component: "runner" }),
    runnerId: `${config.stage}:${process.pid}`,
    concurrency: config.runner.concurrency,
    bodies: config.runner.storeBodies ? bodies : null,
  });
  const consumeRuns = consumer("runner", { consume: runner.handleBatch });
  const runnerConsumer: StreamConsumer = {
    ...consumeRuns,
    async handler(event) {
      const response = await consumeRuns.handler(event);
      await runner.drain();
      return response;
    },
  };

  const analytics = createAnalyticsEngine(config);
  const lakeProjector = createLakeProjector(
    createLakeWriter({ store: createLakeObjectStore(config), eventStore }),
    { logger: logger.child({ component: "lake-projector" }), parking },
  );

  const notifications = createNotificationServices({
    config,
    doc: dynamo.doc,
    eventStore,
    jobs: { lookup: (tenant, jobId) => postgresJobQueries.get(tenant, jobId) },
    clock,
    logger: logger.child({ component: "notifier" }),
  });

  const consumers: StreamConsumer[] = [
    postgresProjector,
    runnerConsumer,
    consumer("notifier", { consume: notifications.notifier.handleBatch }),
    lakeProjector,
    ...(liveReadModel ? [consumer("redis-projector", { consume: liveReadModel.project })] : []),
  ];
  const parked = createParkedRecords({ store: parkedStore, consumers: parkedRetriers(config, consumers) });

  const api: ApiDeps = {
    analytics,
    config,
    clock,
    logger: logger.child({ component: "api" }),
    eventStore,
    jobCommands,
    jobQueries,
    live: liveReadModel?.live ?? null,
    runCommands,
    runQueries,
    // read even when storing is off: references recorded earlier stay readable
    bodies,
    idempotency,
    parked,
    notifications: { preferences: notifications.preferences, deliveries: notifications.deliveries },
    ...authDeps(config, dynamo),
    observability: { consumerLag: null, scheduleLag: postgresScheduleLag(database.pool) },
    readiness: [
      {
        name: "dynamodb",
        check: async () => {
          await dynamo.client.send(new DescribeTableCommand({ TableName: config.dynamodb.eventsTable }));
        },
      },
      {
        name: "kinesis",
        check: async () => {
          await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: config.kinesis.streamName }));
        },
      },
      {
        name: "postgres",
        check: async () => {
          await database.pool.query("SELECT 1");
        },
      },
    ],
  };

  return {
    config,
    clock,
    logger,
    dynamo,
    kinesis,
    database,
    readModelRecreated,
    readModelFilled,
    eventStore,
    relay,
    api,
    liveReadModel,
    scheduler,
    runner,
    consumers,
    parked,
    async close() {
      await relay?.stop();
      await database.close();
      await liveReadModel?.close();
      await analytics.close();
      dynamo.destroy();
      kinesis.destroy();
    },
  };
}

/**
 * Who retries a parked stream: each consumer in this process, or, on AWS, the consumer's own
 * Lambda function (its code and permissions), invoked by name.
 */
function parkedRetriers(
  config: AppConfig,
  consumers: StreamConsumer[],
): Pick<StreamConsumer, "name" | "retryParked">[] {
  const functions = config.consumerFunctions;
  if (!functions) return consumers;
  const lambda = new LambdaClient({ region: config.region });
  return consumers.map(({ name }) => {
    const functionName = functions[name];
    if (!functionName) throw new ConfigError(`JOBLEDGER_CONSUMER_FUNCTIONS names no function for ${name}`);
    return { name, retryParked: lambdaRetryParked(lambda, functionName) };
  });
}

/** One limiter for every runner, counted in DynamoDB; none when every host is unlimited. */
function hostRateLimiter(config: AppConfig, dynamo: DynamoClients): HostRateLimiter {
  const perHost = parseHostRateLimitOverrides(config.runner.hostRateOverrides);
  if (config.runner.hostRatePerSecond === null && Object.keys(perHost).length === 0) return noHostRateLimit;
  return createDynamoHostRateLimiter({
    doc: dynamo.doc,
    tableName: config.dynamodb.hostRateLimitTable,
    limits: { defaultPerSecond: config.runner.hostRatePerSecond, perHost },
  });
}

/** Users by JWT (remote JWKS on AWS, the local issuer's key locally), services by API key. */
function authDeps(config: AppConfig, dynamo: DynamoClients): Pick<ApiDeps, "authenticator" | "apiKeys"> {
  const apiKeys = createDynamoApiKeyStore({ doc: dynamo.doc, tableName: config.dynamodb.apiKeysTable });
  const verifyJwt = createJwtVerifier({
    jwksUrl: config.auth.jwksUrl,
    jwks: config.auth.localJwks as Parameters<typeof createJwtVerifier>[0]["jwks"],
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    clockToleranceSeconds: config.auth.clockToleranceSeconds,
  });
  return { authenticator: createAuthenticator({ verifyJwt, apiKeys }), apiKeys };
}
