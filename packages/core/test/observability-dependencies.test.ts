/**
 * The dependency watch of the local runtime: one line when a dependency goes down, one when
 * it recovers, nothing while its state does not change; each status with its latency.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logging.ts";
import { watchDependencies } from "../src/observability/dependency-watch.ts";

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
      const down = await watch.checkNow();
      expect(down[1]).toMatchObject({ name: "redis", status: "down", error: "ECONNREFUSED 127.0.0.1:6379" });
      await watch.checkNow(); // still down: no second line
      redisUp = true;
      await watch.checkNow();
      await watch.checkNow();

      expect(lines.map((l) => [l.level, l.dependency])).toEqual([
        ["ERROR", "redis"],
        ["INFO", "redis"],
      ]);
      expect(lines[0]?.message).toBe("dependency redis is DOWN: ECONNREFUSED 127.0.0.1:6379");
      expect(lines[1]?.message).toMatch(/^dependency redis is back UP after \d+ s$/);
    } finally {
      await watch.stop();
    }
  });
});
