/** `npm start`: runs the local system until Ctrl-C and says where to open it. */
import { FolderLocked } from "@jobledger/core/adapters/postgres/folder-lock";
import { ConfigError, localConsolePort } from "@jobledger/core/config";
import { createLogger } from "@jobledger/core/logging";
import { startConsole } from "@jobledger/web";
import { startLocalSystem } from "./system.ts";

// The AWS SDK versions are pinned (STACK.md); its notice about future Node 22 releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const root = createLogger();
const logger = root.child({ component: "local" });

try {
  const system = await startLocalSystem({ logger: root });
  const { config, url } = system;
  const lines = [
    "",
    "Jobledger is running.",
    `  API            ${url}/v1/jobs`,
    `  API reference  ${url}/reference   (OpenAPI: ${url}/openapi.json)`,
    `  Health         ${url}/health  ${url}/ready`,
    ...(system.testTarget
      ? [
          `  Test target    ${system.testTarget.url}  (/ok, /status/500, /flaky/<key>?failures=2, /delay/<ms>)`,
        ]
      : []),
    `  Data folder    ${config.dataDir}`,
    ...(system.devToken
      ? [
          `  Dev token      tenant "${config.defaultTenant}", operator (also in ${config.dataDir}/dev-token):`,
          `    curl -H "Authorization: Bearer $(cat ${config.dataDir}/dev-token)" ${url}/v1/jobs`,
          `    ${system.devToken}`,
        ]
      : []),
    `  Postgres       ${config.postgres.url ? "DATABASE_URL" : `PGlite in ${config.postgres.pglitePath}`}`,
    `  Redis          ${
      system.services.liveReadModel
        ? `keys under ${config.redis.keyPrefix}:  (this data folder's own; JOBLEDGER_REDIS_PREFIX sets another)`
        : "off (queries are served from Postgres)"
    }`,
    ...(system.services.readModelFilled && !system.services.readModelRecreated
      ? [
          `  Read model     was empty (a new database): filled from the event store, ${system.services.readModelFilled.events} events`,
        ]
      : []),
    ...(system.services.readModelRecreated
      ? [
          `  !! The embedded Postgres could not be reopened (${system.services.readModelRecreated.reason}).`,
          `     It was moved to ${system.services.readModelRecreated.movedTo} and the read models were rebuilt from the event store.`,
        ]
      : []),
    "Press Ctrl-C to stop.",
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  logger.info({ url, dataDir: config.dataDir }, "local system started");

  let signals = 0;
  const shutdown = async (signal: string) => {
    if (++signals > 1) process.exit(1);
    logger.info({ signal }, "stopping");
    await system.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  // the web console (packages/web) beside the API; JOBLEDGER_CONSOLE=off skips it
  if (process.env.JOBLEDGER_CONSOLE !== "off") {
    try {
      const web = await startConsole({
        apiUrl: url,
        apiToken: system.devToken,
        dataDir: config.dataDir,
        port: localConsolePort(process.env),
        log: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(`Console: ${web.url}\n`);
    } catch (error) {
      process.stderr.write(`The console could not start (the API still runs): ${String(error)}\n`);
    }
  }
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`Configuration error: ${error.message}\n`);
  } else if (error instanceof FolderLocked) {
    process.stderr.write(
      `Another Jobledger is running on this data folder: ${error.message}.\n` +
        "Stop it, or start this one with JOBLEDGER_DATA_DIR set to another folder.\n",
    );
  } else if (error instanceof Error && "code" in error && error.code === "EADDRINUSE") {
    process.stderr.write(
      `The port is in use: ${error.message}. Set PORT to another port (PORT=3001 npm start).\n`,
    );
  } else {
    logger.fatal({ err: error }, "the local system could not start");
  }
  process.exit(1);
}
