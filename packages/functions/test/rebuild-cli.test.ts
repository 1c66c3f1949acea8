/** `jobledger replay` refuses what it cannot do, with a clear message (exit status 2). */
import { describe, expect, it } from "vitest";
import { parseInstant, runReplay, shadowLakePrefix } from "../src/cli/commands/replay.ts";
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

  it("reads ISO 8601 instants with a zone, and nothing else", () => {
    expect(parseInstant("to", "2026-11-23T12:00:00Z").toISOString()).toBe("2026-11-23T12:00:00.000Z");
    expect(parseInstant("to", "2026-11-23T13:30:00.25+01:30").toISOString()).toBe("2026-11-23T12:00:00.250Z");
    expect(parseInstant("to", "2026-11-23T07:00-05:00").toISOString()).toBe("2026-11-23T12:00:00.000Z");
    for (const bad of [
      "2026-11-23T12:00:00", // no zone: whose noon?
      "2026-11-23",
      "yesterday",
      "2026-02-30T12:00:00Z",
      "2026-11-23T24:00:00Z",
      "2026-11-23T12:00:00+25:00",
      "1700000000",
    ]) {
      expect(() => parseInstant("from", bad), bad).toThrow(CliError);
      expect(() => parseInstant("from", bad), bad).toThrow(
        `--from "${bad}" is not an ISO 8601 instant with a time zone`,
      );
    }
  });

  it("checks a range before opening anything: zone, order, --dry-run for --to and --keep, --from for postgres only", async () => {
    const cases: [Partial<Parameters<typeof runReplay>[0]>, RegExp][] = [
      [{ to: "2026-11-23 12:00" }, /--to "2026-11-23 12:00" is not an ISO 8601 instant with a time zone/],
      [
        { from: "2026-11-23T12:00:00Z", to: "2026-11-23T11:00:00Z", dryRun: true },
        /--from 2026-11-23T12:00:00Z must be before --to 2026-11-23T11:00:00Z/,
      ],
      [{ from: "2026-11-23T12:00:00Z", to: "2026-11-23T13:00:00+01:00", dryRun: true }, /must be before/],
      [
        { to: "2026-11-23T12:00:00Z" },
        /^a read model as of 2026-11-23T12:00:00.000Z cannot be switched live; add --dry-run to see what differs$/,
      ],
      [{ keep: true }, /--keep leaves the copy of a dry run in place: add --dry-run/],
      [
        { projection: "redis", from: "2026-11-23T12:00:00Z" },
        /--from \(repair\) is supported for --projection postgres only: redis/,
      ],
      [
        { projection: "lake", from: "2026-11-23T12:00:00Z", dryRun: true },
        /--from \(repair\) is supported for --projection postgres only: lake/,
      ],
    ];
    for (const [options, message] of cases) {
      // no DATABASE_URL / REDIS_URL: the range is refused before they are even looked for
      const attempt = runReplay(
        { projection: "postgres", schema: "public", ...options },
        { REDIS_URL: "off" },
      );
      await expect(attempt).rejects.toBeInstanceOf(CliError);
      await expect(attempt).rejects.toThrow(message);
    }
  });
});
