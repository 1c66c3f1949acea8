/**
 * One-off migration of the notifications table to case-keeping keys. ElectroDB lower-cased
 * every key by default, so `$jobledger-notify#tenant_ta` was the partition of tenants `ta`
 * and `tA` alike; the entities now keep the case (`KEY_CASING`). Each item whose stored key is
 * not the key its own attributes give (the attributes kept their case) is copied to that key
 * and the old copy deleted, in that order, so a crash in between leaves a copy a re-run
 * finishes. A copy already at the new key (written since) is newer and is kept.
 *
 * Idempotent: once every item is at its key nothing is written, and a marker item makes later
 * runs skip the scan. Run by the local start and, on AWS, once per stage at deploy
 * (`jobledger migrate notification-keys`).
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
} from "@aws-sdk/lib-dynamodb";
import { deliveryEntity, jobOutcomeEntity, preferenceEntity } from "./notify-table.ts";

/** The marker item: no entity's partition starts with `$migrations`. */
const MARKER = { pk: "$migrations", sk: "notify-key-casing-none" } as const;

export interface KeyCasingMigration {
  /** items seen by the scan */
  scanned: number;
  /** items moved to their case-keeping key */
  moved: number;
  /** true when the marker said this table was migrated already */
  skipped: boolean;
}

type Item = Record<string, unknown>;

export async function migrateNotificationKeyCasing(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** scan again even when the marker is there */
  force?: boolean;
}): Promise<KeyCasingMigration> {
  const { doc, tableName } = options;
  if (!options.force) {
    const marker = await doc.send(
      new GetCommand({ TableName: tableName, Key: MARKER, ConsistentRead: true }),
    );
    if (marker.Item) return { scanned: 0, moved: 0, skipped: true };
  }
  const entities = {
    preference: preferenceEntity(doc, tableName),
    jobOutcome: jobOutcomeEntity(doc, tableName),
    delivery: deliveryEntity(doc, tableName),
  };
  /** the key ElectroDB writes today for an item's attributes */
  const keyOf = (item: Item): { pk: string; sk: string } | null => {
    const name = item.__edb_e__;
    if (name !== "preference" && name !== "jobOutcome" && name !== "delivery") return null;
    const entity = entities[name];
    const attributes = Object.fromEntries(
      Object.keys(entity.schema.attributes)
        .filter((a) => item[a] !== undefined)
        .map((a) => [a, item[a]]),
    );
    // biome-ignore lint/suspicious/noExplicitAny: the three entities' put() take different shapes
    const params = (entity.put as (a: any) => { params(): { Item: { pk: string; sk: string } } })(
      attributes,
    ).params();
    return { pk: params.Item.pk, sk: params.Item.sk };
  };

  let scanned = 0;
  let moved = 0;
  for await (const page of paginateScan({ client: doc }, { TableName: tableName, ConsistentRead: true })) {
    for (const item of page.Items ?? []) {
      scanned += 1;
      const key = keyOf(item);
      if (!key || (key.pk === item.pk && key.sk === item.sk)) continue;
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...item, ...key },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      await doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }));
      moved += 1;
    }
  }
  await doc.send(new PutCommand({ TableName: tableName, Item: { ...MARKER, moved } }));
  return { scanned, moved, skipped: false };
}
