/**
 * The runner with the scheduler, on the real services (dynalite event store, the machine's
 * PostgreSQL, the real HTTP executor) against a scripted local target: retries until
 * success, Retry-After, timeouts, a runner killed mid-attempt (the watchdog), cancelling a
 * call in flight, two runners racing for one attempt, and the per-host rate limit.
 */
import type { HttpRequestSpec, RetryPolicy } from "@jobledger/events";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHttpExecutor } from "../src/adapters/http/executor.ts";
import {
  createDynamoHostRateLimiter,
  ensureHostRateLimitTable,
} from "../src/adapters/http/host-rate-limit.ts";
import { tenantSigningSecret, verifySignature } from "../src/adapters/http/signature.ts";
import type { CommandContext } from "../src/application/job-commands.ts";
import { parseTargetAllowList } from "../src/domain/job/target-policy.ts";
import { runIdFor } from "../src/domain/run/run-id.ts";
import { type Harness, MASTER_KEY, startHarness } from "./scheduler-harness.ts";
import { withPostgres } from "./support/postgres.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";
import { TargetServer } from "./support/target-server.ts";

const db = withPostgres();
let h: Harness;
let target: TargetServer;
let limiterDynamo: TestDynamo;

beforeAll(async () => {
  h = await startHarness({ db, start: new Date("2026-09-01T12:00:00.000Z") });
  target = await TargetServer.start();
  limiterDynamo = await withDynalite();
});
afterEach(() => h.retireJobs());
afterAll(async () => {
  await target?.close();
  await limiterDynamo?.close();
  await h?.close();
});

const retry = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxAttempts: 4,
  initialDelayMs: 10_000,
  maxDelayMs: 60_000,
  multiplier: 2,
  retryOn: ["network", "timeout", "429", "5xx"],
  ...overrides,
});

let day = 0;
/** A once-schedule job firing a minute after a fresh day's noon, calling `path` on the target. */
async function onceJob(path: string, options: { retry?: RetryPolicy; timeoutMs?: number } = {}) {
  day++;
  const start = new Date(Date.UTC(2026, 8, day, 12, 0));
  h.clock.set(start);
  const ctx = h.context();
  const fire = new Date(start.getTime() + 60_000);
  const request: HttpRequestSpec = {
    method: "POST",
    url: target.url(path),
    headers: { "x-job": path },
    body: `{"path":"${path}"}`,
    timeoutMs: options.timeoutMs ?? 5_000,
  };
  const jobId = await h.createJob(ctx, {
    schedule: { type: "once", at: fire.toISOString() },
    request,
    retry: options.retry ?? retry(),
  });
  return { ctx, jobId, fire, runId: runIdFor(jobId, fire), request };
}

async function runState(tenant: string, runId: string) {
  const { state } = await h.runCommands.loadRun(tenant, runId);
  if (!state) throw new Error(`run ${runId} not found`);
  return state;
}

const types = (tenant: string, runId: string) =>
  h.appended.filter((e) => e.streamId === `${tenant}/run/${runId}`).map((e) => e.type);

/** Moves the clock, ticks, and lets the projector and the runner work until quiet. */
async function tickAt(at: Date, runner = h.newRunner()) {
  h.clock.set(at);
  const report = await h.newScheduler().tick();
  await h.settle(runner);
  return report;
}

const later = (from: Date, ms: number) => new Date(from.getTime() + ms);

