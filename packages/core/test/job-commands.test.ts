/** The job command service on the real DynamoDB event store (dynalite). */
import type { NewEvent } from "@jobledger/events";
import { validate as isUuid, version as uuidVersion } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { ConcurrentModification, PreconditionFailed } from "../src/application/errors.ts";
import { type CommandContext, createJobCommands, type JobCommands } from "../src/application/job-commands.ts";
import { AlreadyExists, Gone, NotFound, ValidationFailed } from "../src/domain/errors.ts";
import { ManualClock } from "../src/ports/clock.ts";
import type { AppendResult, EventStore } from "../src/ports/event-store.ts";
import { validInput } from "./domain-job-support.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";

let dynamo: TestDynamo;
let store: DynamoEventStore;
let commands: JobCommands;
const clock = new ManualClock(new Date("2026-11-23T12:00:00.000Z"));

beforeAll(async () => {
  dynamo = await withDynalite();
  const tableName = await dynamo.newEventsTable("job-commands");
  store = new DynamoEventStore({ doc: dynamo.doc, tableName, clock });
  commands = createJobCommands({ eventStore: store, clock, allowList: [] });
});
afterAll(() => dynamo?.close());

/** A context of a fresh tenant, so tests do not see each other's jobs. */
function contextOf(overrides: Partial<CommandContext> = {}): CommandContext {
  return {
    tenant: uniqueName("tenant"),
    actor: "user:alice",
    correlationId: uniqueName("req"),
    ...overrides,
  };
}

async function streamOf(tenant: string, jobId: string) {
  const events = [];
  for await (const e of store.readStreamAll(`${tenant}/job/${jobId}`)) events.push(e);
  return events;
}

describe("create", () => {
  it("stores JobCreated with the envelope and returns the job", async () => {
    const ctx = contextOf({ causationId: "evt-1" });
    const { job, events, history } = await commands.create(ctx, validInput({ tags: ["reports"] }));

    expect(isUuid(job.id) && uuidVersion(job.id)).toBe(7);
    expect(job).toMatchObject({
      status: "active",
      version: 1,
      definition: { name: "nightly report", tags: ["reports"] },
    });
    expect(job.definition.request.timeoutMs).toBe(30_000);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      type: "JobCreated",
      streamId: `${ctx.tenant}/job/${job.id}`,
      version: 1,
      tenant: ctx.tenant,
      actor: "user:alice",
      correlationId: ctx.correlationId,
      causationId: "evt-1",
      data: { definition: job.definition },
    });
    expect(event?.occurredAt.toISOString()).toBe("2026-11-23T12:00:00.000Z");
    expect(uuidVersion(event?.eventId ?? "")).toBe(7);
    expect(history).toEqual(events);
    expect(await streamOf(ctx.tenant, job.id)).toEqual(events);
  });

  it("writes nothing for an invalid definition or a forbidden target", async () => {
    const id = uniqueName("job");
    const withId = createJobCommands({ eventStore: store, clock, newId: () => id });
    const ctx = contextOf();
    const invalid = await withId.create(ctx, validInput({ name: "" })).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ValidationFailed);
    expect((invalid as ValidationFailed).issues).toEqual([
      { path: "name", message: "name must not be empty" },
    ]);
    const ssrf = await withId
      .create(ctx, validInput({ request: { method: "GET", url: "http://localhost:8080/" } }))
      .catch((e: unknown) => e);
    expect(ssrf).toBeInstanceOf(ValidationFailed);
    expect(await streamOf(ctx.tenant, id)).toEqual([]);
  });

  it("honours the configured allow-list", async () => {
    const permissive = createJobCommands({ eventStore: store, clock, allowList: ["localhost:8080"] });
    const { job } = await permissive.create(
      contextOf(),
      validInput({ request: { method: "GET", url: "http://localhost:8080/" } }),
    );
    expect(job.definition.request.url).toBe("http://localhost:8080/");
  });

  it("is AlreadyExists when the id is taken", async () => {
    const id = uniqueName("job");
    const fixed = createJobCommands({ eventStore: store, clock, newId: () => id });
    const ctx = contextOf();
    await fixed.create(ctx, validInput());
    await expect(fixed.create(ctx, validInput())).rejects.toBeInstanceOf(AlreadyExists);
    expect(await streamOf(ctx.tenant, id)).toHaveLength(1);
  });
});

