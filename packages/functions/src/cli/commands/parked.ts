/**
 * `jobledger parked list|retry`: change records a consumer could not handle (docs/runbook.md),
 * through the API of a running system (admin credentials).
 */
import type { ParkedStream } from "@jobledger/core/ports/parked-records";
import type { Command } from "commander";
import { type ApiOptions, apiClient, withApiOptions } from "../api-client.ts";
import { CliError } from "../program.ts";

interface RetryResult {
  consumer: string;
  streamId: string;
  status: "released" | "failed" | "not-parked";
  applied?: number;
  error?: { name: string; message: string };
}

type Output = ApiOptions & { json?: boolean };

export function register(program: Command): void {
  const parked = program
    .command("parked")
    .description("change records a consumer could not handle: their streams wait until retried");
  withApiOptions(parked.command("list").description("list the tenant's parked streams"))
    .option("--json", "print JSON")
    .action(async (options: Output) => {
      const { items } = await (await apiClient(options)).request<{ items: ParkedStream[] }>(
        "GET",
        "/v1/system/parked",
      );
      if (options.json) return void process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
      if (items.length === 0) return void process.stdout.write("nothing is parked\n");
      for (const p of items) {
        process.stdout.write(
          `${p.consumer}  ${p.streamId}  versions ${p.fromVersion}-${p.toVersion}  since ${p.parkedAt}  tries ${p.tries}\n` +
            `    ${p.error.name}${p.error.code ? ` (${p.error.code})` : ""}: ${p.error.message}\n`,
        );
      }
    });
  withApiOptions(
    parked
      .command("retry")
      .description("apply parked streams again after a fix (all of the tenant's, or those chosen)"),
  )
    .option("--consumer <name>", "only this consumer's entries")
    .option("--stream <streamId>", "only this stream")
    .option("--json", "print JSON")
    .action(async (options: Output & { consumer?: string; stream?: string }) => {
      const body = {
        ...(options.consumer ? { consumer: options.consumer } : {}),
        ...(options.stream ? { streamId: options.stream } : {}),
      };
      const { results } = await (await apiClient(options)).request<{ results: RetryResult[] }>(
        "POST",
        "/v1/system/parked/retry",
        body,
      );
      if (options.json) return void process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      if (results.length === 0) process.stdout.write("nothing to retry\n");
      for (const r of results) {
        const what =
          r.status === "released"
            ? `released (${r.applied} events applied)`
            : r.status === "failed"
              ? `still parked: ${r.error?.name}: ${r.error?.message}`
              : "was no longer parked";
        process.stdout.write(`${r.consumer}  ${r.streamId}  ${what}\n`);
      }
      const failed = results.filter((r) => r.status === "failed").length;
      if (failed > 0) throw new CliError(`${failed} parked stream(s) failed again and stay parked`);
    });
}