describe("retries", () => {
  it("retries a target that fails twice, then records success once, with one Idempotency-Key", async () => {
    target.script("/flaky", [{ status: 500 }, { status: 503, body: "busy" }, { status: 200, body: "done" }]);
    const { ctx, fire, runId, request } = await onceJob("/flaky");
    const runner = h.newRunner();

    await tickAt(fire, runner);
    expect(types(ctx.tenant, runId)).toEqual([
      "RunQueued",
      "AttemptStarted",
      "AttemptFailed",
      "RetryScheduled",
    ]);
    const firstRetry = await runState(ctx.tenant, runId);
    expect(firstRetry.status).toBe("retry-scheduled");
    // random() is 0.5 in the harness: half of the 10 s cap, then half of 20 s
    expect(firstRetry.nextAttemptAt?.toISOString()).toBe(later(fire, 5_000).toISOString());

    await tickAt(later(fire, 4_999), runner); // not due yet
    expect(target.requests("/flaky")).toHaveLength(1);
    await tickAt(later(fire, 5_000), runner);
    expect(target.requests("/flaky")).toHaveLength(2);
    await tickAt(later(fire, 15_000), runner);

    const run = await runState(ctx.tenant, runId);
    expect(run.status).toBe("succeeded");
    expect(run.attempt).toBe(3);
    expect(types(ctx.tenant, runId).filter((t) => t === "RunSucceeded")).toHaveLength(1);
    const seen = target.requests("/flaky");
    expect(seen).toHaveLength(3);
    for (const request_ of seen) {
      expect(request_.idempotencyKey).toBe(runId);
      expect(request_.body).toBe(request.body);
      expect(request_.headers["x-job"]).toBe("/flaky");
      const signature = String(request_.headers["jobledger-signature"]);
      expect(
        verifySignature(signature, request_.body, tenantSigningSecret(MASTER_KEY, ctx.tenant), h.clock.now()),
      ).toMatchObject({ ok: true });
    }
    const { rows } = await db.pool.query(
      "SELECT status, attempt FROM runs WHERE tenant = $1 AND run_id = $2",
      [ctx.tenant, runId],
    );
    expect(rows[0]).toEqual({ status: "succeeded", attempt: 3 });
  });

  it("dead-letters once the attempts are exhausted", async () => {
    target.script("/down", [{ status: 502 }]);
    const { ctx, fire, runId } = await onceJob("/down", { retry: retry({ maxAttempts: 2 }) });
    await tickAt(fire);
    await tickAt(later(fire, 60_000));
    expect(types(ctx.tenant, runId)).toEqual([
      "RunQueued",
      "AttemptStarted",
      "AttemptFailed",
      "RetryScheduled",
      "RunQueued",
      "AttemptStarted",
      "AttemptFailed",
      "RunDeadLettered",
    ]);
    expect((await runState(ctx.tenant, runId)).status).toBe("dead-lettered");
  });

  it("honours Retry-After on a 429", async () => {
    target.script("/limited", [{ status: 429, headers: { "retry-after": "120" } }, { status: 204 }]);
    const { ctx, fire, runId } = await onceJob("/limited");
    await tickAt(fire);
    const waiting = await runState(ctx.tenant, runId);
    expect(waiting.status).toBe("retry-scheduled");
    expect(waiting.nextAttemptAt?.toISOString()).toBe(later(fire, 120_000).toISOString());

    await tickAt(later(fire, 119_000));
    expect(target.requests("/limited")).toHaveLength(1);
    const retried = await tickAt(later(fire, 120_000));
    expect(retried.retried).toBe(1);
    expect(target.requests("/limited")).toHaveLength(2);
    expect((await runState(ctx.tenant, runId)).status).toBe("succeeded");
  });

  it("records a timeout when the target does not answer in time, and retries it", async () => {
    target.script("/slow", [{ hang: true }, { status: 200 }]);
    const { ctx, fire, runId } = await onceJob("/slow", { timeoutMs: 300 });
    await tickAt(fire);
    const failed = h.eventsOf(ctx.tenant, "AttemptFailed");
    expect(failed.map((e) => e.data.errorClass)).toEqual(["timeout"]);
    await tickAt(later(fire, 60_000));
    expect((await runState(ctx.tenant, runId)).status).toBe("succeeded");
  });
});

