/**
 * A crash never invents history: after `kill -9`, dynalite can hold a commit in its GSIs
 * (`byTenant`, `pending`) whose base item was never written (putItem.js writes the index
 * entries first). Every reader of the event store must see only what the base table holds:
 * stream reads, tenant reads (export, verify, rebuild) and the relay.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { DecodedEvent } from "@jobledger/events";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { BY_TENANT_INDEX, ensureEventStoreTable } from "../src/adapters/dynamodb/event-store-table.ts";
import { LocalRelay } from "../src/adapters/local/relay.ts";
import { createDynamoClients, type StandIn, startDynalite } from "../src/adapters/local/standins.ts";
import { openReadModel, rebuildReadModels } from "../src/adapters/postgres/read-model-recovery.ts";
import { postgresReadModelRows } from "../src/adapters/postgres/rebuild-read-model-rows.ts";
import { scopeEvents } from "../src/application/audit/export.ts";
import { verifyTenant } from "../src/application/audit/verify.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { runsProjection } from "../src/projections/runs.ts";
import { schedulesProjection } from "../src/projections/schedules.ts";
import { jobCreated, jobPaused, jobResumed } from "./support/events.ts";
import { readWholeStream } from "./support/kinesis.ts";
import { TEST_REGION, type TestKinesis, withKinesalite } from "./support/standins.ts";
import { nextCommit, tearCommit } from "./support/torn-commit.ts";

const TABLE = "events";
const projections = [jobsProjection, runsProjection, schedulesProjection];
let dir: string;
let kin: TestKinesis;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "jobledger-torn-"));
  kin = await withKinesalite();
});
afterAll(async () => {
  await kin?.close();
  await rm(dir, { recursive: true, force: true });
});

/** dynalite on a folder, with clients and an event store (relay change feed, no relay attached) */
async function open(folder: string, logged: string[] = []) {
  const standIn: StandIn = await startDynalite({ path: folder });
  const clients = createDynamoClients({ endpoint: standIn.endpoint, region: TEST_REGION });
  await ensureEventStoreTable(clients.client, TABLE);
  const logger = pino({ level: "warn" }, { write: (line: string) => logged.push(line) });
  const store = new DynamoEventStore({ doc: clients.doc, tableName: TABLE, changeFeed: "relay", logger });
  return {
    ...clients,
    store,
    logger,
    async close() {
      clients.destroy();
      await standIn.close();
    },
  };
}

async function allOfTenant(store: DynamoEventStore, tenant: string, limit: number): Promise<DecodedEvent[]> {
  const events: DecodedEvent[] = [];
  let cursor: string | null = null;
  do {
    const page: { events: DecodedEvent[]; cursor: string | null } = await store.readTenant(tenant, {
      cursor,
      limit,
    });
    events.push(...page.events);
    cursor = page.cursor;
  } while (cursor !== null);
  return events;
}

