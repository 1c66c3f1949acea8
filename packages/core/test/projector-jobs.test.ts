import { randomUUID } from "node:crypto";
import type { DecodedEvent, JobUpdatedData } from "@jobledger/events";
import { describe, expect, it } from "vitest";
import { withTransaction } from "../src/adapters/postgres/transaction.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { jobDefinition } from "./support/events.ts";
import { asDecoded, databaseKinds, jobStreamId, newEvent, type TestDatabase } from "./support/postgres.ts";

async function apply(t: TestDatabase, events: DecodedEvent[]): Promise<void> {
  await withTransaction(t.pool, async (client) => {
    for (const event of events) await jobsProjection.apply(client, event);
  });
}

async function row(t: TestDatabase, tenant: string, jobId: string) {
  const result = await t.pool.query("SELECT * FROM jobs WHERE tenant = $1 AND job_id = $2", [tenant, jobId]);
  return result.rows[0];
}

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 0, minute));

describe.each(databaseKinds)("jobs projection on %s", (_kind, use) => {
  const t = use();

  it("handles exactly the job events", () => {
    expect(
      ["JobCreated", "JobUpdated", "JobPaused", "JobResumed", "JobDeleted"].every((type) =>
        jobsProjection.handles(type as never),
      ),
    ).toBe(true);
    expect(jobsProjection.handles("RunQueued" as never)).toBe(false);
  });

  it("follows a job through create, update, pause, resume and delete", async () => {
    const tenant = `t-${randomUUID()}`;
    const definition = jobDefinition({ name: "first", description: "about it", tags: ["a", "b"] });
    const update: JobUpdatedData = {
      changes: {
        name: "renamed",
        description: null,
        tags: ["c"],
        schedule: { type: "rate", everySeconds: 60, startAt: null, endAt: null, jitterSeconds: 0 },
      },
      changedFields: ["name", "description", "tags", "schedule"],
    };
    const events = asDecoded(jobStreamId(tenant, "j1"), [
      newEvent(tenant, "JobCreated", { definition }, { at: at(0), actor: "user:alice" }),
      newEvent(tenant, "JobUpdated", update, { at: at(1), actor: "user:bob" }),
      newEvent(tenant, "JobPaused", { reason: "maintenance" }, { at: at(2) }),
    ]);
    await apply(t, events);
    expect(await row(t, tenant, "j1")).toMatchObject({
      name: "renamed",
      description: null,
      tags: ["c"],
      definition: {
        ...definition,
        name: "renamed",
        description: null,
        tags: ["c"],
        schedule: { type: "rate", everySeconds: 60, startAt: null, endAt: null, jitterSeconds: 0 },
      },
      status: "paused",
      version: 3,
      created_at: at(0),
      created_by: "user:alice",
      updated_at: at(2),
      updated_by: "user:test",
      deleted_at: null,
    });

    await apply(
      t,
      asDecoded(jobStreamId(tenant, "j1"), [newEvent(tenant, "JobResumed", {}, { at: at(3) })], 4),
    );
    expect((await row(t, tenant, "j1")).status).toBe("active");

    await apply(
      t,
      asDecoded(
        jobStreamId(tenant, "j1"),
        [newEvent(tenant, "JobDeleted", { reason: null }, { at: at(4) })],
        5,
      ),
    );
    expect(await row(t, tenant, "j1")).toMatchObject({
      status: "deleted",
      deleted_at: at(4),
      version: 5,
      name: "renamed",
    });
  });

  it("takes only the fields changedFields names", async () => {
    const tenant = `t-${randomUUID()}`;
    const definition = jobDefinition({ name: "kept", description: "kept too", tags: ["x"] });
    // a decoder may fill unchanged optional fields with null
    const update = {
      changes: { name: null, description: null, overlap: "allow" },
      changedFields: ["overlap"],
    };
    await apply(
      t,
      asDecoded(jobStreamId(tenant, "j"), [
        newEvent(tenant, "JobCreated", { definition }),
        newEvent(tenant, "JobUpdated", update as unknown as JobUpdatedData),
      ]),
    );
    expect(await row(t, tenant, "j")).toMatchObject({
      name: "kept",
      description: "kept too",
      tags: ["x"],
      definition: { ...definition, overlap: "allow" },
    });
  });

  it("fails clearly on an update of a job it never saw, and on a stream that is not a job's", async () => {
    const tenant = `t-${randomUUID()}`;
    const [paused] = asDecoded(
      jobStreamId(tenant, "ghost"),
      [newEvent(tenant, "JobPaused", { reason: null })],
      2,
    );
    await expect(apply(t, [paused!])).rejects.toThrow(
      /JobPaused \(version 2\) of .*\/job\/ghost found no job row/,
    );

    const [misplaced] = asDecoded(`${tenant}/run/r1`, [
      newEvent(tenant, "JobCreated", { definition: jobDefinition() }),
    ]);
    await expect(apply(t, [misplaced!])).rejects.toThrow(/does not belong to a job stream/);
    const [otherTenant] = asDecoded(jobStreamId("someone-else", "j"), [
      newEvent(tenant, "JobCreated", { definition: jobDefinition() }),
    ]);
    await expect(apply(t, [otherTenant!])).rejects.toThrow(/does not belong to a job stream/);
  });
});