describe("a runner killed mid-attempt", () => {
  it("is timed out by the watchdog; the retry finishes the run once, with the same Idempotency-Key", async () => {
    target.script("/killed", [{ hang: true }, { status: 200, body: "ok" }]);
    const { ctx, fire, runId, request } = await onceJob("/killed", { timeoutMs: 2_000 });

    // the scheduler queues the run; a runner starts the attempt, sends the call and dies
    h.clock.set(fire);
    await h.newScheduler().tick();
    await h.settle();
    const doomed: CommandContext = { tenant: ctx.tenant, actor: "system:runner:doomed", correlationId: "c" };
    const started = await h.runCommands.startAttempt(doomed, runId, { runner: "doomed" });
    const deadline = started.run.deadline as Date;
    expect(deadline.toISOString()).toBe(later(fire, 2_000 + 30_000).toISOString());
    const dying = new AbortController();
    const executor = createHttpExecutor({ allowList: parseTargetAllowList(["127.0.0.1"]), clock: h.clock });
    const call = executor
      .execute({ request, idempotencyKey: runId, signingSecret: "whsec_x", signal: dying.signal })
      .catch(() => "killed");
    await target.waitForRequests("/killed", 1);
    dying.abort(new Error("the runner process died"));
    expect(await call).toBe("killed");
    await h.settle();

    // before the deadline the watchdog leaves it alone
    expect((await tickAt(later(deadline, -1))).timedOut).toBe(0);
    expect((await runState(ctx.tenant, runId)).status).toBe("running");
    // at the deadline it times the attempt out; the retry is due at once (random 0.5 of 10 s: 5 s)
    const watchdog = await tickAt(deadline);
    expect(watchdog.timedOut).toBe(1);
    await tickAt(later(deadline, 5_000));

    expect(types(ctx.tenant, runId)).toEqual([
      "RunQueued",
      "AttemptStarted",
      "AttemptTimedOut",
      "RetryScheduled",
      "RunQueued",
      "AttemptStarted",
      "AttemptSucceeded",
      "RunSucceeded",
    ]);
    const seen = target.requests("/killed");
    expect(seen.map((r) => r.idempotencyKey)).toEqual([runId, runId]);
    const run = await runState(ctx.tenant, runId);
    expect(run.status).toBe("succeeded");
    // later ticks change nothing
    await tickAt(later(deadline, 3_600_000));
    expect(types(ctx.tenant, runId)).toHaveLength(8);
  });
});

describe("cancelling", () => {
  it("aborts the call in flight; the attempt is recorded and the run stays cancelled", async () => {
    target.script("/cancel-me", [{ hang: true }]);
    const { ctx, fire, runId } = await onceJob("/cancel-me", { timeoutMs: 20_000 });
    h.clock.set(fire);
    await h.newScheduler().tick();
    const queued = h.appended.filter((e) => e.streamId === `${ctx.tenant}/run/${runId}`);
    const runner = h.newRunner();
    const handling = runner.handle(queued);
    await target.waitForRequests("/cancel-me", 1);
    expect(runner.inFlight()).toBe(1);

    const cancelled = await h.runCommands.cancel(ctx, runId, { reason: "no longer needed" });
    const report = await Promise.all([handling, runner.handle(cancelled.events)]);
    expect(report[1].cancelled).toBe(1);
    expect(report[0].attempts).toEqual([{ runId, tenant: ctx.tenant, attempt: 1, result: "aborted" }]);
    expect(types(ctx.tenant, runId)).toEqual([
      "RunQueued",
      "AttemptStarted",
      "RunCancelled",
      "AttemptFailed",
    ]);
    const failed = h.eventsOf(ctx.tenant, "AttemptFailed")[0];
    expect(failed?.data.message).toMatch(/cancelled/);
    expect((await runState(ctx.tenant, runId)).status).toBe("cancelled");
    await h.settle();
  });

  it("does not start a run cancelled before its RunQueued reached the runner", async () => {
    const { ctx, fire, runId } = await onceJob("/never");
    h.clock.set(fire);
    await h.newScheduler().tick();
    await h.runCommands.cancel(ctx, runId, { reason: "changed my mind" });
    const report = await h
      .newRunner()
      .handle(h.appended.filter((e) => e.streamId === `${ctx.tenant}/run/${runId}`));
    expect(report).toMatchObject({ started: 0, skipped: 1 });
    expect(target.requests("/never")).toEqual([]);
    await h.settle();
  });
});

