/**
 * The whole system on one machine: embedded DynamoDB (dynalite) and Kinesis (kinesalite)
 * unless endpoints are configured, Postgres (PGlite unless DATABASE_URL), the change-feed
 * relay, one poller per consumer invoking the same Lambda handlers AWS runs, and the API.
 * State persists under the configured data folder.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve } from "@hono/node-server";
import { ensureApiKeyTable } from "@jobledger/core/adapters/auth/dynamodb-api-key-store";
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import { ensureEventStoreTable } from "@jobledger/core/adapters/dynamodb/event-store-table";
import { ensureParkedRecordsTable } from "@jobledger/core/adapters/dynamodb/parked-record-store";
import { ensureHostRateLimitTable } from "@jobledger/core/adapters/http/host-rate-limit";
import { ensureIdempotencyTable } from "@jobledger/core/adapters/idempotency/dynamodb-idempotency-store";
import {
  DynamoCheckpointStore,
  ensureCheckpointTable,
} from "@jobledger/core/adapters/kinesis/checkpoint-store";
import { KinesisPoller } from "@jobledger/core/adapters/kinesis/poller";
import { ensureStream } from "@jobledger/core/adapters/kinesis/stream";
import { type StandIn, startDynalite, startKinesalite } from "@jobledger/core/adapters/local/standins";
import { migrateNotificationKeyCasing } from "@jobledger/core/adapters/notify/migrate-key-casing";
import { ensureNotificationsTable } from "@jobledger/core/adapters/notify/notify-table";
import {
  acquireFolderLock,
  type FolderLock,
  FolderLocked,
} from "@jobledger/core/adapters/postgres/folder-lock";
import { type AppConfig, loadConfig } from "@jobledger/core/config";
import { createLogger, type Logger } from "@jobledger/core/logging";
import { measureConsumerLag } from "@jobledger/core/observability/consumer-lag";
import { trackDependencies, watchDependencies } from "@jobledger/core/observability/dependency-watch";
import type { Clock } from "@jobledger/core/ports/clock";
import { createApi } from "../api/app.ts";
import { createServices, type Services } from "../wiring.ts";
import { prepareLocalNotifications } from "./smtp-sink.ts";
import { startKeptTestTarget, type TestTarget } from "./test-target.ts";

export interface LocalSystemOptions {
  env?: Record<string, string | undefined>;
  clock?: Clock;
  logger?: Logger;
}

export interface LocalSystem {
  config: AppConfig;
  /** where the API answers, e.g. http://127.0.0.1:3000 */
  url: string;
  services: Services;
  pollers: KinesisPoller[];
  /** the built-in HTTP target jobs may call (allow-listed), unless switched off */
  testTarget: TestTarget | null;
  /**
   * a token for the default tenant with the admin role, signed by the local issuer (null when
   * JOBLEDGER_JWKS_URL points at another issuer); also written to <dataDir>/dev-token
   */
  devToken: string | null;
  /** one scheduler pass now (the timer also runs them every `scheduler.tickMs`) */
  tick(): ReturnType<Services["scheduler"]["tick"]>;
  stop(): Promise<void>;
}

