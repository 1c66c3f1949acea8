/**
 * The fault suite, short: the whole local system as a child process, killed with SIGKILL three
 * times at random moments under load and restarted on the same data folder, then drained and
 * checked (bench/soak.ts; the full version is `npm run soak`, figures in docs/reliability.md).
 * It takes minutes, not seconds: four starts of the system, and a killed attempt is retried only
 * after its deadline (timeout + 30 s grace); the generous limit is for a loaded machine.
 */
import { describe, expect, it } from "vitest";
import { runSoak } from "../../../bench/soak.ts";

describe("kill -9 of the local system under load", () => {
  it("loses no run, starts no attempt twice, stays in the at-least-once window, and verifies clean", async () => {
    const lines: string[] = [];
    const figures = await runSoak({
      kills: 3,
      upMs: [1500, 3500],
      jobs: 3,
      everySeconds: 1,
      drainMs: 90_000,
      log: (line) => lines.push(line),
    });
    process.stderr.write(`${lines.at(-1) ?? ""}\n`);
    expect(figures.runs).toBeGreaterThan(0);
    expect(figures.lostRuns).toEqual([]);
    expect(figures.stuckRuns).toEqual([]);
    expect(figures.attemptsStartedTwice).toEqual([]);
    expect(figures.callsOutsideWindow).toEqual([]);
    expect(figures.readerMismatches).toEqual([]);
    expect(figures.verifyDifferences).toBe(0);
    expect(figures.rebuildDifferences).toEqual([]);
    // every call beyond a recorded outcome belongs to an attempt the watchdog timed out
    expect(figures.extraCalls.length).toBeLessThanOrEqual(figures.attemptsTimedOut);
    expect(figures.ok).toBe(true);
  }, 600_000);
});
