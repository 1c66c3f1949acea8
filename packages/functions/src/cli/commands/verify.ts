/**
 * `jobledger verify [--tenant t]`: folds the event store afresh, checks every stream's hash
 * chain, and compares the Postgres read model (jobs, runs, schedules) with the fold. Prints
 * each difference; exit status 1 when there is any. Opens the event store like `export` (see
 * there: the local runtime must be stopped, or DYNAMODB_ENDPOINT/DATABASE_URL set).
 */
import { openDatabase } from "@jobledger/core/adapters/postgres/database";
import {
  postgresReadModelRows,
  readModelTenants,
} from "@jobledger/core/adapters/postgres/rebuild-read-model-rows";
import { type VerifyReport, verifyTenant } from "@jobledger/core/application/audit/verify";
import { createLogger } from "@jobledger/core/logging";
import type { Command } from "commander";
import { openEventStore } from "./export.ts";

export interface VerifyOptions {
  tenant?: string;
  json?: boolean;
}

/** Verifies the given tenant, or every tenant the read model knows plus the default one. */
export async function runVerify(
  options: VerifyOptions,
  env: Record<string, string | undefined> = process.env,
): Promise<VerifyReport[]> {
  const access = await openEventStore(env);
  try {
    const database = await openDatabase({
      url: access.config.postgres.url,
      pglitePath: access.config.postgres.pglitePath,
      logger: createLogger("postgres", "warn"),
    });
    try {
      const tenants = options.tenant
        ? [options.tenant]
        : [...new Set([access.config.defaultTenant, ...(await readModelTenants(database.pool))])];
      const rows = postgresReadModelRows(database.pool);
      const reports: VerifyReport[] = [];
      for (const tenant of tenants) reports.push(await verifyTenant(access.store, rows, tenant));
      return reports;
    } finally {
      await database.close();
    }
  } finally {
    await access.close();
  }
}

export function formatReport(report: VerifyReport): string {
  const head = `tenant ${report.tenant}: ${report.streams} streams, ${report.events} events, ${report.differences.length} differences`;
  const lines = report.differences.map((d) => {
    const values =
      "expected" in d || "actual" in d
        ? ` (event store: ${JSON.stringify(d.expected)}, read model: ${JSON.stringify(d.actual)})`
        : "";
    return `  ${d.kind} ${d.stream}: ${d.what}${values}`;
  });
  return [head, ...lines].join("\n");
}

export function register(program: Command): void {
  program
    .command("verify")
    .description(
      "check every stream's hash chain and compare the Postgres read model with a fresh fold; exit 1 on any difference",
    )
    .option("--tenant <tenant>", "only this tenant (default: every tenant in the read model)")
    .option("--json", "print the reports as JSON")
    .action(async (options: VerifyOptions) => {
      const reports = await runVerify(options);
      const text = options.json
        ? `${JSON.stringify(reports, null, 2)}\n`
        : `${reports.map(formatReport).join("\n")}\n`;
      await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
      // main.ts sets the exit status from runProgram (0 after a normal return): differences end here with 1
      if (reports.some((r) => r.differences.length > 0)) process.exit(1);
    });
}
