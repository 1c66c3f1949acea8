/** The run command service on the real DynamoDB event store (dynalite). */
import type { DecodedEvent } from "@jobledger/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { ConcurrentModification } from "../src/application/errors.ts";
import { createRunCommands, type QueueRunInput, type RunContext } from "../src/application/run-commands.ts";
import { AlreadyExists, InvalidTransition, NotFound } from "../src/domain/errors.ts";
import { runIdFor } from "../src/domain/run/run-id.ts";
import { ManualClock } from "../src/ports/clock.ts";
import { clientError, ok, REQUEST, RETRY, serverError } from "./run-support.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";

const START = new Date("2026-11-23T12:00:00.000Z");
let dynamo: TestDynamo;
let store: DynamoEventStore;

beforeAll(async () => {
  dynamo = await withDynalite();
  const tableName = await dynamo.newEventsTable("run-commands");
  store = new DynamoEventStore({ doc: dynamo.doc, tableName });
});
afterAll(() => dynamo?.close());

/** Commands with their own clock, and a context of a fresh tenant. */
function setup(random = () => 0.5) {
  const clock = new ManualClock(START);
  const commands = createRunCommands({ eventStore: store, clock, random });
  const ctx: RunContext = {
    tenant: uniqueName("tenant"),
    actor: "system:scheduler",
    correlationId: uniqueName("tick"),
    causationId: null,
  };
  return { clock, commands, ctx };
}

function queueInput(overrides: Partial<QueueRunInput> = {}): QueueRunInput {
  const jobId = overrides.jobId ?? uniqueName("job");
  const scheduledFor = overrides.scheduledFor === undefined ? START : overrides.scheduledFor;
  return {
    runId: scheduledFor ? runIdFor(jobId, scheduledFor) : uniqueName("manual"),
    jobId,
    jobVersion: 3,
    trigger: "schedule",
    scheduledFor,
    dueAt: START,
    request: REQUEST,
    retry: RETRY,
    ...overrides,
  };
}

async function stream(tenant: string, runId: string): Promise<DecodedEvent[]> {
  const events: DecodedEvent[] = [];
  for await (const event of store.readStreamAll(`${tenant}/run/${runId}`)) events.push(event);
  return events;
}

const types = (events: DecodedEvent[]) => events.map((e) => e.type);

describe("queue and skip", () => {
  it("stores RunQueued with the envelope and returns the run", async () => {
    const { commands, ctx } = setup();
    const input = queueInput();
    const result = await commands.queue({ ...ctx, causationId: "evt-1" }, input);

    expect(result.run).toMatchObject({
      runId: input.runId,
      tenant: ctx.tenant,
      jobId: input.jobId,
      jobVersion: 3,
      status: "queued",
      attempt: 1,
      request: REQUEST,
      retry: RETRY,
      version: 1,
    });
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject({
      type: "RunQueued",
      streamId: `${ctx.tenant}/run/${input.runId}`,
      version: 1,
      actor: "system:scheduler",
      correlationId: ctx.correlationId,
      causationId: "evt-1",
      occurredAt: START,
      data: { attempt: 1, trigger: "schedule", scheduledFor: START.toISOString(), request: REQUEST },
    });
    expect(result.history).toEqual(result.events);
    expect(types(await stream(ctx.tenant, input.runId))).toEqual(["RunQueued"]);
  });

  it("refuses to queue or skip a run that exists", async () => {
    const { commands, ctx } = setup();
    const input = queueInput();
    await commands.queue(ctx, input);
    await expect(commands.queue(ctx, input)).rejects.toBeInstanceOf(AlreadyExists);
    await expect(
      commands.skip(ctx, {
        runId: input.runId,
        jobId: input.jobId,
        jobVersion: 3,
        scheduledFor: START,
        reason: "overlap",
        missedCount: 1,
        missedFrom: null,
        missedTo: null,
      }),
    ).rejects.toThrow(/^run .* already exists$/);
    expect(await stream(ctx.tenant, input.runId)).toHaveLength(1);
  });

  it("stores a skipped fire as a run of its own", async () => {
    const { commands, ctx } = setup();
    const runId = runIdFor("job-s", START);
    const { run } = await commands.skip(ctx, {
      runId,
      jobId: "job-s",
      jobVersion: 1,
      scheduledFor: START,
      reason: "missed",
      missedCount: 4320,
      missedFrom: new Date("2026-11-20T12:01:00.000Z"),
      missedTo: START,
    });
    expect(run).toMatchObject({ status: "skipped", skip: { reason: "missed", missedCount: 4320 } });
    expect(types(await stream(ctx.tenant, runId))).toEqual(["RunSkipped"]);
  });
});

