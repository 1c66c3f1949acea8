/**
 * `jobledger export`: a job's or a tenant's events as JSON Lines on stdout, read straight from
 * the event store (constant memory: one page at a time, stdout back-pressure respected).
 *
 * Which event store: `DYNAMODB_ENDPOINT` (or AWS) when configured. Otherwise the local data
 * folder's embedded DynamoDB: the command takes the runtime's folder lock and starts dynalite
 * on `<dataDir>/dynamodb` itself. When the local runtime is running it holds that lock (the
 * embedded store cannot be shared): commands that write say to stop it first; `export`, which
 * only reads, reads through its API instead (`GET /v1/audit/export`).
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
import { apiClient } from "../api-client.ts";
import { CliError } from "../program.ts";

export interface EventStoreAccess {
  config: AppConfig;
  store: DynamoEventStore;
  /** stops the stand-in this command started (if any) and releases the data folder */
  close(): Promise<void>;
}

/** The local system holds the data folder's embedded stores: the command says what to stop. */
export class LocalSystemRunning extends CliError {
  constructor(
    readonly dataDir: string,
    command: string,
  ) {
    super(
      `the local system is running on ${dataDir} and holds its embedded DynamoDB and Postgres: ` +
        `stop it first (Ctrl-C where npm start runs), then run ${command} again` +
        " (or point DYNAMODB_ENDPOINT and DATABASE_URL at servers that can be shared)",
    );
  }
}

/**
 * Opens the configured event store for a CLI command (see the module comment). Throws
 * LocalSystemRunning (a CliError) when the local runtime holds the data folder.
 */
export async function openEventStore(
  env: Record<string, string | undefined> = process.env,
  command = "this command",
): Promise<EventStoreAccess> {
  const config = loadConfig(env);
  let lock: FolderLock | null = null;
  let dynalite: StandIn | null = null;
  if (!config.dynamodb.endpoint && config.stage === "local") {
    try {
      lock = acquireFolderLock(path.join(config.dataDir, "runtime"));
    } catch (error) {
      if (error instanceof FolderLocked) throw new LocalSystemRunning(config.dataDir, command);
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

export interface ExportResult {
  lines: number;
  /** the reader went away (`export | head`): the export stopped there */
  closed: boolean;
  /** the local system was running: the export came through its API (the token's tenant) */
  throughApi: boolean;
}

/**
 * Writes the export to `out`. Beside a running local system (which holds the embedded event
 * store) it reads through the system's API instead (`GET /v1/audit/export`, the dev token's
 * tenant). A reader that goes away ends the export quietly.
 */
export async function runExport(
  options: ExportOptions,
  out: Writable,
  env: Record<string, string | undefined> = process.env,
): Promise<ExportResult> {
  const filter = exportFilter(options);
  let closed = false;
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") closed = true;
    else throw error;
  };
  out.on("error", onError);
  const write = async (text: string) => {
    if (closed) return;
    if (!out.write(text)) await once(out, "drain").catch(() => undefined);
  };
  try {
    let access: EventStoreAccess;
    try {
      access = await openEventStore(env, "export");
    } catch (error) {
      if (!(error instanceof LocalSystemRunning)) throw error;
      const viaApi = await exportThroughApi(options, error.dataDir, env, write, () => closed);
      return { ...viaApi, closed, throughApi: true };
    }
    try {
      const tenant = options.tenant ?? access.config.defaultTenant;
      const scope = options.job ? { tenant, jobId: options.job } : { tenant };
      let lines = 0;
      for await (const line of exportLines(access.store, scope, filter)) {
        if (closed) break;
        await write(ndjsonLine(line));
        lines++;
      }
      return { lines, closed, throughApi: false };
    } finally {
      await access.close();
    }
  } finally {
    out.off("error", onError);
  }
}

async function exportThroughApi(
  options: ExportOptions,
  dataDir: string,
  env: Record<string, string | undefined>,
  write: (text: string) => Promise<void>,
  closed: () => boolean,
): Promise<{ lines: number }> {
  const query = new URLSearchParams();
  if (options.from) query.set("from", options.from);
  if (options.to) query.set("to", options.to);
  const types = exportFilter(options).types;
  if (types?.length) query.set("type", types.join(","));
  const route = `${options.job ? `/v1/jobs/${encodeURIComponent(options.job)}/events/export` : "/v1/audit/export"}${
    query.size ? `?${query}` : ""
  }`;
  const api = await apiClient({ dataDir }, env);
  const response = await api.fetch("GET", route);
  if (options.tenant)
    process.stderr.write(`jobledger: through the API the token's tenant is exported (--tenant is ignored)\n`);
  let lines = 0;
  const decoder = new TextDecoder();
  let rest = "";
  const reader = response.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    if (closed()) {
      await reader.cancel();
      break;
    }
    const text = rest + decoder.decode(value, { stream: true });
    const end = text.lastIndexOf("\n") + 1;
    rest = text.slice(end);
    if (end === 0) continue;
    lines += text.slice(0, end).split("\n").length - 1;
    await write(text.slice(0, end));
  }
  if (rest && !closed()) {
    await write(rest);
    lines++;
  }
  return { lines };
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
      const result = await runExport(options, process.stdout);
      if (result.closed) return; // `export | head`: the reader has what it wanted
      process.stderr.write(
        `jobledger: exported ${result.lines} events${result.throughApi ? " (through the running system's API)" : ""}\n`,
      );
    });
}
