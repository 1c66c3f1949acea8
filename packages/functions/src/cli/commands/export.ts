/**
 * `jobledger export`: a job's or a tenant's events as JSON Lines on stdout, read straight from
 * the event store (constant memory: one page at a time, stdout back-pressure respected).
 *
 * Which event store: `DYNAMODB_ENDPOINT` (or AWS) when configured. Otherwise the local data
 * folder's embedded DynamoDB: the command takes the runtime's folder lock and starts dynalite
 * on `<dataDir>/dynamodb` itself. When the local runtime is running it holds that lock (the
 * embedded store cannot be shared), and the command says so: stop it, or export through its
 * API (`GET /v1/audit/export`).
 */
import { once } from "node:events";
import path from "node:path";
import type { Writable } from "node:stream";
import { DescribeTableCommand, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import { createDynamoClients, type StandIn, startDynalite } from "@jobledger/core/adapters/local/standins";
import {
  acquireFolderLock,
  type FolderLock,
  FolderLocked,
} from "@jobledger/core/adapters/postgres/folder-lock";
import { type ExportFilter, exportLines, ndjsonLine } from "@jobledger/core/application/audit/export";
import { type AppConfig, loadConfig } from "@jobledger/core/config";
import { createLogger } from "@jobledger/core/logging";
import type { Command } from "commander";
import { CliError } from "../program.ts";

export interface EventStoreAccess {
  config: AppConfig;
  store: DynamoEventStore;
  /** stops the stand-in this command started (if any) and releases the data folder */
  close(): Promise<void>;
}

/**
 * Opens the configured event store for a CLI command (see the module comment). Throws
 * CliError when the local runtime holds the data folder.
 */
export async function openEventStore(
  env: Record<string, string | undefined> = process.env,
): Promise<EventStoreAccess> {
  const config = loadConfig(env);
  let lock: FolderLock | null = null;
  let dynalite: StandIn | null = null;
  if (!config.dynamodb.endpoint && config.stage === "local") {
    try {
      lock = acquireFolderLock(path.join(config.dataDir, "runtime"));
    } catch (error) {
      if (error instanceof FolderLocked) {
        throw new CliError(
          `the local runtime is running on ${config.dataDir} and holds its embedded DynamoDB: ` +
            "stop it first, or use its API (GET /v1/audit/export), or set DYNAMODB_ENDPOINT",
        );
      }
      throw error;
    }
    try {
      dynalite = await startDynalite({ path: path.join(config.dataDir, "dynamodb") });
    } catch (error) {
      lock.release();
      throw error;
    }
    config.dynamodb.endpoint = dynalite.endpoint;
  }
  const dynamo = createDynamoClients({ endpoint: config.dynamodb.endpoint, region: config.region });
  try {
    await dynamo.client.send(new DescribeTableCommand({ TableName: config.dynamodb.eventsTable }));
  } catch (error) {
    dynamo.destroy();
    await dynalite?.close();
    lock?.release();
    if (error instanceof ResourceNotFoundException) {
      throw new CliError(
        `no event store table ${config.dynamodb.eventsTable}` +
          (dynalite
            ? ` in ${config.dataDir} (start the local system once: npm start)`
            : ` at ${config.dynamodb.endpoint ?? "AWS"}`),
      );
    }
    throw error;
  }
  const store = new DynamoEventStore({
    doc: dynamo.doc,
    tableName: config.dynamodb.eventsTable,
    // stdout carries the command's output (NDJSON, reports): the store's warnings go to stderr
    logger: createLogger("event-store", "warn", { destination: process.stderr }),
  });
  return {
    config,
    store,
    async close() {
      dynamo.destroy();
      await dynalite?.close();
      lock?.release();
    },
  };
}

export interface ExportOptions {
  job?: string;
  tenant?: string;
  from?: string;
  to?: string;
  type?: string[];
}

function instant(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new CliError(`--${name} "${value}" is not an ISO date or instant`);
  return date;
}

export function exportFilter(options: ExportOptions): ExportFilter {
  return {
    from: instant("from", options.from),
    to: instant("to", options.to),
    types: options.type
      ?.flatMap((t) => t.split(","))
      .map((t) => t.trim())
      .filter(Boolean),
  };
}

/** Writes the export to `out`; returns the number of lines written. */
export async function runExport(
  options: ExportOptions,
  out: Writable,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const filter = exportFilter(options);
  const access = await openEventStore(env);
  try {
    const tenant = options.tenant ?? access.config.defaultTenant;
    const scope = options.job ? { tenant, jobId: options.job } : { tenant };
    let count = 0;
    for await (const line of exportLines(access.store, scope, filter)) {
      if (!out.write(ndjsonLine(line))) await once(out, "drain");
      count++;
    }
    return count;
  } finally {
    await access.close();
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  program
    .command("export")
    .description("write events as JSON Lines to stdout (decoded, with schema version, actor, ids, hash)")
    .option("--job <id>", "only this job's stream")
    .option("--tenant <tenant>", "tenant (default: JOBLEDGER_DEFAULT_TENANT or default)")
    .option("--from <instant>", "events that occurred at or after this ISO instant")
    .option("--to <instant>", "events that occurred before this ISO instant")
    .option("--type <types>", "event types, comma-separated or repeated", collect)
    .action(async (options: ExportOptions) => {
      const count = await runExport(options, process.stdout);
      process.stderr.write(`jobledger: exported ${count} events\n`);
    });
}