describe("a run's life", () => {
  it("fails, retries when due, and succeeds", async () => {
    const { clock, commands, ctx } = setup(() => 0.5);
    const { runId } = queueInput();
    await commands.queue(ctx, queueInput({ runId }));
    const started = await commands.startAttempt(ctx, runId, { runner: "runner-a" });
    expect(started.run).toMatchObject({
      status: "running",
      deadline: new Date(START.getTime() + 10_000 + 30_000),
    });

    clock.advance(200);
    const failed = await commands.recordOutcome(ctx, runId, { attempt: 1, outcome: serverError(502) });
    expect(types(failed.events)).toEqual(["AttemptFailed", "RetryScheduled"]);
    // random 0.5 × cap 1000 ms
    expect(failed.run).toMatchObject({
      status: "retry-scheduled",
      attempt: 2,
      nextAttemptAt: new Date(START.getTime() + 700),
    });

    clock.advance(499);
    await expect(commands.requeueRetry(ctx, runId)).rejects.toThrow(/attempt 2 is due at/);
    clock.advance(1);
    const requeued = await commands.requeueRetry(ctx, runId);
    expect(requeued.events[0]).toMatchObject({
      type: "RunQueued",
      data: { attempt: 2, trigger: "retry", request: null },
    });

    await commands.startAttempt(ctx, runId, { runner: "runner-b" });
    const done = await commands.recordOutcome(ctx, runId, { attempt: 2, outcome: ok() });
    expect(types(done.events)).toEqual(["AttemptSucceeded", "RunSucceeded"]);
    expect(done.run).toMatchObject({ status: "succeeded", version: 8 });
    expect(done.history).toHaveLength(8);

    const loaded = await commands.loadRun(ctx.tenant, runId);
    expect(loaded.version).toBe(8);
    expect(loaded.state).toEqual(done.run);
    expect(loaded.state?.attempts.map((a) => [a.runner, a.outcome])).toEqual([
      ["runner-a", "failed"],
      ["runner-b", "succeeded"],
    ]);
  });

  it("dead-letters, redrives, cancels; and the watchdog times out a silent attempt", async () => {
    const { clock, commands, ctx } = setup();
    const input = queueInput({ trigger: "manual", scheduledFor: null });
    await commands.queue(ctx, input);
    await commands.startAttempt(ctx, input.runId, { runner: "r" });
    const dead = await commands.recordOutcome(ctx, input.runId, { attempt: 1, outcome: clientError(422) });
    expect(dead.run).toMatchObject({ status: "dead-lettered", lastError: "the target answered HTTP 422" });

    const redriven = await commands.redrive(ctx, input.runId, { reason: "target fixed" });
    expect(types(redriven.events)).toEqual(["RunRedriven", "RunQueued"]);
    expect(redriven.run).toMatchObject({ status: "queued", attempt: 2, attemptBase: 1 });

    await commands.startAttempt(ctx, input.runId, { runner: "dies" });
    await expect(commands.timeOutAttempt(ctx, input.runId)).rejects.toBeInstanceOf(InvalidTransition);
    clock.advance(40_000);
    const timedOut = await commands.timeOutAttempt(ctx, input.runId);
    expect(types(timedOut.events)).toEqual(["AttemptTimedOut", "RetryScheduled"]);

    const cancelled = await commands.cancel(ctx, input.runId, { reason: "enough" });
    expect(cancelled.run).toMatchObject({ status: "cancelled", finishedAt: clock.now() });
    await expect(commands.cancel(ctx, input.runId, { reason: null })).rejects.toThrow(
      /CancelRun is not allowed when the run is cancelled/,
    );
  });

  it("a redrive grants a fresh retry budget: attempts count from the last redrive", async () => {
    const { clock, commands, ctx } = setup(() => 0);
    const input = queueInput({ retry: { ...RETRY, maxAttempts: 2 } });
    await commands.queue(ctx, input);
    const failAttempt = async (attempt: number) => {
      await commands.startAttempt(ctx, input.runId, { runner: "r" });
      return commands.recordOutcome(ctx, input.runId, { attempt, outcome: serverError() });
    };
    expect(types((await failAttempt(1)).events)).toEqual(["AttemptFailed", "RetryScheduled"]);
    await commands.requeueRetry(ctx, input.runId);
    expect((await failAttempt(2)).run).toMatchObject({ status: "dead-lettered", attempt: 2 });

    clock.advance(60_000);
    await commands.redrive(ctx, input.runId, { reason: null });
    // attempt 3 is the first of the new budget of 2: it retries
    expect(types((await failAttempt(3)).events)).toEqual(["AttemptFailed", "RetryScheduled"]);
    await commands.requeueRetry(ctx, input.runId);
    const exhausted = await failAttempt(4);
    expect(exhausted.events[1]).toMatchObject({
      type: "RunDeadLettered",
      data: { attempts: 4, reason: "exhausted" },
    });
  });

  it("cancelled while running: the late outcome is recorded, the run stays cancelled", async () => {
    const { commands, ctx } = setup();
    const input = queueInput();
    await commands.queue(ctx, input);
    await commands.startAttempt(ctx, input.runId, { runner: "r" });
    await commands.cancel(ctx, input.runId, { reason: "operator" });
    const late = await commands.recordOutcome(ctx, input.runId, { attempt: 1, outcome: ok() });
    expect(types(late.events)).toEqual(["AttemptSucceeded"]);
    expect(late.run).toMatchObject({ status: "cancelled", attempts: [{ attempt: 1, outcome: "succeeded" }] });
    expect(types(await stream(ctx.tenant, input.runId))).toEqual([
      "RunQueued",
      "AttemptStarted",
      "RunCancelled",
      "AttemptSucceeded",
    ]);
    await expect(
      commands.recordOutcome(ctx, input.runId, { attempt: 1, outcome: ok() }),
    ).rejects.toBeInstanceOf(InvalidTransition);
  });

  it("answers NotFound for a run that does not exist, and loads it as empty", async () => {
    const { commands, ctx } = setup();
    await expect(commands.startAttempt(ctx, "nope", { runner: "r" })).rejects.toBeInstanceOf(NotFound);
    await expect(commands.cancel(ctx, "a/b", { reason: null })).rejects.toThrow(/^run a\/b was not found$/);
    expect(await commands.loadRun(ctx.tenant, "nope")).toEqual({ state: null, version: 0, history: [] });
  });
});

