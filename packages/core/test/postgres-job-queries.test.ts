import { randomUUID } from "node:crypto";
import type { DecodedEvent } from "@jobledger/events";
import { describe, expect, it } from "vitest";
import { createJobQueries, InvalidCursor } from "../src/adapters/postgres/job-queries.ts";
import { withTransaction } from "../src/adapters/postgres/transaction.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { jobDefinition } from "./support/events.ts";
import { asDecoded, databaseKinds, jobStreamId, newEvent, type TestDatabase } from "./support/postgres.ts";

/** Writes rows straight through the jobs projection (the projector is tested on its own). */
async function project(t: TestDatabase, events: DecodedEvent[]): Promise<void> {
  await withTransaction(t.pool, async (client) => {
    for (const event of events) await jobsProjection.apply(client, event);
  });
}

interface SeedJob {
  id: string;
  name?: string;
  tags?: string[];
  at: Date;
  afterwards?: "pause" | "delete";
}

async function seed(t: TestDatabase, tenant: string, jobs: SeedJob[]): Promise<void> {
  const events: DecodedEvent[] = [];
  for (const job of jobs) {
    const created = newEvent(
      tenant,
      "JobCreated",
      { definition: jobDefinition({ name: job.name ?? `job ${job.id}`, tags: job.tags ?? [] }) },
      { at: job.at },
    );
    const later =
      job.afterwards === "pause"
        ? [newEvent(tenant, "JobPaused", { reason: null }, { at: job.at })]
        : job.afterwards === "delete"
          ? [newEvent(tenant, "JobDeleted", { reason: "gone" }, { at: job.at })]
          : [];
    events.push(...asDecoded(jobStreamId(tenant, job.id), [created, ...later]));
  }
  await project(t, events);
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

describe.each(databaseKinds)("job queries on %s", (_kind, use) => {
  const t = use();
  const tenant = () => `tenant-${randomUUID()}`;

  it("gets a job with its definition, and null when missing, deleted or in another tenant", async () => {
    const mine = tenant();
    const other = tenant();
    await seed(t, mine, [
      { id: "a", name: "Alpha", tags: ["x"], at: at(1) },
      { id: "gone", at: at(2), afterwards: "delete" },
    ]);
    const queries = createJobQueries(t.pool);

    const job = await queries.get(mine, "a");
    expect(job).toEqual({
      id: "a",
      tenant: mine,
      name: "Alpha",
      description: null,
      definition: jobDefinition({ name: "Alpha", tags: ["x"] }),
      status: "active",
      tags: ["x"],
      version: 1,
      createdAt: at(1),
      createdBy: "user:test",
      updatedAt: at(1),
      updatedBy: "user:test",
      deletedAt: null,
    });
    expect(await queries.get(mine, "missing")).toBeNull();
    expect(await queries.get(mine, "gone")).toBeNull();
    expect(await queries.get(other, "a")).toBeNull();
  });

  it("filters by status, tag and name (case-insensitive), and hides deleted jobs by default", async () => {
    const mine = tenant();
    await seed(t, mine, [
      { id: "1", name: "Nightly Report", tags: ["reports", "nightly"], at: at(1) },
      { id: "2", name: "hourly ping", tags: ["ping"], at: at(2), afterwards: "pause" },
      { id: "3", name: "Weekly REPORT", tags: ["reports"], at: at(3), afterwards: "delete" },
      { id: "4", name: "100% done_ok", tags: [], at: at(4) },
    ]);
    const queries = createJobQueries(t.pool);
    const ids = async (options: Parameters<typeof queries.list>[1]) =>
      (await queries.list(mine, options)).items.map((job) => job.id);

    expect(await ids({})).toEqual(["4", "2", "1"]);
    expect(await ids({ status: "active" })).toEqual(["4", "1"]);
    expect(await ids({ status: "paused" })).toEqual(["2"]);
    expect(await ids({ status: "deleted" })).toEqual(["3"]);
    expect(await ids({ tag: "reports" })).toEqual(["1"]);
    expect(await ids({ tag: "reports", status: "deleted" })).toEqual(["3"]);
    expect(await ids({ tag: "none" })).toEqual([]);
    expect(await ids({ search: "REPORT" })).toEqual(["1"]);
    expect(await ids({ search: "report", status: "deleted" })).toEqual(["3"]);
    // LIKE wildcards in the search text are plain characters
    expect(await ids({ search: "0% d" })).toEqual(["4"]);
    expect(await ids({ search: "_" })).toEqual(["4"]);
    const deleted = (await queries.list(mine, { status: "deleted" })).items[0]!;
    expect(deleted.deletedAt).toEqual(at(3));
  });

  it("pages through every job exactly once, newest first, ties broken by id", async () => {
    const mine = tenant();
    // 23 jobs on 6 distinct instants: many share created_at
    const jobs = Array.from({ length: 23 }, (_, i) => ({
      id: `job-${String(i).padStart(2, "0")}`,
      at: at(i % 6),
    }));
    await seed(t, mine, jobs);
    const queries = createJobQueries(t.pool);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await queries.list(mine, { limit: 5, cursor });
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items.map((job) => job.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);

    const expected = [...jobs]
      .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1))
      .map((job) => job.id);
    expect(seen).toEqual(expected);
    expect(pages).toBe(5);
    // an exact multiple of the page size ends without an empty extra page
    const all = await queries.list(mine, { limit: 23 });
    expect(all.items).toHaveLength(23);
    expect(all.nextCursor).toBeNull();
  });

  it("pages correctly when creation times differ by microseconds (finer than a Date)", async () => {
    const mine = tenant();
    const jobs = Array.from({ length: 6 }, (_, i) => ({ id: `m${i}`, at: at(1) }));
    await seed(t, mine, jobs);
    // m0..m5 get 0, 100, ..., 500 µs: all within one millisecond, in the opposite order of their ids
    await t.pool.query(
      `UPDATE jobs SET created_at = created_at + ((5 - substr(job_id, 2)::int) * 100) * interval '1 microsecond'
       WHERE tenant = $1`,
      [mine],
    );
    const queries = createJobQueries(t.pool);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await queries.list(mine, { limit: 1, cursor });
      seen.push(...page.items.map((job) => job.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(["m0", "m1", "m2", "m3", "m4", "m5"]);
  });

  it("never returns another tenant's jobs, even with the same ids", async () => {
    const a = tenant();
    const b = tenant();
    await seed(t, a, [{ id: "same", name: "of a", tags: ["t"], at: at(1) }]);
    await seed(t, b, [{ id: "same", name: "of b", tags: ["t"], at: at(1) }]);
    const queries = createJobQueries(t.pool);
    expect((await queries.list(a, {})).items.map((job) => [job.tenant, job.name])).toEqual([[a, "of a"]]);
    expect((await queries.list(b, { tag: "t" })).items.map((job) => [job.tenant, job.name])).toEqual([
      [b, "of b"],
    ]);
    expect((await queries.get(b, "same"))?.name).toBe("of b");
  });

  it("rejects a malformed cursor and a limit out of range", async () => {
    const queries = createJobQueries(t.pool);
    const mine = tenant();
    for (const cursor of [
      "not a cursor!",
      Buffer.from("plain text").toString("base64url"),
      Buffer.from(JSON.stringify({ c: "yesterday", i: "a" })).toString("base64url"),
      Buffer.from(JSON.stringify({ c: "2026-13-01T00:00:00Z", i: "a" })).toString("base64url"),
      Buffer.from(JSON.stringify({ c: "2026-01-01T00:00:00Z" })).toString("base64url"),
    ]) {
      await expect(queries.list(mine, { cursor })).rejects.toBeInstanceOf(InvalidCursor);
    }
    await expect(queries.list(mine, { limit: 0 })).rejects.toThrow(
      /limit must be an integer from 1 to 200, got 0/,
    );
    await expect(queries.list(mine, { limit: 201 })).rejects.toBeInstanceOf(RangeError);
    await expect(queries.list(mine, { limit: 2.5 })).rejects.toBeInstanceOf(RangeError);
  });
});