describe("a commit torn by a crash (index entry without its base item)", () => {
  it("is ignored by stream reads, tenant reads, export, verify, rebuild and the relay", async () => {
    const folder = path.join(dir, "dynamodb");
    const a = "t1/job/a";
    const ghost = "t1/job/ghost";

    // before the "crash": job a at version 2, both commits acknowledged
    const first = await open(folder);
    await first.store.append(a, 0, [jobCreated("t1")]);
    await first.store.append(a, 1, [jobPaused("t1")]);
    // the appends the kill tore: a job that was never created, and version 3 of job a
    const ghostCommit = await nextCommit(first.doc, TABLE, ghost, [jobCreated("t1", { name: "never" })]);
    const tornA3 = await nextCommit(first.doc, TABLE, a, [jobResumed("t1")]);
    await first.close();
    await tearCommit(folder, TABLE, ghostCommit);
    await tearCommit(folder, TABLE, tornA3);

    const logged: string[] = [];
    const second = await open(folder, logged);
    try {
      // the torn state is real: the index lists both commits the base table lacks
      const indexed = await second.doc.send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: BY_TENANT_INDEX,
          KeyConditionExpression: "tenant = :t",
          ExpressionAttributeValues: { ":t": "t1" },
        }),
      );
      expect(indexed.Items?.map((i) => `${i.pk}@${i.sk}`).sort()).toEqual([
        `${a}@1`,
        `${a}@2`,
        `${a}@3`,
        `${ghost}@1`,
      ]);

      // after the restart version 3 is appended for real (the base table had no such commit)
      const real3 = await second.store.append(a, 2, [jobResumed("t1")]);
      const realIds = [...(await second.store.readStream(a)).events.map((e) => e.eventId)];
      expect(realIds).toHaveLength(3);
      expect(realIds[2]).toBe(real3.events[0]?.eventId);
      expect((await second.store.readStream(ghost)).events).toEqual([]);

      // tenant reads, at every page size (pages with dropped entries included), see the same history
      for (const limit of [1, 2, 3, 100]) {
        const events = await allOfTenant(second.store, "t1", limit);
        expect(events.map((e) => [e.streamId, e.version, e.eventId])).toEqual(
          realIds.map((id, i) => [a, i + 1, id]),
        );
      }
      expect(logged.join("")).toContain("index entry");

      // export
      const exported: DecodedEvent[] = [];
      for await (const e of scopeEvents(second.store, { tenant: "t1" })) exported.push(e);
      expect(exported.map((e) => e.eventId)).toEqual(realIds);

      // rebuild into an empty read model, then verify it against a fresh fold: clean
      const { database } = await openReadModel({ logger: second.logger });
      try {
        await rebuildReadModels({
          pool: database.pool,
          eventStore: second.store,
          tenants: ["t1"],
          projections,
        });
        const report = await verifyTenant(second.store, postgresReadModelRows(database.pool), "t1");
        expect(report.differences).toEqual([]);
        expect(report).toMatchObject({ streams: 1, events: 3 });
        const { rows } = await database.pool.query("SELECT job_id, version, status FROM jobs");
        expect(rows).toEqual([{ job_id: "a", version: 3, status: "active" }]);
      } finally {
        await database.close();
      }

      // the relay publishes what the base table holds: job a's three commits, version 3 as appended
      // after the restart, never the torn version 3 nor the ghost (both are in the pending index)
      const streamName = await kin.newStream(1);
      const relay = new LocalRelay({
        doc: second.doc,
        tableName: TABLE,
        kinesis: kin.kinesis,
        streamName,
        region: TEST_REGION,
        logger: second.logger,
      });
      await expect(relay.recover()).resolves.toBe(3);
      const records = (await readWholeStream(kin.kinesis, streamName)).map((r) => {
        const image = JSON.parse(Buffer.from(r.data).toString("utf8")).dynamodb.NewImage;
        return [image.pk.S, Number(image.sk.N), image.commitId.S];
      });
      expect(records.map(([pk, sk]) => [pk, sk])).toEqual([
        [a, 1],
        [a, 2],
        [a, 3],
      ]);
      expect(records[2]?.[2]).not.toBe(tornA3.commitId);
      await expect(relay.recover()).resolves.toBe(0);
      expect(logged.join("")).toContain("pending index entry without its commit");
      await relay.stop();
    } finally {
      await second.close();
    }
  });

  it("lists the tenants the base table holds, not those only an index names", async () => {
    const folder = path.join(dir, "tenants");
    const first = await open(folder);
    await first.store.append("t1/job/a", 0, [jobCreated("t1")]);
    const onlyIndexed = await nextCommit(first.doc, TABLE, "t2/job/b", [jobCreated("t2")]);
    await first.close();
    await tearCommit(folder, TABLE, onlyIndexed);
    const second = await open(folder);
    try {
      await expect(second.store.tenants()).resolves.toEqual(["t1"]);
    } finally {
      await second.close();
    }
  });
});

describe("an embedded Postgres that cannot reopen", () => {
  it("is moved aside, replaced by a fresh one, and rebuilt from the event store", async () => {
    const dynamo = await open(path.join(dir, "rebuild-dynamodb"));
    const logged: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => logged.push(line) });
    const pglitePath = path.join(dir, "pglite");
    try {
      await dynamo.store.append("t1/job/a", 0, [jobCreated("t1")]);
      await dynamo.store.append("t1/job/a", 1, [jobPaused("t1")]);
      await dynamo.store.append("t2/job/b", 0, [jobCreated("t2")]);

      const before = await openReadModel({ pglitePath, logger });
      expect(before).toMatchObject({ recreated: null, created: true });
      await rebuildReadModels({
        pool: before.database.pool,
        eventStore: dynamo.store,
        tenants: await dynamo.store.tenants(),
        projections,
      });
      const rowsBefore = (
        await before.database.pool.query("SELECT tenant, job_id, version FROM jobs ORDER BY 1")
      ).rows;
      expect(rowsBefore).toHaveLength(2);
      await before.database.close();

      // what a kill can leave: a control file PGlite does not start from
      await writeFile(path.join(pglitePath, "global", "pg_control"), Buffer.alloc(8192, 0x5a));

      const after = await openReadModel({ pglitePath, logger, now: () => new Date("2026-12-04T10:00:00Z") });
      try {
        expect(after.created).toBe(false);
        expect(after.recreated).not.toBeNull();
        expect(after.recreated?.movedTo).toBe(`${pglitePath}.broken-2026-12-04T10-00-00-000Z`);
        expect(existsSync(after.recreated?.movedTo ?? "")).toBe(true);
        expect(logged.join("")).toContain("cannot be reopened");
        expect((await after.database.pool.query("SELECT count(*)::int AS n FROM jobs")).rows[0].n).toBe(0);
        await rebuildReadModels({
          pool: after.database.pool,
          eventStore: dynamo.store,
          tenants: await dynamo.store.tenants(),
          projections,
        });
        const rowsAfter = (
          await after.database.pool.query("SELECT tenant, job_id, version FROM jobs ORDER BY 1")
        ).rows;
        expect(rowsAfter).toEqual(rowsBefore);
        for (const tenant of ["t1", "t2"]) {
          const report = await verifyTenant(dynamo.store, postgresReadModelRows(after.database.pool), tenant);
          expect(report.differences).toEqual([]);
        }
      } finally {
        await after.database.close();
      }
    } finally {
      await dynamo.close();
    }
  });
});