describe("two runners and one RunQueued", () => {
  it("start the attempt exactly once and call the target once", async () => {
    const { ctx, fire, runId } = await onceJob("/once");
    h.clock.set(fire);
    await h.newScheduler().tick();
    const events = h.appended.filter((e) => e.streamId === `${ctx.tenant}/run/${runId}`);
    const [a, b] = await Promise.all([h.newRunner().handle(events), h.newRunner().handle(events)]);
    expect(a.started + b.started).toBe(1);
    expect(a.skipped + b.skipped).toBe(1);
    expect(target.requests("/once")).toHaveLength(1);
    expect(types(ctx.tenant, runId)).toEqual([
      "RunQueued",
      "AttemptStarted",
      "AttemptSucceeded",
      "RunSucceeded",
    ]);
    await h.settle();
  });

  it("passes over a RunQueued delivered again after the run moved on", async () => {
    const { ctx, fire, runId } = await onceJob("/redelivered");
    await tickAt(fire);
    const first = h.appended.find(
      (e) => e.streamId === `${ctx.tenant}/run/${runId}` && e.type === "RunQueued",
    );
    const report = await h.newRunner().handle(first ? [first] : []);
    expect(report).toMatchObject({ started: 0, skipped: 1 });
    expect(target.requests("/redelivered")).toHaveLength(1);
  });
});

describe("as a stream consumer (handleBatch)", () => {
  it("returns once the attempt is started; the call goes on until drain()", async () => {
    target.script("/consumer", [{ hang: true }]);
    const { ctx, fire, runId } = await onceJob("/consumer", {
      timeoutMs: 500,
      retry: retry({ maxAttempts: 1 }),
    });
    h.clock.set(fire);
    await h.newScheduler().tick();
    const runner = h.newRunner();
    const events = h.appended.filter((e) => e.streamId === `${ctx.tenant}/run/${runId}`);

    await runner.handleBatch(events, { sequenceNumber: "1", partitionKey: events[0]?.streamId ?? "" });
    expect(runner.inFlight()).toBe(1);
    expect((await runState(ctx.tenant, runId)).status).toBe("running");

    await runner.drain();
    expect(runner.inFlight()).toBe(0);
    expect(types(ctx.tenant, runId)).toEqual([
      "RunQueued",
      "AttemptStarted",
      "AttemptFailed",
      "RunDeadLettered",
    ]);
    expect(h.eventsOf(ctx.tenant, "AttemptFailed")[0]?.data.errorClass).toBe("timeout");
    await h.settle();
  });

  it("rejects when the attempt cannot be started, so the record is retried", async () => {
    const { ctx, fire, runId } = await onceJob("/unreachable-store");
    h.clock.set(fire);
    await h.newScheduler().tick();
    const events = h.appended.filter((e) => e.streamId === `${ctx.tenant}/run/${runId}`);
    const broken = h.newRunner({
      runCommands: {
        ...h.runCommands,
        loadRun: (tenant, id) => h.runCommands.loadRun(`${tenant}/bad`, id), // an invalid stream id: the store throws
      },
    });
    await expect(broken.handleBatch(events, { sequenceNumber: "1", partitionKey: "p" })).rejects.toThrow();
    expect(broken.inFlight()).toBe(0);
    expect((await runState(ctx.tenant, runId)).status).toBe("queued");
    await h.settle();
  });
});

