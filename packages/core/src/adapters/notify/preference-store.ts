/** PreferenceStore and JobOutcomeStore on the notifications table (ElectroDB). */
import { randomUUID } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { JobOutcomeStore, PreferenceStore } from "../../notifications/ports.ts";
import type { NotificationPreference, PreferenceInput } from "../../notifications/preferences.ts";
import type { Clock } from "../../ports/clock.ts";
import { jobOutcomeEntity, preferenceEntity } from "./notify-table.ts";
import { checkPageCursor } from "./page-cursor.ts";

interface StoredPreference {
  tenant: string;
  id: string;
  recipient: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

type Body = Omit<PreferenceInput, "recipient">;

function fromItem(item: StoredPreference): NotificationPreference {
  const body = JSON.parse(item.body) as Body;
  return {
    tenant: item.tenant,
    id: item.id,
    recipient: item.recipient,
    scope: body.scope,
    kinds: body.kinds,
    channels: body.channels,
    quietHours: body.quietHours,
    digest: body.digest,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

const bodyOf = (input: PreferenceInput): string =>
  JSON.stringify({
    scope: input.scope,
    kinds: input.kinds,
    channels: input.channels,
    quietHours: input.quietHours,
    digest: input.digest,
  } satisfies Body);

export function createDynamoPreferenceStore(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
  newId?: () => string;
}): PreferenceStore {
  const entity = preferenceEntity(options.doc, options.tableName);
  const newId = options.newId ?? randomUUID;
  return {
    async create(tenant, input) {
      const now = options.clock.now().toISOString();
      const item = {
        tenant,
        id: newId(),
        recipient: input.recipient,
        body: bodyOf(input),
        createdAt: now,
        updatedAt: now,
      };
      await entity.create(item).go();
      return fromItem(item);
    },
    async get(tenant, id) {
      const { data } = await entity.get({ tenant, id }).go({ consistent: true });
      return data ? fromItem(data) : null;
    },
    async replace(tenant, id, input) {
      const existing = await this.get(tenant, id);
      if (!existing) return null;
      const item = {
        tenant,
        id,
        recipient: input.recipient,
        body: bodyOf(input),
        createdAt: existing.createdAt,
        updatedAt: options.clock.now().toISOString(),
      };
      await entity.put(item).go();
      return fromItem(item);
    },
    async remove(tenant, id) {
      const { data } = await entity.delete({ tenant, id }).go({ response: "all_old" });
      return data !== null && data !== undefined;
    },
    async list(tenant, { cursor = null, limit = 50 } = {}) {
      const query = entity.query.primary({ tenant });
      checkPageCursor(query.params(), cursor);
      const page = await query.go({ cursor, limit });
      return { items: page.data.map(fromItem), cursor: page.cursor };
    },
  };
}

export function createDynamoJobOutcomeStore(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): JobOutcomeStore {
  const entity = jobOutcomeEntity(options.doc, options.tableName);
  return {
    async get(tenant, jobId) {
      const { data } = await entity.get({ tenant, jobId }).go({ consistent: true });
      return data?.outcome ?? null;
    },
    async set(tenant, jobId, outcome) {
      await entity.put({ tenant, jobId, outcome }).go();
    },
  };
}
