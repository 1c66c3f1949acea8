/** `jobledger replay` refuses what it cannot do, with a clear message (exit status 2). */
import { describe, expect, it } from "vitest";
import { runReplay, shadowLakePrefix } from "../src/cli/commands/replay.ts";
import { CliError } from "../src/cli/program.ts";

describe("replay CLI", () => {
  it("names the projections it knows", async () => {
    const attempt = runReplay({ projection: "elastic", schema: "public" }, { DATABASE_URL: "postgres://x" });
    await expect(attempt).rejects.toBeInstanceOf(CliError);
    await expect(attempt).rejects.toThrow(/elastic is unknown \(postgres, redis, lake\)/);
  });

  it("needs Redis for --projection redis", async () => {
    const attempt = runReplay({ projection: "redis", schema: "public" }, { REDIS_URL: "off" });
    await expect(attempt).rejects.toBeInstanceOf(CliError);
    await expect(attempt).rejects.toThrow(/needs REDIS_URL/);
  });

  it("derives the fresh lake prefix and refuses the live one or a path that leaves the lake", () => {
    expect(shadowLakePrefix("")).toBe("rebuild/");
    expect(shadowLakePrefix("lake-1/")).toBe("lake-1-rebuild/");
    expect(shadowLakePrefix("", "fresh")).toBe("fresh/");
    expect(() => shadowLakePrefix("lake-1/", "lake-1")).toThrow(CliError);
    expect(() => shadowLakePrefix("", "../elsewhere/")).toThrow(/letters, digits/);
  });

  it("asks for DATABASE_URL instead of touching the embedded database", async () => {
    await expect(runReplay({ projection: "postgres", schema: "public" }, {})).rejects.toThrow(/DATABASE_URL/);
  });
});
