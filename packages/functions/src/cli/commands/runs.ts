/**
 * `jobledger runs list|get|cancel` and `jobledger dead-letters list|redrive`: runs through the
 * HTTP API of a running system (README, "Command line"), as a table or, with `--json`, as the
 * API's JSON. `dead-letters redrive --dry-run` lists what would be queued again.
 */
import type { Command } from "commander";
import { type ApiOptions, apiClient, withApiOptions } from "../api-client.ts";
import { type Column, formatFields, formatTable, print, printJson } from "../output.ts";
import { CliError } from "../program.ts";

/** The fields of a run the CLI shows (the API's `RunSummary`/`Run`, which have more). */
export interface RunView {
  runId: string;
  jobId: string;
  status: string;
  trigger: string;
  scheduledFor: string | null;
  attempt: number;
  lastStatusCode: number | null;
  lastErrorClass: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  finishedAt: string | null;
  version: number;
}

type Json = ApiOptions & { json?: boolean };
type Page = { items: RunView[]; nextCursor: string | null };

const outcome = (r: RunView) =>
  r.lastStatusCode !== null ? `HTTP ${r.lastStatusCode}` : (r.lastErrorClass ?? r.lastError ?? null);

const RUN_COLUMNS: Column<RunView>[] = [
  { header: "RUN", value: (r) => r.runId },
  { header: "JOB", value: (r) => r.jobId },
  { header: "STATUS", value: (r) => r.status },
  { header: "TRIGGER", value: (r) => r.trigger },
  { header: "ATTEMPT", value: (r) => r.attempt },
  { header: "LAST", value: outcome },
  { header: "CREATED", value: (r) => r.createdAt },
  { header: "FINISHED", value: (r) => r.finishedAt },
];

const runRoute = (id: string, rest = "") => `/v1/runs/${encodeURIComponent(id)}${rest}`;

function printPage(page: Page, json: boolean | undefined, empty: string): void {
  if (json) {
    printJson(page);
    return;
  }
  print(formatTable(RUN_COLUMNS, page.items, empty));
  if (page.nextCursor) print(`more: --cursor ${page.nextCursor}\n`);
}

export function register(program: Command): void {
  const runs = program.command("runs").description("list, show and cancel runs (through the API)");

  withApiOptions(runs.command("list").description("the tenant's runs, newest first"))
    .option("--job <id>", "only this job's runs")
    .option(
      "--status <status>",
      "queued, running, retry-scheduled, succeeded, dead-lettered, cancelled, skipped",
    )
    .option("--from <instant>", "created at or after (ISO instant)")
    .option("--to <instant>", "created before (ISO instant)")
    .option("--limit <n>", "at most this many (1-200)", "50")
    .option("--cursor <cursor>", "the next page (printed after a full page)")
    .option("--json", "print the API's JSON")
    .action(
      async (
        options: Json & {
          job?: string;
          status?: string;
          from?: string;
          to?: string;
          limit: string;
          cursor?: string;
        },
      ) => {
        const query = new URLSearchParams({ limit: options.limit });
        if (options.job) query.set("jobId", options.job);
        if (options.status) query.set("status", options.status);
        if (options.from) query.set("from", options.from);
        if (options.to) query.set("to", options.to);
        if (options.cursor) query.set("cursor", options.cursor);
        const page = await (await apiClient(options)).request<Page>("GET", `/v1/runs?${query}`);
        printPage(page, options.json, "no runs");
      },
    );

  withApiOptions(runs.command("get").argument("<id>", "run id").description("one run with its attempts"))
    .option("--json", "print the API's JSON")
    .action(async (id: string, options: Json) => {
      const run = await (await apiClient(options)).request<
        RunView & { attempts?: { attempt: number; outcome?: string; statusCode?: number | null }[] }
      >("GET", runRoute(id));
      if (options.json) return printJson(run);
      print(
        formatFields([
          ["run", run.runId],
          ["job", run.jobId],
          ["status", run.status],
          ["trigger", run.trigger],
          ["scheduled for", run.scheduledFor],
          ["attempts", run.attempt],
          ["last outcome", outcome(run)],
          ["last error", run.lastError],
          ["next attempt", run.nextAttemptAt],
          ["created", run.createdAt],
          ["finished", run.finishedAt],
        ]),
      );
    });

  withApiOptions(
    runs.command("cancel").argument("<id>", "run id").description("cancel a run that has not finished"),
  )
    .option("--reason <text>", "why (kept in the run's history)")
    .option("--json", "print the API's JSON")
    .action(async (id: string, options: Json & { reason?: string }) => {
      const result = await (await apiClient(options)).request<{ runId: string; status: string }>(
        "POST",
        runRoute(id, "/cancel"),
        options.reason ? { reason: options.reason } : {},
      );
      if (options.json) return printJson(result);
      print(`run ${result.runId} is ${result.status}\n`);
    });

  const deadLetters = program
    .command("dead-letters")
    .description("runs that failed for good: list them, queue them again (through the API)");

  withApiOptions(deadLetters.command("list").description("the tenant's dead-lettered runs"))
    .option("--job <id>", "only this job's")
    .option("--limit <n>", "at most this many (1-200)", "50")
    .option("--cursor <cursor>", "the next page (printed after a full page)")
    .option("--json", "print the API's JSON")
    .action(async (options: Json & { job?: string; limit: string; cursor?: string }) => {
      const query = new URLSearchParams({ limit: options.limit });
      if (options.job) query.set("jobId", options.job);
      if (options.cursor) query.set("cursor", options.cursor);
      const page = await (await apiClient(options)).request<Page>("GET", `/v1/dead-letters?${query}`);
      printPage(page, options.json, "no dead letters");
    });

  withApiOptions(
    deadLetters
      .command("redrive")
      .description("queue dead-lettered runs again with a fresh retry budget (a job's, or those named)"),
  )
    .option("--job <id>", "the dead letters of this job")
    .option("--run <ids...>", "exactly these runs")
    .option("--limit <n>", "at most this many (1-1000)", "100")
    .option("--reason <text>", "why (kept in each run's history)")
    .option("--dry-run", "only list the runs that would be queued again")
    .option("--json", "print the API's JSON")
    .action(
      async (
        options: Json & { job?: string; run?: string[]; limit: string; reason?: string; dryRun?: boolean },
      ) => {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new CliError("--limit must be a positive integer");
        const result = await (await apiClient(options)).request<{
          dryRun: boolean;
          selected: string[];
          redriven: string[];
          failed: { runId: string; type: string; detail: string }[];
        }>("POST", "/v1/dead-letters/redrive", {
          ...(options.run ? { runIds: options.run } : {}),
          ...(options.job ? { jobId: options.job } : {}),
          limit,
          dryRun: options.dryRun === true,
          ...(options.reason ? { reason: options.reason } : {}),
        });
        if (options.json) printJson(result);
        else if (result.dryRun) {
          print(
            result.selected.length === 0
              ? "no dead letters to redrive\n"
              : `would redrive ${result.selected.length} run(s):\n${result.selected.map((id) => `  ${id}\n`).join("")}`,
          );
        } else {
          print(`redrove ${result.redriven.length} run(s)\n`);
          for (const id of result.redriven) print(`  ${id}\n`);
          for (const f of result.failed) print(`  ${f.runId} not redriven: ${f.detail}\n`);
        }
        if (result.failed.length > 0)
          throw new CliError(`${result.failed.length} run(s) could not be redriven`);
      },
    );
}
