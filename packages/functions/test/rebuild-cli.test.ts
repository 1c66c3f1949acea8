/** `jobledger replay` refuses what it cannot do, with a clear message (exit status 2). */
import { describe, expect, it } from "vitest";
import { runReplay } from "../src/cli/commands/replay.ts";
import { CliError } from "../src/cli/program.ts";

describe("replay CLI", () => {
  it("names the projections not wired yet", async () => {
    const attempt = runReplay({ projection: "redis", schema: "public" }, { DATABASE_URL: "postgres://x" });
    await expect(attempt).rejects.toBeInstanceOf(CliError);
    await expect(attempt).rejects.toThrow(/redis is not available yet/);
  });

  it("asks for DATABASE_URL instead of touching the embedded database", async () => {
    await expect(runReplay({ projection: "postgres", schema: "public" }, {})).rejects.toThrow(/DATABASE_URL/);
  });
});
