/**
 * Tenants whose ids differ only in letter case are different tenants in the notifications
 * table (ElectroDB lower-cased keys, so `ta` saw, replaced and deleted `tA`'s preferences and
 * its delivery log), and the one-off migration moves items written with lower-cased keys to
 * their case-keeping keys, idempotently. On dynalite.
 */
import { Entity } from "electrodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoDeliveryLog } from "../src/adapters/notify/delivery-log.ts";
import { migrateNotificationKeyCasing } from "../src/adapters/notify/migrate-key-casing.ts";
import { ensureNotificationsTable } from "../src/adapters/notify/notify-table.ts";
import {
  createDynamoJobOutcomeStore,
  createDynamoPreferenceStore,
} from "../src/adapters/notify/preference-store.ts";
import type { DeliveryRecord } from "../src/notifications/ports.ts";
import type { PreferenceInput } from "../src/notifications/preferences.ts";
import { ManualClock } from "../src/ports/clock.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";

let dynamo: TestDynamo;
const clock = new ManualClock(new Date("2027-02-01T09:30:00Z"));
beforeAll(async () => {
  dynamo = await withDynalite();
});
afterAll(async () => {
  await dynamo?.close();
});

const input: PreferenceInput = {
  recipient: "team:ops",
  scope: { type: "all" },
  kinds: ["run.dead_lettered"],
  channels: [{ type: "webhook", url: "https://hooks.example.com/tA" } as PreferenceInput["channels"][number]],
  quietHours: null,
  digest: null,
};
const delivery = (tenant: string, id: string): DeliveryRecord => ({
  tenant,
  id,
  at: "2027-02-01T09:31:00.000Z",
  sourceEventId: `src-${id}`,
  kind: "run.dead_lettered",
  jobId: "0190d1a2-0000-7000-8000-00000000000A",
  runId: null,
  recipient: "team:ops",
  channel: "webhook",
  destination: "https://hooks.example.com/tA",
  status: "sent",
  attempts: 1,
  error: null,
});

async function storesOn(tableName: string) {
  return {
    preferences: createDynamoPreferenceStore({ doc: dynamo.doc, tableName, clock }),
    deliveries: createDynamoDeliveryLog({ doc: dynamo.doc, tableName }),
    outcomes: createDynamoJobOutcomeStore({ doc: dynamo.doc, tableName }),
  };
}

describe("tenants differing only in case", () => {
  it("do not share preferences, delivery logs or job outcomes", async () => {
    const table = uniqueName("notify");
    await ensureNotificationsTable(dynamo.client, table);
    const { preferences, deliveries, outcomes } = await storesOn(table);

    const theirs = await preferences.create("tA", input);
    expect((await preferences.list("ta")).items).toEqual([]);
    expect(await preferences.get("ta", theirs.id)).toBeNull();
    expect(await preferences.replace("ta", theirs.id, { ...input, recipient: "team:evil" })).toBeNull();
    expect(await preferences.remove("ta", theirs.id)).toBe(false);
    expect((await preferences.get("tA", theirs.id))?.recipient).toBe("team:ops");
    expect((await preferences.list("tA")).items.map((p) => p.id)).toEqual([theirs.id]);

    await deliveries.record([delivery("tA", "n1")]);
    expect((await deliveries.list("ta")).items).toEqual([]);
    expect((await deliveries.list("tA")).items.map((d) => d.id)).toEqual(["n1"]);

    await outcomes.set("tA", "job-1", "failing");
    expect(await outcomes.get("ta", "job-1")).toBeNull();
    expect(await outcomes.get("tA", "job-1")).toBe("failing");
  });
});

describe("the key casing migration", () => {
  it("moves items written with lower-cased keys to case-keeping keys, once", async () => {
    const table = uniqueName("notify");
    await ensureNotificationsTable(dynamo.client, table);
    // write as the old code did: the same models with ElectroDB's default (lower-case) keys
    const oldPreference = new Entity(
      {
        model: { entity: "preference", version: "1", service: "jobledger-notify" },
        attributes: {
          tenant: { type: "string", required: true },
          id: { type: "string", required: true },
          recipient: { type: "string", required: true },
          body: { type: "string", required: true },
          createdAt: { type: "string", required: true },
          updatedAt: { type: "string", required: true },
        },
        indexes: {
          primary: { pk: { field: "pk", composite: ["tenant"] }, sk: { field: "sk", composite: ["id"] } },
        },
      },
      { client: dynamo.doc, table },
    );
    const oldDelivery = new Entity(
      {
        model: { entity: "delivery", version: "1", service: "jobledger-notify" },
        attributes: {
          tenant: { type: "string", required: true },
          at: { type: "string", required: true },
          id: { type: "string", required: true },
          sourceEventId: { type: "string", required: true },
          kind: { type: "string", required: true },
          jobId: { type: "string", required: true },
          recipient: { type: "string", required: true },
          channel: { type: "string", required: true },
          destination: { type: "string", required: true },
          status: { type: ["sent", "failed"] as const, required: true },
          attempts: { type: "number", required: true },
        },
        indexes: {
          primary: {
            pk: { field: "pk", composite: ["tenant"] },
            sk: { field: "sk", composite: ["at", "id"] },
          },
        },
      },
      { client: dynamo.doc, table },
    );
    const body = JSON.stringify({
      scope: input.scope,
      kinds: input.kinds,
      channels: input.channels,
      quietHours: null,
      digest: null,
    });
    const at = "2027-01-01T00:00:00.000Z";
    await oldPreference
      .put({ tenant: "tA", id: "Pref-A", recipient: "team:ops", body, createdAt: at, updatedAt: at })
      .go();
    await oldPreference
      .put({ tenant: "ta", id: "pref-a2", recipient: "team:lower", body, createdAt: at, updatedAt: at })
      .go();
    const { runId: _r, error: _e, ...record } = delivery("tA", "N2");
    await oldDelivery.put(record).go();
    const { preferences, deliveries } = await storesOn(table);
    expect(await preferences.get("tA", "Pref-A")).toBeNull(); // not where the new code looks

    const first = await migrateNotificationKeyCasing({ doc: dynamo.doc, tableName: table });
    expect(first).toMatchObject({ skipped: false, scanned: 3, moved: 2 }); // "ta"/"pref-a2" was already right

    expect((await preferences.get("tA", "Pref-A"))?.recipient).toBe("team:ops");
    expect((await preferences.list("tA")).items.map((p) => p.id)).toEqual(["Pref-A"]);
    expect((await preferences.list("ta")).items.map((p) => p.id)).toEqual(["pref-a2"]);
    expect((await deliveries.list("tA")).items.map((d) => d.id)).toEqual(["N2"]);
    expect((await deliveries.list("ta")).items).toEqual([]);

    expect(await migrateNotificationKeyCasing({ doc: dynamo.doc, tableName: table })).toMatchObject({
      skipped: true,
    });
    const forced = await migrateNotificationKeyCasing({ doc: dynamo.doc, tableName: table, force: true });
    expect(forced).toMatchObject({ skipped: false, moved: 0 });
    expect((await preferences.list("tA")).items).toHaveLength(1);
  });
});
