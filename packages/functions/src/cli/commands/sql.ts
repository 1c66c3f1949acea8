/**
 * `jobledger sql [query]` (`npm run sql -- "SELECT ..."`): SQL over the local lake with DuckDB,
 * printed as a table. Without a query: an interactive prompt (a statement ends with `;`,
 * `.exit` leaves). `events` and `runs` are views over every tenant's Parquet files.
 */
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { createDuckDbEngine } from "@jobledger/core/adapters/analytics/duckdb-engine";
import { loadConfig } from "@jobledger/core/config";
import type { AnalyticsEngine, AnalyticsRow } from "@jobledger/core/ports/analytics-engine";
import type { Command } from "commander";
import { CliError } from "../program.ts";

/** Rows as an aligned text table with a header rule and a row count. */
export function formatTable(columns: string[], rows: AnalyticsRow[]): string {
  const cell = (v: AnalyticsRow[string] | undefined) => (v === null || v === undefined ? "NULL" : String(v));
  const widths = columns.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const line = (values: string[]) =>
    values
      .map((v, i) => fit(v, widths[i]!))
      .join(" | ")
      .trimEnd();
  return [
    line(columns),
    widths.map((w) => "-".repeat(w)).join("-+-"),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
    `(${rows.length} row${rows.length === 1 ? "" : "s"})`,
  ].join("\n");
}

async function runOne(engine: AnalyticsEngine, sql: string, out: NodeJS.WritableStream): Promise<void> {
  const result = await engine.query(sql);
  out.write(`${formatTable(result.columns, result.rows)}\n`);
}

async function repl(engine: AnalyticsEngine, lake: string): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  process.stdout.write(
    `DuckDB over ${lake} — tables: events, runs. End a statement with ';', .exit to leave.\n`,
  );
  let buffer = "";
  rl.setPrompt("sql> ");
  rl.prompt();
  for await (const input of rl) {
    const text = input.trim();
    if (buffer === "" && (text === ".exit" || text === ".quit")) break;
    buffer += (buffer ? "\n" : "") + input;
    if (text.endsWith(";")) {
      try {
        await runOne(engine, buffer.trim().replace(/;$/, ""), process.stdout);
      } catch (error) {
        process.stdout.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      }
      buffer = "";
    }
    rl.setPrompt(buffer ? "  -> " : "sql> ");
    rl.prompt();
  }
  rl.close();
}

export function register(program: Command): void {
  program
    .command("sql")
    .description("query the local analytics lake with SQL (DuckDB); no query: interactive")
    .argument("[query]", 'one SQL statement, e.g. "SELECT status, count(*) FROM runs GROUP BY 1"')
    .option("--lake <dir>", "lake folder (default <dataDir>/lake)")
    .action(async (query: string | undefined, options: { lake?: string }) => {
      const config = loadConfig();
      const lake = path.resolve(options.lake ?? path.join(config.lake.dir, config.lake.prefix));
      const engine = await createDuckDbEngine({ root: lake });
      try {
        if (query !== undefined) {
          try {
            await runOne(engine, query, process.stdout);
          } catch (error) {
            throw new CliError(error instanceof Error ? error.message : String(error));
          }
        } else {
          await repl(engine, lake);
        }
      } finally {
        await engine.close();
      }
    });
}
