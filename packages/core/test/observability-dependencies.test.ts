/**
 * The dependency watch of the local runtime: one line when a dependency goes down, one when
 * it recovers, nothing while its state does not change; each status with its latency.
 * Readiness does not flap (issue 16, item 17): a slow answer is up, a dependency that answered
 * goes down after two failures in a row, and statuses come from the last pass while the next
 * one runs.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logging.ts";
import {
  type DependencyCheck,
  trackDependencies,
  watchDependencies,
} from "../src/observability/dependency-watch.ts";

describe("dependency watch", () => {
  it("says once when a dependency goes down and once when it is back", async () => {
    const lines: { level: string; message: string; dependency?: string }[] = [];
    const logger = createLogger("deps", "info", {
      destination: new Writable({
        write(chunk, _e, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    });
    let redisUp = true;
    const watch = watchDependencies(
      [
        { name: "postgres", check: async () => {} },
        {
          name: "redis",
          check: async () => {
            if (!redisUp) throw new Error("ECONNREFUSED 127.0.0.1:6379");
          },
        },
      ],
      { everyMs: 60_000, logger },
    );
    try {
      const first = await watch.checkNow();
      expect(first.map((s) => [s.name, s.status])).toEqual([
        ["postgres", "up"],
        ["redis", "up"],
      ]);
      expect(lines).toEqual([]);

      redisUp = false;
      const once = await watch.checkNow(); // one failure after answering: still up, a warning
      expect(once[1]).toMatchObject({ name: "redis", status: "up", failures: 1 });
      const down = await watch.checkNow();
      expect(down[1]).toMatchObject({ name: "redis", status: "down", error: "ECONNREFUSED 127.0.0.1:6379" });
      await watch.checkNow(); // still down: no second line
      redisUp = true;
      await watch.checkNow();
      await watch.checkNow();

      expect(lines.map((l) => [l.level, l.dependency])).toEqual([
        ["WARN", "redis"],
        ["ERROR", "redis"],
        ["INFO", "redis"],
      ]);
      expect(lines[0]?.message).toBe(
        "dependency redis failed a check (1 in a row): ECONNREFUSED 127.0.0.1:6379",
      );
      expect(lines[1]?.message).toBe("dependency redis is DOWN: ECONNREFUSED 127.0.0.1:6379");
      expect(lines[2]?.message).toMatch(/^dependency redis is back UP after \d+ s$/);
    } finally {
      await watch.stop();
    }
  });
});

/** a check that waits until the test lets it answer (or fail) */
function gated(name: string) {
  let release: (error?: Error) => void = () => {};
  const dep: DependencyCheck = {
    name,
    check: () =>
      new Promise<void>((resolve, reject) => {
        release = (error) => (error ? reject(error) : resolve());
      }),
  };
  return { dep, release: (error?: Error) => release(error) };
}

describe("dependency readiness", () => {
  it("keeps a dependency that is slow but answers up", async () => {
    const slow = gated("kinesis");
    const tracker = trackDependencies([slow.dep], { timeoutMs: 60_000 });
    const pass = tracker.checkNow();
    await new Promise((resolve) => setImmediate(resolve)); // busy: no answer yet
    slow.release();
    expect((await pass)[0]).toMatchObject({ name: "kinesis", status: "up", failures: 0 });
  });

  it("takes a dependency that answered down after two errors in a row, and up at its next answer", async () => {
    let failing = false;
    const tracker = trackDependencies([
      {
        name: "postgres",
        check: async () => {
          if (failing) throw new Error("ECONNREFUSED");
        },
      },
    ]);
    expect((await tracker.checkNow())[0]?.status).toBe("up");
    failing = true;
    expect((await tracker.checkNow())[0]).toMatchObject({ status: "up", failures: 1, error: "ECONNREFUSED" });
    expect((await tracker.checkNow())[0]).toMatchObject({
      status: "down",
      failures: 2,
      error: "ECONNREFUSED",
    });
    failing = false;
    expect((await tracker.checkNow())[0]).toMatchObject({ status: "up", failures: 0 });
  });

  it("counts a check with no answer within the timeout as a failure", async () => {
    const tracker = trackDependencies([{ name: "stuck", check: () => new Promise<void>(() => {}) }], {
      timeoutMs: 1,
    });
    expect((await tracker.checkNow())[0]).toMatchObject({ status: "down", error: "no answer within 1 ms" });
  });

  it("calls a dependency that never answered down at its first failure", async () => {
    const tracker = trackDependencies([{ name: "redis", check: () => Promise.reject(new Error("refused")) }]);
    expect((await tracker.statuses())[0]).toMatchObject({ status: "down", failures: 1 });
  });

  it("answers from the last pass while the next one is running, and checks one added since", async () => {
    const deps: DependencyCheck[] = [];
    const kinesis = gated("kinesis");
    let calls = 0;
    deps.push({
      name: "kinesis",
      check: () => {
        calls++;
        return calls === 2 ? kinesis.dep.check() : Promise.resolve();
      },
    });
    const tracker = trackDependencies(deps, { maxAgeMs: 0 });
    expect((await tracker.statuses())[0]?.status).toBe("up");
    const next = tracker.checkNow(); // the watch's pass, waiting on a busy stream
    // while it runs, statuses() answers at once from the last pass
    expect((await tracker.statuses()).map((s) => [s.name, s.status])).toEqual([["kinesis", "up"]]);
    kinesis.release(new Error("slow down"));
    expect((await next)[0]).toMatchObject({ status: "up", failures: 1 });

    deps.push({ name: "postgres", check: async () => {} });
    expect((await tracker.statuses()).map((s) => s.name)).toEqual(["kinesis", "postgres"]);
  });
});
