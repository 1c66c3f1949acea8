/**
 * Repair (`jobledger replay --from <t>`) beside a full rebuild of the Postgres read model,
 * after a short incident window: BENCH_REPAIR_STREAMS job streams (default 2 000) of
 * BENCH_REPAIR_PER_STREAM events (default 100: JobCreated, then pause/resume toggles) in
 * dynalite, made live by a full rebuild; then BENCH_REPAIR_TOUCHED streams (default 20) get
 * one more event after `from`. Timed, each twice, dry runs on the PostgreSQL at DATABASE_URL
 * (default the machine's, db `test`): the full rebuild, and the repair from `from` (only the
 * touched streams are folded again, the rest is carried over from the live copy).
 */
import { randomUUID } from "node:crypto";
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import { ensureEventStoreTable } from "@jobledger/core/adapters/dynamodb/event-store-table";
import { createDynamoClients, startDynalite } from "@jobledger/core/adapters/local/standins";
import { openDatabase } from "@jobledger/core/adapters/postgres/database";
import { migrate } from "@jobledger/core/adapters/postgres/migrate";
import { createPostgresRebuildTarget } from "@jobledger/core/adapters/postgres/rebuild-target";
import { rebuild } from "@jobledger/core/application/rebuild/rebuild";
import type { NewEvent } from "@jobledger/events";
import { definition, event, TENANT } from "./rebuild.ts";
import { printTable, round } from "./support.ts";

const STREAMS = Number(process.env.BENCH_REPAIR_STREAMS ?? 2_000);
const PER_STREAM = Number(process.env.BENCH_REPAIR_PER_STREAM ?? 100);
const TOUCHED = Number(process.env.BENCH_REPAIR_TOUCHED ?? 20);
const URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const PAGE_SIZE = 50;

const toggle = (version: number, at: Date): NewEvent =>
  event(version % 2 ? "JobPaused" : "JobResumed", version % 2 ? { reason: null } : {}, at);

export async function benchRebuildRepair(): Promise<void> {
  const dynalite = await startDynalite();
  const { client, doc, destroy } = createDynamoClients({ endpoint: dynalite.endpoint, region: "us-east-1" });
  const table = `bench-repair-${randomUUID().slice(0, 8)}`;
  await ensureEventStoreTable(client, table);
  const store = new DynamoEventStore({ doc, tableName: table });
  const live = `bench_repair_${randomUUID().slice(0, 8)}`;
  const admin = await openDatabase({ url: URL });
  try {
    const at = new Date("2026-11-01T00:00:00Z");
    const ids: string[] = [];
    for (let s = 0; s < STREAMS; s++) {
      const id = `${TENANT}/job/${randomUUID()}`;
      ids.push(id);
      const events = [event("JobCreated", { definition }, at)];
      for (let v = 1; v < PER_STREAM; v++) events.push(toggle(v, at));
      for (let i = 0; i < events.length; i += 100) await store.append(id, i, events.slice(i, i + 100));
    }
    const db = await openDatabase({ url: URL, schema: live });
    await migrate(db.pool);
    await db.close();
    const setup = createPostgresRebuildTarget({ url: URL, liveSchema: live, eventStore: store });
    await rebuild(store, setup, { tenants: [TENANT], pageSize: PAGE_SIZE });
    await setup.close();

    // the incident window: commits are found by their commit time (wall clock)
    await new Promise((r) => setTimeout(r, 20));
    const from = new Date();
    await new Promise((r) => setTimeout(r, 20));
    for (const id of ids.slice(0, TOUCHED))
      await store.append(id, PER_STREAM, [toggle(PER_STREAM, new Date())]);

    const time = async (range?: { from: Date }) => {
      const target = createPostgresRebuildTarget({ url: URL, liveSchema: live, eventStore: store });
      const started = performance.now();
      const result = await rebuild(store, target, {
        tenants: [TENANT],
        pageSize: PAGE_SIZE,
        dryRun: true,
        range,
      });
      const seconds = (performance.now() - started) / 1000;
      await target.close();
      return { seconds, events: result.events, repaired: result.repairedStreams };
    };
    const rows: Record<string, string | number>[] = [];
    for (let round_ = 1; round_ <= 2; round_++) {
      const full = await time();
      const repair = await time({ from });
      rows.push(
        {
          pass: round_,
          run: "full rebuild",
          s: round(full.seconds, 2),
          events: full.events,
          streams: STREAMS,
          "speed-up": 1,
        },
        {
          pass: round_,
          run: "repair --from",
          s: round(repair.seconds, 2),
          events: repair.events,
          streams: repair.repaired,
          "speed-up": round(full.seconds / repair.seconds, 1),
        },
      );
    }
    printTable(
      `rebuild vs repair: ${STREAMS} streams × ${PER_STREAM} events, ${TOUCHED} touched after --from (dry runs)`,
      rows,
    );
  } finally {
    for (const schema of [live, `${live}_old`, `${live}_rebuild`]) {
      await admin.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
    await admin.close();
    destroy();
    await dynalite.close();
  }
}
