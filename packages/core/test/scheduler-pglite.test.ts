/**
 * The scheduler tick and the runner on PGlite (the local runtime's embedded Postgres, one
 * connection): a job every minute is queued, executed against a local target and finished,
 * and a run whose target fails is retried, all through the same code as on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firesOf, type Harness, startHarness } from "./scheduler-harness.ts";
import { withPglite } from "./support/postgres.ts";
import { TargetServer } from "./support/target-server.ts";

const db = withPglite();
let h: Harness;
let target: TargetServer;

beforeAll(async () => {
  h = await startHarness({ db, start: new Date("2026-10-01T12:00:00.000Z") });
  target = await TargetServer.start();
});
afterAll(async () => {
  await target?.close();
  await h?.close();
});

describe("on PGlite", () => {
  it("queues, runs and retries a job every minute", async () => {
    target.script("/pglite", (_request, index) => (index === 1 ? { status: 500 } : { status: 200 }));
    const ctx = h.context();
    await h.createJob(ctx, {
      schedule: { type: "cron", expression: "* * * * *", timezone: "UTC" },
      request: { method: "GET", url: target.url("/pglite"), headers: {}, body: null, timeoutMs: 2_000 },
      retry: { maxAttempts: 3, initialDelayMs: 1_000, maxDelayMs: 1_000, multiplier: 1, retryOn: ["5xx"] },
    });
    const runner = h.newRunner();
    for (let i = 0; i < 12; i++) {
      h.clock.advance(15_000);
      await h.newScheduler().tick();
      await h.settle(runner);
    }
    expect(firesOf(h.eventsOf(ctx.tenant, "RunQueued"))).toEqual([
      "2026-10-01T12:01:00.000Z",
      "2026-10-01T12:02:00.000Z",
      "2026-10-01T12:03:00.000Z",
    ]);
    expect(h.eventsOf(ctx.tenant, "RunQueued").filter((e) => e.data.trigger === "retry")).toHaveLength(1);
    expect(h.eventsOf(ctx.tenant, "RunSucceeded")).toHaveLength(3);
    expect(target.requests("/pglite")).toHaveLength(4);
    const { rows } = await db.pool.query(
      "SELECT status, count(*)::int AS n FROM runs WHERE tenant = $1 GROUP BY status",
      [ctx.tenant],
    );
    expect(rows).toEqual([{ status: "succeeded", n: 3 }]);
  });
});
