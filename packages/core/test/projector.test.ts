import { randomUUID } from "node:crypto";
import type { DecodedEvent, EventType, JobField, JobUpdatedData, NewEvent } from "@jobledger/events";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import {
  createPostgresProjector,
  type Projection,
  ProjectionFailed,
  StreamGap,
} from "../src/adapters/postgres/projector.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { jobDefinition } from "./support/events.ts";
import { databaseKinds, jobStreamId, newEvent, type TestDatabase } from "./support/postgres.ts";
import { type TestDynamo, withDynalite } from "./support/standins.ts";

let dynamo: TestDynamo;
let store: DynamoEventStore;

beforeAll(async () => {
  dynamo = await withDynalite();
  store = new DynamoEventStore({ doc: dynamo.doc, tableName: await dynamo.newEventsTable() });
});

afterAll(() => dynamo?.close());

/** Appends commits of one event each; returns the stored events. */
async function appendEach(
  streamId: string,
  events: NewEvent[],
  expectedVersion = 0,
): Promise<DecodedEvent[]> {
  const stored: DecodedEvent[] = [];
  let version = expectedVersion;
  for (const event of events) {
    const result = await store.append(streamId, version, [event]);
    stored.push(...result.events);
    version = result.version;
  }
  return stored;
}

const at = (minute: number) => new Date(Date.UTC(2026, 3, 1, 0, minute));

/** A short job history: create, rename, pause. */
function basicHistory(tenant: string): NewEvent[] {
  const update: JobUpdatedData = {
    changes: { name: "renamed", tags: ["t"] },
    changedFields: ["name", "tags"],
  };
  return [
    newEvent(tenant, "JobCreated", { definition: jobDefinition({ name: "first" }) }, { at: at(0) }),
    newEvent(tenant, "JobUpdated", update, { at: at(1) }),
    newEvent(tenant, "JobPaused", { reason: null }, { at: at(2) }),
  ];
}

/** Jobs rows and positions of one tenant, without the tenant, for comparing two tenants. */
async function snapshot(t: TestDatabase, tenant: string) {
  const jobs = await t.pool.query(
    `SELECT job_id, name, description, definition, status, tags, version, created_at, created_by,
            updated_at, updated_by, deleted_at
     FROM jobs WHERE tenant = $1 ORDER BY job_id`,
    [tenant],
  );
  const positions = await t.pool.query(
    `SELECT projection, substr(stream_id, length($1) + 2) AS stream, version
     FROM projection_positions WHERE starts_with(stream_id, $1 || '/') ORDER BY projection, stream`,
    [tenant],
  );
  return { jobs: jobs.rows, positions: positions.rows };
}

async function positionOf(
  t: TestDatabase,
  projection: string,
  streamId: string,
): Promise<number | undefined> {
  const result = await t.pool.query<{ version: number }>(
    "SELECT version FROM projection_positions WHERE projection = $1 AND stream_id = $2",
    [projection, streamId],
  );
  return result.rows[0]?.version;
}

/**
 * A second projection for the tests: it records the JobPaused events it sees in its own
 * table, so the tests can tell what it was given. It handles nothing else.
 */
function pauseLog(options: { failOnReason?: string } = {}): Projection {
  return {
    name: "pause-log",
    handles: (type: EventType) => type === "JobPaused",
    async apply(client, event) {
      const reason = (event as DecodedEvent<"JobPaused">).data.reason;
      if (options.failOnReason !== undefined && reason === options.failOnReason) {
        throw new Error(`pause-log refuses reason ${reason}`);
      }
      await client.query("INSERT INTO pause_log (stream_id, version, reason) VALUES ($1, $2, $3)", [
        event.streamId,
        event.version,
        reason,
      ]);
    },
  };
}

async function pauseLogRows(t: TestDatabase, streamId: string) {
  const result = await t.pool.query(
    "SELECT version, reason FROM pause_log WHERE stream_id = $1 ORDER BY version, reason",
    [streamId],
  );
  return result.rows;
}

