/**
 * The `jobledger` command line: one commander program; each command lives in its own module
 * under `commands/` and is registered here. Errors a user can fix print one clear line and
 * exit with status 2; anything else exits with 1.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";

/** the version of the `@jobledger/functions` package this CLI is part of */
export const CLI_VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** A mistake the user can fix (bad option, unknown id): printed as one line, exit status 2. */
export class CliError extends Error {
  override name = "CliError";
}

export function createProgram(): Command {
  const program = new Command("jobledger")
    .description("Jobledger: schedules and runs HTTP jobs; every change and every run is an event")
    .version(CLI_VERSION, "-V, --version", "print the version")
    .showHelpAfterError()
    .exitOverride();
  return program;
}

/** Parses `argv` and runs the command; returns the process exit status. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      process.stderr.write(`jobledger: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(
      `jobledger: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