describe("races", () => {
  it("two schedulers queueing the same fire: exactly one run is created", async () => {
    const { commands, ctx } = setup();
    const input = queueInput();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => commands.queue({ ...ctx, correlationId: uniqueName("tick") }, input)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") {
        expect(r.reason instanceof AlreadyExists || r.reason instanceof ConcurrentModification).toBe(true);
      }
    }
    expect(types(await stream(ctx.tenant, input.runId))).toEqual(["RunQueued"]);
  });

  it("two runners starting the same attempt: exactly one AttemptStarted", async () => {
    const { commands, ctx } = setup();
    const input = queueInput();
    await commands.queue(ctx, input);
    const results = await Promise.allSettled(
      ["r1", "r2", "r3", "r4"].map((runner) => commands.startAttempt(ctx, input.runId, { runner })),
    );
    const winners = results.filter((r) => r.status === "fulfilled");
    expect(winners).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") {
        expect(r.reason instanceof ConcurrentModification || r.reason instanceof InvalidTransition).toBe(
          true,
        );
      }
    }
    const events = await stream(ctx.tenant, input.runId);
    expect(types(events)).toEqual(["RunQueued", "AttemptStarted"]);
    const winner = winners[0] as PromiseFulfilledResult<{ run: { attempts: Array<{ runner: string }> } }>;
    expect((events[1] as DecodedEvent<"AttemptStarted">).data.runner).toBe(
      winner.value.run.attempts[0]?.runner,
    );
  });
});