describe.each(databaseKinds)("postgres projector on %s", (_kind, use) => {
  const t = use();
  beforeAll(async () => {
    await t.pool.query("CREATE TABLE pause_log (stream_id text, version integer, reason text)");
  });
  const projector = () =>
    createPostgresProjector({ pool: t.pool, eventStore: store, projections: [jobsProjection] });
  const newTenant = () => `t-${randomUUID()}`;

  it("applies a batch in order and stores the position", async () => {
    const tenant = newTenant();
    const streamId = jobStreamId(tenant, "j");
    const events = await appendEach(streamId, basicHistory(tenant));

    const result = await projector().handle(events);

    expect(result).toEqual({ streams: 1, applied: 3, skipped: 0, filled: 0 });
    const { jobs, positions } = await snapshot(t, tenant);
    expect(jobs).toEqual([
      expect.objectContaining({ job_id: "j", name: "renamed", tags: ["t"], status: "paused", version: 3 }),
    ]);
    expect(positions).toEqual([{ projection: "jobs", stream: "job/j", version: 3 }]);
  });

  it("ignores duplicated and replayed deliveries", async () => {
    const tenant = newTenant();
    const streamId = jobStreamId(tenant, "j");
    const events = await appendEach(streamId, basicHistory(tenant));
    await projector().handle(events);
    const before = await snapshot(t, tenant);

    const again = await projector().handle([...events, events[0]!, events[1]!]);
    expect(again).toEqual({ streams: 1, applied: 0, skipped: 5, filled: 0 });
    await projector().handle([events[1]!]);
    expect(await snapshot(t, tenant)).toEqual(before);
  });

  it("reads a gap from the event store and applies it first", async () => {
    const tenant = newTenant();
    const streamId = jobStreamId(tenant, "j");
    const events = await appendEach(streamId, [
      ...basicHistory(tenant),
      newEvent(tenant, "JobResumed", {}, { at: at(3) }),
      newEvent(tenant, "JobDeleted", { reason: null }, { at: at(4) }),
    ]);

    // only version 1, then only version 4: versions 2 and 3 come from the store
    await projector().handle([events[0]!]);
    const result = await projector().handle([events[3]!]);
    expect(result).toEqual({ streams: 1, applied: 3, skipped: 0, filled: 2 });
    expect((await snapshot(t, tenant)).jobs[0]).toMatchObject({
      name: "renamed",
      status: "active",
      version: 4,
    });

    // a batch whose first event is far ahead of a stream never seen before
    const otherTenant = newTenant();
    const other = await appendEach(jobStreamId(otherTenant, "j"), basicHistory(otherTenant));
    expect(await projector().handle([other[2]!])).toEqual({ streams: 1, applied: 3, skipped: 0, filled: 2 });
    expect((await snapshot(t, otherTenant)).jobs[0]).toMatchObject({
      name: "renamed",
      status: "paused",
      version: 3,
    });
  });

  it("fails without writing anything when the store cannot fill a gap", async () => {
    const tenant = newTenant();
    const streamId = jobStreamId(tenant, "j");
    const events = await appendEach(streamId, basicHistory(tenant));
    await projector().handle([events[0]!]);

    const fromTheFuture: DecodedEvent = { ...events[2]!, version: 7, eventId: randomUUID() };
    const error = await projector()
      .handle([fromTheFuture])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectionFailed);
    expect((error as ProjectionFailed).streamId).toBe(streamId);
    expect((error as ProjectionFailed).cause).toBeInstanceOf(StreamGap);
    expect((error as Error).message).toContain(
      `stream ${streamId} has a gap the event store cannot fill: versions 4, 5, 6 are missing`,
    );
    expect(await positionOf(t, "jobs", streamId)).toBe(1);
    expect((await snapshot(t, tenant)).jobs[0]).toMatchObject({ name: "first", version: 1 });
  });

  it("advances every projection's position, also over events it does not handle", async () => {
    const tenant = newTenant();
    const streamId = jobStreamId(tenant, "j");
    const events = await appendEach(streamId, [
      newEvent(tenant, "JobCreated", { definition: jobDefinition() }),
      newEvent(tenant, "JobPaused", { reason: "first pause" }),
      newEvent(tenant, "JobResumed", {}),
    ]);
    const both = createPostgresProjector({
      pool: t.pool,
      eventStore: store,
      projections: [jobsProjection, pauseLog()],
    });
    await both.handle(events);
    await both.handle(events);

    expect(await positionOf(t, "pause-log", streamId)).toBe(3);
    expect(await positionOf(t, "jobs", streamId)).toBe(3);
    expect(await pauseLogRows(t, streamId)).toEqual([{ version: 2, reason: "first pause" }]);
  });

  it("lets a projection added later catch up on a stream from its first event", async () => {
    const tenant = newTenant();
    const streamId = jobStreamId(tenant, "j");
    const first = await appendEach(streamId, [
      newEvent(tenant, "JobCreated", { definition: jobDefinition() }),
      newEvent(tenant, "JobPaused", { reason: "before" }),
      newEvent(tenant, "JobResumed", {}),
    ]);
    await projector().handle(first);

    const [next] = await appendEach(streamId, [newEvent(tenant, "JobPaused", { reason: "after" })], 3);
    const both = createPostgresProjector({
      pool: t.pool,
      eventStore: store,
      projections: [jobsProjection, pauseLog()],
    });
    const result = await both.handle([next!]);

    expect(result.filled).toBe(3);
    expect(await pauseLogRows(t, streamId)).toEqual([
      { version: 2, reason: "before" },
      { version: 4, reason: "after" },
    ]);
    // the jobs projection was not given versions 1..3 again
    expect((await snapshot(t, tenant)).jobs[0]).toMatchObject({ status: "paused", version: 4 });
    expect(await positionOf(t, "jobs", streamId)).toBe(4);
  });

  it("rolls back a stream whose projection fails, and keeps other streams' work", async () => {
    const tenant = newTenant();
    const good = await appendEach(jobStreamId(tenant, "good"), [
      newEvent(tenant, "JobCreated", { definition: jobDefinition() }),
      newEvent(tenant, "JobPaused", { reason: "fine" }),
    ]);
    const bad = await appendEach(jobStreamId(tenant, "bad"), [
      newEvent(tenant, "JobCreated", { definition: jobDefinition() }),
      newEvent(tenant, "JobPaused", { reason: "poison" }),
    ]);
    const failing = createPostgresProjector({
      pool: t.pool,
      eventStore: store,
      projections: [jobsProjection, pauseLog({ failOnReason: "poison" })],
    });
    const error = await failing.handle([...good, ...bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectionFailed);
    expect(error).toMatchObject({
      message: `projecting stream ${jobStreamId(tenant, "bad")} failed: pause-log refuses reason poison`,
      streamId: jobStreamId(tenant, "bad"),
      completedStreams: [jobStreamId(tenant, "good")],
    });

    expect(await positionOf(t, "jobs", jobStreamId(tenant, "good"))).toBe(2);
    expect(await positionOf(t, "jobs", jobStreamId(tenant, "bad"))).toBeUndefined();
    expect((await snapshot(t, tenant)).jobs.map((job) => job.job_id)).toEqual(["good"]);

    // once the projection is fixed, redelivering the whole batch completes it
    const fixed = createPostgresProjector({
      pool: t.pool,
      eventStore: store,
      projections: [jobsProjection, pauseLog()],
    });
    await fixed.handle([...good, ...bad]);
    expect((await snapshot(t, tenant)).jobs.map((job) => [job.job_id, job.status])).toEqual([
      ["bad", "paused"],
      ["good", "paused"],
    ]);
    expect(await pauseLogRows(t, jobStreamId(tenant, "bad"))).toEqual([{ version: 2, reason: "poison" }]);
  });

  it("gives the same rows when two projectors take the same batches at once", async () => {
    const tenant = newTenant();
    const expectedTenant = newTenant();
    const streams = ["a", "b", "c"];
    const delivered: DecodedEvent[] = [];
    for (const jobId of streams) {
      delivered.push(...(await appendEach(jobStreamId(tenant, jobId), basicHistory(tenant))));
      await projector().handle(
        await appendEach(jobStreamId(expectedTenant, jobId), basicHistory(expectedTenant)),
      );
    }
    await Promise.all([
      projector().handle(delivered),
      projector().handle([...delivered].reverse()),
      projector().handle(delivered.slice(2)),
    ]);
    expect(await snapshot(t, tenant)).toEqual(await snapshot(t, expectedTenant));
  });

  /**
   * The central property: however the change feed delivers a history (shuffled,
   * duplicated, split into batches in any way), the rows equal those of one in-order
   * delivery.
   */
  it("ends with the rows of an in-order delivery, whatever the order, duplication and batching", async () => {
    type Step =
      | { kind: "rename"; name: string }
      | { kind: "describe"; description: string | null }
      | { kind: "tag"; tags: string[] }
      | { kind: "reschedule"; everySeconds: number }
      | { kind: "pause" }
      | { kind: "resume" };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant("rename" as const), name: fc.string({ minLength: 1, maxLength: 12 }) }),
      fc.record({
        kind: fc.constant("describe" as const),
        description: fc.option(fc.string({ maxLength: 12 })),
      }),
      fc.record({
        kind: fc.constant("tag" as const),
        tags: fc.uniqueArray(fc.constantFrom("a", "b", "c", "d"), { maxLength: 3 }),
      }),
      fc.record({
        kind: fc.constant("reschedule" as const),
        everySeconds: fc.integer({ min: 1, max: 86_400 }),
      }),
      fc.constant({ kind: "pause" as const }),
      fc.constant({ kind: "resume" as const }),
    );
    const job = fc.record({ steps: fc.array(step, { maxLength: 6 }), deleted: fc.boolean() });
    const jobs = fc.array(job, { minLength: 1, maxLength: 3 });

    const toEvents = (tenant: string, spec: { steps: Step[]; deleted: boolean }): NewEvent[] => {
      const events: NewEvent[] = [
        newEvent(tenant, "JobCreated", { definition: jobDefinition() }, { at: at(0) }),
      ];
      spec.steps.forEach((s, i) => {
        const when = { at: at(i + 1), actor: `user:${i}` };
        const update = (changes: JobUpdatedData["changes"]) =>
          newEvent(
            tenant,
            "JobUpdated",
            { changes, changedFields: Object.keys(changes) as JobField[] },
            when,
          );
        if (s.kind === "rename") events.push(update({ name: s.name }));
        if (s.kind === "describe") events.push(update({ description: s.description }));
        if (s.kind === "tag") events.push(update({ tags: s.tags }));
        if (s.kind === "reschedule")
          events.push(
            update({
              schedule: {
                type: "rate",
                everySeconds: s.everySeconds,
                startAt: null,
                endAt: null,
                jitterSeconds: 0,
              },
            }),
          );
        if (s.kind === "pause") events.push(newEvent(tenant, "JobPaused", { reason: null }, when));
        if (s.kind === "resume") events.push(newEvent(tenant, "JobResumed", {}, when));
      });
      if (spec.deleted) events.push(newEvent(tenant, "JobDeleted", { reason: null }, { at: at(99) }));
      return events;
    };

    await fc.assert(
      fc.asyncProperty(jobs, fc.gen(), async (specs, g) => {
        const expectedTenant = newTenant();
        const tenant = newTenant();
        const all: DecodedEvent[] = [];
        for (const [i, spec] of specs.entries()) {
          const inOrder = await appendEach(
            jobStreamId(expectedTenant, `job-${i}`),
            toEvents(expectedTenant, spec),
          );
          await projector().handle(inOrder);
          all.push(...(await appendEach(jobStreamId(tenant, `job-${i}`), toEvents(tenant, spec))));
        }

        const deliveries = [...all];
        const duplicates = g(fc.nat, { max: all.length });
        for (let i = 0; i < duplicates; i++) deliveries.push(all[g(fc.nat, { max: all.length - 1 })]!);
        for (let i = deliveries.length - 1; i > 0; i--) {
          const j = g(fc.nat, { max: i });
          [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
        }
        while (deliveries.length > 0) {
          const size = g(fc.integer, { min: 1, max: deliveries.length });
          await projector().handle(deliveries.splice(0, size));
        }

        expect(await snapshot(t, tenant)).toEqual(await snapshot(t, expectedTenant));
      }),
      { numRuns: 25 },
    );
  });
});
