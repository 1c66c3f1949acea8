/**
 * `jobledger jobs list|get|create|update|pause|resume|delete|trigger`: jobs through the HTTP API
 * of a running system (README, "Command line"), printed as a table or, with `--json`, as the
 * API's JSON. `create -f job.json` sends the file as the body of `POST /v1/jobs`; `update -f`
 * sends it as a JSON Merge Patch (`PATCH /v1/jobs/{id}`); `-f -` reads stdin.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type ApiOptions, apiClient, withApiOptions } from "../api-client.ts";
import { type Column, formatFields, formatTable, print, printJson } from "../output.ts";
import { CliError } from "../program.ts";

/** The fields of a job the CLI shows (the API's `Job`, which has more). */
export interface JobView {
  id: string;
  name: string;
  status: string;
  version: number;
  description?: string | null;
  tags?: string[];
  request: { method: string; url: string; timeoutMs?: number };
  schedule:
    | { type: "cron"; expression: string; timezone: string }
    | { type: "rate"; everySeconds: number }
    | { type: "once"; at: string };
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

type Json = ApiOptions & { json?: boolean };

export function scheduleText(schedule: JobView["schedule"]): string {
  switch (schedule.type) {
    case "cron":
      return `cron ${schedule.expression} (${schedule.timezone})`;
    case "rate":
      return `every ${schedule.everySeconds} s`;
    case "once":
      return `once at ${schedule.at}`;
    default:
      return JSON.stringify(schedule);
  }
}

const JOB_COLUMNS: Column<JobView>[] = [
  { header: "ID", value: (j) => j.id },
  { header: "NAME", value: (j) => j.name },
  { header: "STATUS", value: (j) => j.status },
  { header: "SCHEDULE", value: (j) => scheduleText(j.schedule) },
  { header: "REQUEST", value: (j) => `${j.request.method} ${j.request.url}` },
  { header: "VERSION", value: (j) => j.version },
];

function jobFields(job: JobView): string {
  return formatFields([
    ["id", job.id],
    ["name", job.name],
    ["status", job.status],
    ["schedule", scheduleText(job.schedule)],
    ["request", `${job.request.method} ${job.request.url}`],
    ["tags", job.tags?.join(", ")],
    ["version", job.version],
    ["created", job.createdAt],
    ["updated", `${job.updatedAt} by ${job.updatedBy}`],
  ]);
}

/** The JSON of `-f FILE` (`-` = stdin), or a CliError naming what is wrong with it. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file === "-" ? "stdin" : file} is not JSON: ${(error as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const ifMatch = (version: string | undefined): Record<string, string> => {
  if (version === undefined) return {};
  if (!/^\d+$/.test(version)) throw new CliError(`--if-version "${version}" is not a version number`);
  return { "if-match": `"${version}"` };
};

const jobRoute = (id: string, rest = "") => `/v1/jobs/${encodeURIComponent(id)}${rest}`;

export function register(program: Command): void {
  const jobs = program.command("jobs").description("list, define, change and run jobs (through the API)");

  withApiOptions(jobs.command("list").description("the tenant's jobs, newest first"))
    .option("--status <status>", "active or paused")
    .option("--tag <tag>", "only jobs with this tag")
    .option("--search <text>", "name contains (case-insensitive)")
    .option("--limit <n>", "at most this many (1-200)", "50")
    .option("--cursor <cursor>", "the next page (printed after a full page)")
    .option("--json", "print the API's JSON")
    .action(
      async (
        options: Json & { status?: string; tag?: string; search?: string; limit: string; cursor?: string },
      ) => {
        const query = new URLSearchParams({ limit: options.limit });
        if (options.status) query.set("status", options.status);
        if (options.tag) query.set("tag", options.tag);
        if (options.search) query.set("q", options.search);
        if (options.cursor) query.set("cursor", options.cursor);
        const page = await (await apiClient(options)).request<{
          items: JobView[];
          nextCursor: string | null;
        }>("GET", `/v1/jobs?${query}`);
        if (options.json) return printJson(page);
        print(formatTable(JOB_COLUMNS, page.items, "no jobs"));
        if (page.nextCursor) print(`more: --cursor ${page.nextCursor}\n`);
      },
    );

  withApiOptions(jobs.command("get").argument("<id>", "job id").description("one job"))
    .option("--json", "print the API's JSON (the whole definition)")
    .action(async (id: string, options: Json) => {
      const job = await (await apiClient(options)).request<JobView>("GET", jobRoute(id));
      if (options.json) return printJson(job);
      print(jobFields(job));
    });

  withApiOptions(
    jobs.command("create").description("define a job from a JSON file (the body of POST /v1/jobs)"),
  )
    .requiredOption("-f, --file <file>", "the job definition (JSON; - reads stdin)")
    .option("--json", "print the API's JSON")
    .action(async (options: Json & { file: string }) => {
      const body = await readJsonFile(options.file);
      const job = await (await apiClient(options)).request<JobView>("POST", "/v1/jobs", body);
      if (options.json) return printJson(job);
      print(`created job ${job.id} (${job.name}, version ${job.version})\n`);
    });

  withApiOptions(
    jobs
      .command("update")
      .argument("<id>", "job id")
      .description("change a job with a JSON Merge Patch from a file (fields left out stay)"),
  )
    .requiredOption("-f, --file <file>", "the patch (JSON; - reads stdin)")
    .option("--if-version <version>", "only if the job is still at this version (If-Match)")
    .option("--json", "print the API's JSON")
    .action(async (id: string, options: Json & { file: string; ifVersion?: string }) => {
      const body = await readJsonFile(options.file);
      const headers = ifMatch(options.ifVersion);
      const job = await (await apiClient(options)).request<JobView>("PATCH", jobRoute(id), body, headers);
      if (options.json) return printJson(job);
      print(`updated job ${job.id} (version ${job.version})\n`);
    });

  for (const action of ["pause", "resume"] as const) {
    const command = jobs
      .command(action)
      .argument("<id>", "job id")
      .description(action === "pause" ? "stop a job from firing" : "let a paused job fire again");
    if (action === "pause") command.option("--reason <text>", "why (kept in the job's history)");
    withApiOptions(command)
      .option("--if-version <version>", "only if the job is still at this version (If-Match)")
      .option("--json", "print the API's JSON")
      .action(async (id: string, options: Json & { reason?: string; ifVersion?: string }) => {
        const body = options.reason ? { reason: options.reason } : undefined;
        const job = await (await apiClient(options)).request<JobView>(
          "POST",
          jobRoute(id, `/${action}`),
          body,
          ifMatch(options.ifVersion),
        );
        if (options.json) return printJson(job);
        print(`${action === "pause" ? "paused" : "resumed"} job ${job.id} (version ${job.version})\n`);
      });
  }

  withApiOptions(
    jobs.command("delete").argument("<id>", "job id").description("delete a job (its history stays)"),
  )
    .option("--if-version <version>", "only if the job is still at this version (If-Match)")
    .option("--json", "print the API's JSON")
    .action(async (id: string, options: Json & { ifVersion?: string }) => {
      const answer = await (await apiClient(options)).request<unknown>(
        "DELETE",
        jobRoute(id),
        undefined,
        ifMatch(options.ifVersion),
      );
      if (options.json) return printJson(answer ?? { id, deleted: true });
      print(`deleted job ${id}\n`);
    });

  withApiOptions(
    jobs.command("trigger").argument("<id>", "job id").description("run a job now, outside its schedule"),
  )
    .option("--body <text>", "send this request body instead of the job's")
    .option("--json", "print the API's JSON")
    .action(async (id: string, options: Json & { body?: string }) => {
      const run = await (await apiClient(options)).request<{ runId: string; status: string }>(
        "POST",
        jobRoute(id, "/runs"),
        options.body === undefined ? {} : { body: options.body },
      );
      if (options.json) return printJson(run);
      print(`queued run ${run.runId} of job ${id} (jobledger runs get ${run.runId})\n`);
    });
}