describe("update, pause, resume, delete", () => {
  it("runs a job's life and answers each step with the new state", async () => {
    const ctx = contextOf();
    const { job } = await commands.create(ctx, validInput());

    clock.advance(1000);
    const renamed = await commands.update(ctx, job.id, {
      name: "weekly report",
      request: { timeoutMs: 5000 },
    });
    expect(renamed.job.version).toBe(2);
    expect(renamed.job.definition.request).toEqual({ ...job.definition.request, timeoutMs: 5000 });
    expect(renamed.events.map((e) => [e.type, e.data])).toEqual([
      [
        "JobUpdated",
        {
          changes: { name: "weekly report", request: { ...job.definition.request, timeoutMs: 5000 } },
          changedFields: ["name", "request"],
        },
      ],
    ]);

    const same = await commands.update(ctx, job.id, { name: "weekly report" });
    expect(same.events).toEqual([]);
    expect(same.job).toEqual(renamed.job);
    expect(same.history).toHaveLength(2);

    const pausedJob = await commands.pause(ctx, job.id, { reason: "maintenance" });
    expect(pausedJob.job.status).toBe("paused");
    expect(pausedJob.events[0]?.data).toEqual({ reason: "maintenance" });
    expect((await commands.pause(ctx, job.id)).events).toEqual([]);

    const resumedJob = await commands.resume(ctx, job.id);
    expect(resumedJob.job).toMatchObject({ status: "active", version: 4 });
    expect((await commands.resume(ctx, job.id)).events).toEqual([]);

    const deletedJob = await commands.delete(ctx, job.id, { reason: "obsolete" });
    expect(deletedJob.job).toMatchObject({ status: "deleted", version: 5 });
    expect(deletedJob.history.map((e) => e.type)).toEqual([
      "JobCreated",
      "JobUpdated",
      "JobPaused",
      "JobResumed",
      "JobDeleted",
    ]);

    await expect(commands.update(ctx, job.id, { name: "x" })).rejects.toBeInstanceOf(Gone);
    await expect(commands.pause(ctx, job.id)).rejects.toBeInstanceOf(Gone);
    await expect(commands.resume(ctx, job.id)).rejects.toBeInstanceOf(Gone);
    await expect(commands.delete(ctx, job.id)).rejects.toBeInstanceOf(Gone);
    expect(await streamOf(ctx.tenant, job.id)).toHaveLength(5);
  });

  it("is NotFound for unknown jobs, odd ids and other tenants' jobs", async () => {
    const ctx = contextOf();
    const { job } = await commands.create(ctx, validInput());
    await expect(
      commands.update(ctx, "0193a6f0-0000-7000-8000-00000000dead", { name: "x" }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(commands.pause(ctx, "a/../b")).rejects.toBeInstanceOf(NotFound);
    const other = contextOf();
    await expect(commands.delete(other, job.id)).rejects.toBeInstanceOf(NotFound);
    expect((await commands.loadJob(other.tenant, job.id)).state).toBeNull();
  });

  it("refuses an invalid patch and writes nothing", async () => {
    const ctx = contextOf();
    const { job } = await commands.create(ctx, validInput());
    const error = await commands
      .update(ctx, job.id, { schedule: { type: "cron", expression: "0 0 * *", timezone: "Europe/Berlin" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).issues[0]?.path).toBe("schedule.expression");
    expect(await streamOf(ctx.tenant, job.id)).toHaveLength(1);
  });
});

describe("expected version (If-Match)", () => {
  it("is PreconditionFailed with the current version when it differs, and applies when it matches", async () => {
    const ctx = contextOf();
    const { job } = await commands.create(ctx, validInput());
    await commands.pause(ctx, job.id);

    const stale = await commands.resume({ ...ctx, expectedVersion: 1 }, job.id).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(PreconditionFailed);
    expect(stale).toMatchObject({ currentVersion: 2, expectedVersion: 1 });

    const fresh = await commands.resume({ ...ctx, expectedVersion: 2 }, job.id);
    expect(fresh.job).toMatchObject({ status: "active", version: 3 });
  });

  it("answers NotFound or Gone before a stale version", async () => {
    const ctx = contextOf();
    await expect(commands.pause({ ...ctx, expectedVersion: 3 }, "no-such-job")).rejects.toBeInstanceOf(
      NotFound,
    );
    const { job } = await commands.create(ctx, validInput());
    await commands.delete(ctx, job.id);
    await expect(
      commands.update({ ...ctx, expectedVersion: 1 }, job.id, { name: "x" }),
    ).rejects.toBeInstanceOf(Gone);
  });
});

/**
 * The real store, with every append held until `parties` appends are waiting: both racing
 * commands have read the stream before either writes, so the race is certain, not likely.
 */
function barrierStore(inner: EventStore, parties: number): EventStore {
  let waiting = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    readStream: (...args) => inner.readStream(...args),
    readStreamAll: (...args) => inner.readStreamAll(...args),
    readTenant: (...args) => inner.readTenant(...args),
    async append(streamId: string, expectedVersion: number, events: NewEvent[]): Promise<AppendResult> {
      waiting += 1;
      if (waiting >= parties) release();
      await gate;
      return inner.append(streamId, expectedVersion, events);
    },
  };
}

describe("racing writers", () => {
  it("lets exactly one of two racing updates win; the other gets ConcurrentModification", async () => {
    const ctx = contextOf();
    const { job } = await commands.create(ctx, validInput());
    const racing = createJobCommands({ eventStore: barrierStore(store, 2), clock });

    const results = await Promise.allSettled([
      racing.update(ctx, job.id, { name: "from A" }),
      racing.update(ctx, job.id, { name: "from B" }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const error = (lost[0] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(ConcurrentModification);
    expect(error).toMatchObject({ streamId: `${ctx.tenant}/job/${job.id}`, expectedVersion: 1 });

    const stream = await streamOf(ctx.tenant, job.id);
    expect(stream).toHaveLength(2);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<JobCommands["update"]>>>).value;
    const { state } = await commands.loadJob(ctx.tenant, job.id);
    expect(state).toEqual(winner.job);
  });
});

describe("loadJob", () => {
  it("returns the state now, at a version, or as of a time", async () => {
    const ctx = contextOf();
    const t0 = clock.now();
    const { job } = await commands.create(ctx, validInput());
    clock.advance(60_000);
    await commands.update(ctx, job.id, { name: "second name" });
    clock.advance(60_000);
    await commands.pause(ctx, job.id);

    const now = await commands.loadJob(ctx.tenant, job.id);
    expect(now.state).toMatchObject({ status: "paused", version: 3, definition: { name: "second name" } });
    expect(now.version).toBe(3);
    expect(now.history).toHaveLength(3);

    const v1 = await commands.loadJob(ctx.tenant, job.id, { toVersion: 1 });
    expect(v1.state).toEqual(job);

    const asOf = await commands.loadJob(ctx.tenant, job.id, { asOf: new Date(t0.getTime() + 60_000) });
    expect(asOf.state).toMatchObject({ status: "active", version: 2, definition: { name: "second name" } });

    const before = await commands.loadJob(ctx.tenant, job.id, { asOf: new Date(t0.getTime() - 1) });
    expect(before).toEqual({ state: null, version: 0, history: [] });
  });
});
