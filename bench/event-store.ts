/**
 * Appends per second to the local event store (dynalite) with 1 and 20 concurrent writers,
 * each writer appending one-event commits to its own stream. Baseline measured in the same
 * run: plain unconditional PutItems of the same size without reading the tail or encoding.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoEventStore } from "@jobledger/core/adapters/dynamodb/event-store";
import { ensureEventStoreTable } from "@jobledger/core/adapters/dynamodb/event-store-table";
import { createDynamoClients, startDynalite } from "@jobledger/core/adapters/local/standins";
import type { NewEvent } from "@jobledger/events";
import { v7 as uuidv7 } from "uuid";
import { printTable, round } from "./support.ts";

const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;

function paused(tenant: string): NewEvent {
  return {
    eventId: uuidv7(),
    type: "JobPaused",
    data: { reason: "benchmark" },
    occurredAt: new Date(),
    correlationId: "bench",
    causationId: null,
    actor: "system:bench",
    tenant,
  };
}

async function runFor(writers: number, work: (writer: number, i: number) => Promise<void>): Promise<number> {
  let done = 0;
  const end = Date.now() + DURATION_MS;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; Date.now() < end; i++) {
        await work(w, i);
        done++;
      }
    }),
  );
  return done / (DURATION_MS / 1000);
}

export async function benchEventStore(): Promise<void> {
  const dynalite = await startDynalite();
  const { client, doc, destroy } = createDynamoClients({ endpoint: dynalite.endpoint, region: "us-east-1" });
  const rows: Record<string, string | number>[] = [];
  try {
    for (const writers of [1, 20]) {
      const table = `bench-${writers}-${Date.now()}`;
      await ensureEventStoreTable(client, table);
      const store = new DynamoEventStore({ doc, tableName: table, changeFeed: "relay" });
      const versions = new Map<number, number>();
      const appends = await runFor(writers, async (w) => {
        const version = versions.get(w) ?? 0;
        await store.append(`bench/job/w${w}`, version, [paused("bench")]);
        versions.set(w, version + 1);
      });
      const baseline = await runFor(writers, async (w, i) => {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: { pk: `raw/w${w}`, sk: i, payload: new Uint8Array(420), tenant: "raw", commitId: uuidv7() },
          }),
        );
      });
      rows.push({
        writers,
        "appends/s": round(appends),
        "plain PutItem/s (baseline)": round(baseline),
        "ratio to baseline": round(appends / baseline, 2),
      });
    }
  } finally {
    destroy();
    await dynalite.close();
  }
  printTable(`Event store appends, local dynalite, ${DURATION_MS / 1000} s per figure`, rows);
}
