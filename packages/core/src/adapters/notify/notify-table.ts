/**
 * The notifications table (single-table design, modelled with ElectroDB): preferences,
 * each job's last outcome (for `job.recovered`) and the delivery log share one table with a
 * generic `pk`/`sk` key, which keeps the case of the tenant and ids.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Entity } from "electrodb";
import { ensurePkSkTable } from "../dynamodb/event-store-table.ts";

const SERVICE = "jobledger-notify";

/**
 * Keys keep the case of their values. ElectroDB lower-cases keys by default, which made the
 * partitions of tenants `ta` and `tA` one partition; items written that way are moved by
 * `migrateNotificationKeyCasing` (migrate-key-casing.ts).
 */
export const KEY_CASING = "none" as const;

export function ensureNotificationsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return ensurePkSkTable(client, tableName);
}

export function preferenceEntity(doc: DynamoDBDocumentClient, table: string) {
  return new Entity(
    {
      model: { entity: "preference", version: "1", service: SERVICE },
      attributes: {
        tenant: { type: "string", required: true },
        id: { type: "string", required: true },
        recipient: { type: "string", required: true },
        /** JSON of the rest of the preference (scope, kinds, channels, quiet hours, digest) */
        body: { type: "string", required: true },
        createdAt: { type: "string", required: true },
        updatedAt: { type: "string", required: true },
      },
      indexes: {
        primary: {
          pk: { field: "pk", composite: ["tenant"], casing: KEY_CASING },
          sk: { field: "sk", composite: ["id"], casing: KEY_CASING },
        },
      },
    },
    { client: doc, table },
  );
}

export function jobOutcomeEntity(doc: DynamoDBDocumentClient, table: string) {
  return new Entity(
    {
      model: { entity: "jobOutcome", version: "1", service: SERVICE },
      attributes: {
        tenant: { type: "string", required: true },
        jobId: { type: "string", required: true },
        outcome: { type: ["ok", "failing"] as const, required: true },
      },
      indexes: {
        primary: {
          pk: { field: "pk", composite: ["tenant"], casing: KEY_CASING },
          sk: { field: "sk", composite: ["jobId"], casing: KEY_CASING },
        },
      },
    },
    { client: doc, table },
  );
}

export function deliveryEntity(doc: DynamoDBDocumentClient, table: string) {
  return new Entity(
    {
      model: { entity: "delivery", version: "1", service: SERVICE },
      attributes: {
        tenant: { type: "string", required: true },
        at: { type: "string", required: true },
        id: { type: "string", required: true },
        sourceEventId: { type: "string", required: true },
        kind: { type: "string", required: true },
        jobId: { type: "string", required: true },
        runId: { type: "string" },
        recipient: { type: "string", required: true },
        channel: { type: "string", required: true },
        destination: { type: "string", required: true },
        status: { type: ["sent", "failed"] as const, required: true },
        attempts: { type: "number", required: true },
        error: { type: "string" },
      },
      indexes: {
        primary: {
          pk: { field: "pk", composite: ["tenant"], casing: KEY_CASING },
          sk: { field: "sk", composite: ["at", "id"], casing: KEY_CASING },
        },
      },
    },
    { client: doc, table },
  );
}