export async function startLocalSystem(options: LocalSystemOptions = {}): Promise<LocalSystem> {
  const config = loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger();
  await mkdir(config.dataDir, { recursive: true });
  const lock = await lockDataFolder(config.dataDir);

  const standIns: StandIn[] = [];
  let testTarget: TestTarget | null = null;
  const stopStandIns = async () => {
    await Promise.allSettled([...standIns.map((s) => s.close()), testTarget?.close()]);
    lock.release();
  };
  try {
    config.signing.masterKey ??= await localSigningMasterKey(config.dataDir);
    const smtpSink = await prepareLocalNotifications(config, logger);
    if (smtpSink) standIns.push(smtpSink);
    const devToken = await localAuth(config);
    if (config.testTarget) {
      testTarget = await startKeptTestTarget({
        dataDir: config.dataDir,
        port: config.testTarget.port,
        host: config.api.host === "0.0.0.0" ? "127.0.0.1" : config.api.host,
      });
      config.targets.allowList.push(testTarget.hostPort);
    }
    if (!config.dynamodb.endpoint) {
      const dynalite = await startDynalite({ path: path.join(config.dataDir, "dynamodb") });
      standIns.push(dynalite);
      config.dynamodb.endpoint = dynalite.endpoint;
    }
    if (!config.kinesis.endpoint) {
      const kinesalite = await startKinesalite({ path: path.join(config.dataDir, "kinesis") });
      standIns.push(kinesalite);
      config.kinesis.endpoint = kinesalite.endpoint;
    }
    const pollers: KinesisPoller[] = [];
    const services = await createServices(config, {
      clock: options.clock,
      logger,
      onPublished: () => {
        for (const poller of pollers) poller.wake();
      },
    });
    await Promise.all([
      ensureEventStoreTable(services.dynamo.client, config.dynamodb.eventsTable),
      ensureIdempotencyTable(services.dynamo.client, config.dynamodb.idempotencyTable),
      ensureApiKeyTable(services.dynamo.client, config.dynamodb.apiKeysTable),
      ensureCheckpointTable(services.dynamo.client, config.dynamodb.checkpointsTable),
      ensureHostRateLimitTable(services.dynamo.client, config.dynamodb.hostRateLimitTable),
      ensureNotificationsTable(services.dynamo.client, config.dynamodb.notificationsTable),
      ensureParkedRecordsTable(services.dynamo.client, config.dynamodb.parkedRecordsTable),
      ensureStream(services.kinesis, config.kinesis.streamName, config.kinesis.shardCount),
    ]);
    // notification keys keep their case now; items written before are moved (once)
    await migrateNotificationKeyCasing({
      doc: services.dynamo.doc,
      tableName: config.dynamodb.notificationsTable,
    });
    await services.relay?.start();

    const checkpoints = new DynamoCheckpointStore(services.dynamo.doc, config.dynamodb.checkpointsTable);
    for (const consumer of services.consumers) {
      pollers.push(
        new KinesisPoller({
          kinesis: services.kinesis,
          streamName: config.kinesis.streamName,
          consumerName: consumer.name,
          handler: consumer.handler,
          checkpoints,
          region: config.region,
          logger: logger.child({ component: "poller", consumer: consumer.name }),
        }),
      );
    }
    await Promise.all(pollers.map((p) => p.start()));
    services.api.observability = {
      scheduleLag: services.api.observability?.scheduleLag ?? null,
      consumerLag: () =>
        measureConsumerLag({
          kinesis: services.kinesis,
          streamName: config.kinesis.streamName,
          checkpoints,
          consumers: services.consumers.map((c) => c.name),
        }),
    };
    // `/ready` answers from the watch's passes (see dependency-watch.ts)
    services.api.dependencyTracker = trackDependencies(services.api.readiness);
    const dependencyWatch = watchDependencies(services.api.readiness, {
      everyMs: 5000,
      logger: logger.child({ component: "dependencies" }),
      tracker: services.api.dependencyTracker,
    });

    const tick = () => services.scheduler.tick();
    const ticker = startTicker(tick, config.scheduler.tickMs, logger.child({ component: "scheduler" }));

    const app = createApi(services.api);
    const server = serve({ fetch: app.fetch, port: config.api.port, hostname: config.api.host });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
    const port = (server.address() as AddressInfo).port;
    const url = `http://${config.api.host === "0.0.0.0" ? "localhost" : config.api.host}:${port}`;
    // the CLI finds the API here (cli/api-client.ts), as it finds the dev token
    await writeFile(path.join(config.dataDir, "api-url"), `${url}\n`);

    let stopping: Promise<void> | undefined;
    return {
      config,
      url,
      services,
      pollers,
      testTarget,
      devToken,
      tick,
      stop() {
        stopping ??= (async () => {
          await ticker.stop();
          await dependencyWatch.stop();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await Promise.all(pollers.map((p) => p.stop()));
          await services.close();
          await stopStandIns();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopStandIns();
    throw error;
  }
}

/**
 * One local system per data folder: the embedded stores cannot be shared. A process that is
 * still shutting down gets a few seconds to let go before this start gives up.
 */
async function lockDataFolder(dataDir: string, waitMs = 15_000): Promise<FolderLock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return acquireFolderLock(path.join(dataDir, "runtime"));
    } catch (error) {
      if (!(error instanceof FolderLocked) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * The scheduler tick on a timer: one pass at a time (a slow pass delays the next instead of
 * overlapping it). On AWS an EventBridge schedule invokes the same tick.
 */
function startTicker(
  tick: () => Promise<unknown>,
  everyMs: number,
  logger: Logger,
): { stop(): Promise<void> } {
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    current = tick()
      .catch((error) => logger.error({ err: error }, "scheduler tick failed"))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, everyMs);
      });
  };
  timer = setTimeout(loop, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

/**
 * Locally the runtime is its own token issuer (unless JOBLEDGER_JWKS_URL names another): its
 * key pair lives in <dataDir>/auth/, its public key verifies tokens, and a year-long token for
 * the default tenant is written to <dataDir>/dev-token. Whoever starts the local system runs the
 * platform, so the token's role is `operator` (ADR 0012): admin in its tenant, and the System
 * page's system-wide figures (consumer lag, throughput, every tenant's parked records).
 */
async function localAuth(config: AppConfig): Promise<string | null> {
  if (config.auth.jwksUrl) return null;
  const issuer = await localIssuer(config.dataDir);
  config.auth.localJwks = issuer.jwks as { keys: Record<string, unknown>[] };
  config.auth.issuer = issuer.issuer;
  config.auth.audience = issuer.audience;
  const token = await issuer.mint({
    tenant: config.defaultTenant,
    role: "operator",
    subject: "dev",
    ttlSeconds: 365 * 86400,
  });
  await writeFile(path.join(config.dataDir, "dev-token"), `${token}\n`, { mode: 0o600 });
  return token;
}

/** The local master key for request signatures: made once, kept in the data folder. */
async function localSigningMasterKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, "signing-master-key");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32).toString("base64url");
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  return key;
}
