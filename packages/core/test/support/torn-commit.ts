/**
 * Reproduces dynalite's torn write after `kill -9`: its PutItem writes the GSI entries first
 * and the base item second (node_modules/dynalite/actions/putItem.js: `db.updateIndexes`, then
 * `itemDb.put`), so a process killed in between leaves a commit in `byTenant` and `pending`
 * that the base table does not hold (and whose PutItem was never acknowledged).
 *
 * `tearCommit` produces exactly that state in a stopped dynalite's LevelDB folder with
 * dynalite's own storage code: it writes the commit's index entries (`updateIndexes`, what
 * PutItem does first) and not its base item. Nothing of ours is bypassed or imitated.
 */
import { createRequire } from "node:module";
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { NewEvent } from "@jobledger/events";
import { DynamoEventStore } from "../../src/adapters/dynamodb/event-store.ts";
import type { CommitItem } from "../../src/adapters/dynamodb/event-store-table.ts";
import { withDynalite } from "./standins.ts";

interface DynaliteStore {
  db: { close(): Promise<void> };
  getTable(name: string, cb: (err: Error | null, table: unknown) => void): void;
}
interface DynaliteDb {
  create(options: { path: string }): DynaliteStore;
  updateIndexes(
    store: DynaliteStore,
    table: unknown,
    existing: unknown,
    item: unknown,
    cb: (err: Error | null) => void,
  ): void;
}

const dynaliteDb = createRequire(import.meta.url)("dynalite/db") as DynaliteDb;

/** Writes the commit's GSI entries, not its base item, into the (stopped) dynalite at `folder`. */
export async function tearCommit(folder: string, tableName: string, item: CommitItem): Promise<void> {
  const store = dynaliteDb.create({ path: folder });
  try {
    const table = await new Promise<unknown>((resolve, reject) =>
      store.getTable(tableName, (err, t) => (err ? reject(err) : resolve(t))),
    );
    const attributes = marshall(item, { removeUndefinedValues: true });
    await new Promise<void>((resolve, reject) =>
      dynaliteDb.updateIndexes(store, table, undefined, attributes, (err) => (err ? reject(err) : resolve())),
    );
  } finally {
    await store.db.close();
  }
}

/**
 * The commit item an append of `events` to `streamId` would write next (with the right
 * version, hash chain and commit id), made without writing it: the stream's commits are copied
 * byte for byte into a scratch in-memory dynalite and the append runs there.
 */
export async function nextCommit(
  doc: DynamoDBDocumentClient,
  tableName: string,
  streamId: string,
  events: NewEvent[],
): Promise<CommitItem> {
  const scratch = await withDynalite();
  try {
    const scratchTable = await scratch.newEventsTable();
    const { Items = [] } = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": streamId },
        ConsistentRead: true,
      }),
    );
    for (const item of Items) await scratch.doc.send(new PutCommand({ TableName: scratchTable, Item: item }));
    let written: CommitItem | undefined;
    const store = new DynamoEventStore({
      doc: scratch.doc,
      tableName: scratchTable,
      changeFeed: "relay",
      onCommitted: (item) => {
        written = item;
      },
    });
    const version = Items.reduce((v, item) => Math.max(v, Number(item.lastVersion)), 0);
    await store.append(streamId, version, events);
    if (!written) throw new Error("the scratch append wrote nothing");
    return written;
  } finally {
    await scratch.close();
  }
}