describe("claims in one batch", () => {
  it("claims the runs of one batch in parallel, at most `concurrency` at once, and runs each once", async () => {
    day++;
    const start = new Date(Date.UTC(2026, 8, day, 12, 0));
    h.clock.set(start);
    const ctx = h.context();
    const fire = new Date(start.getTime() + 60_000);
    const jobIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      jobIds.push(
        await h.createJob(ctx, {
          schedule: { type: "once", at: fire.toISOString() },
          request: {
            method: "POST",
            url: target.url(`/batch-${i}`),
            headers: {},
            body: null,
            timeoutMs: 5_000,
          },
          retry: retry(),
        }),
      );
    }
    h.clock.set(fire);
    await h.newScheduler().tick();
    const runIds = jobIds.map((jobId) => runIdFor(jobId, fire));
    const batch = h.appended.filter((e) => runIds.some((id) => e.streamId === `${ctx.tenant}/run/${id}`));
    expect(batch.filter((e) => e.type === "RunQueued")).toHaveLength(6);

    let loading = 0;
    let mostAtOnce = 0;
    const runner = h.newRunner({
      concurrency: 4,
      runCommands: {
        ...h.runCommands,
        // the real loadRun, counted: how many claims are reading their run at the same time
        loadRun: async (tenant, id) => {
          loading++;
          mostAtOnce = Math.max(mostAtOnce, loading);
          try {
            return await h.runCommands.loadRun(tenant, id);
          } finally {
            loading--;
          }
        },
      },
    });
    await runner.handleBatch(batch, { sequenceNumber: "1", partitionKey: "p" });
    await runner.drain();
    await h.settle();

    expect(mostAtOnce).toBe(4);
    for (const [i, runId] of runIds.entries()) {
      expect((await runState(ctx.tenant, runId)).status).toBe("succeeded");
      expect(target.requests(`/batch-${i}`)).toHaveLength(1);
    }
  });
});

describe("per-host rate limit", () => {
  async function limiter(perSecond: number) {
    const tableName = uniqueName("host-limits");
    await ensureHostRateLimitTable(limiterDynamo.client, tableName);
    return createDynamoHostRateLimiter({
      doc: limiterDynamo.doc,
      tableName,
      limits: { defaultPerSecond: perSecond, perHost: {} },
    });
  }

  it("waits for a free slot within the attempt's grace, then calls", async () => {
    const hostRateLimiter = await limiter(1);
    const jobs = [await onceJob("/rl-a"), await onceJob("/rl-b")];
    // both runs queued at the same instant
    h.clock.set(jobs[1]!.fire);
    const queued = [];
    for (const j of jobs) {
      const { events } = await h.runCommands.queue(
        { tenant: j.ctx.tenant, actor: "user:test", correlationId: "c" },
        {
          runId: uniqueName("manual"),
          jobId: j.jobId,
          jobVersion: 1,
          trigger: "manual",
          scheduledFor: null,
          dueAt: h.clock.now(),
          request: j.request,
          retry: retry(),
        },
      );
      queued.push(...events);
    }
    const waits: number[] = [];
    const runner = h.newRunner({
      hostRateLimiter,
      concurrency: 1,
      // waiting moves the manual clock, so the limiter's next window comes
      sleep: async (ms) => {
        waits.push(ms);
        h.clock.advance(ms);
      },
    });
    const report = await runner.handle(queued);
    expect(report.attempts.map((a) => a.result)).toEqual(["succeeded", "succeeded"]);
    expect(waits.length).toBeGreaterThan(0);
    expect(target.requests("/rl-a").length + target.requests("/rl-b").length).toBe(2);
    await h.settle();
  });

  it("records a 429-class failure without calling when no slot comes within the grace", async () => {
    const hostRateLimiter = await limiter(1);
    const { ctx, fire, runId } = await onceJob("/rl-full", { retry: retry({ retryOn: ["429"] }) });
    h.clock.set(fire);
    await hostRateLimiter.acquire("127.0.0.1", fire); // someone else took this second's slot
    await h.newScheduler().tick();
    // the clock never moves while waiting: the window stays full until the grace is used up
    let waited = 0;
    const runner = h.newRunner({
      hostRateLimiter,
      sleep: async (ms) => {
        waited += ms;
      },
    });
    const report = await runner.handle(h.appended.filter((e) => e.streamId === `${ctx.tenant}/run/${runId}`));
    expect(report.attempts.map((a) => a.result)).toEqual(["failed"]);
    expect(waited).toBeLessThanOrEqual(30_000);
    expect(waited).toBeGreaterThan(25_000);
    const failed = h.eventsOf(ctx.tenant, "AttemptFailed").at(-1);
    expect(failed?.data).toMatchObject({ errorClass: "http-429", status: null });
    expect(failed?.data.message).toMatch(/rate limit/);
    expect(target.requests("/rl-full")).toEqual([]);
    expect((await runState(ctx.tenant, runId)).status).toBe("retry-scheduled");
    await h.settle();
  });
});
