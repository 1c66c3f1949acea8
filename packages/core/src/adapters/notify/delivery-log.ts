/**
 * The delivery log: one item per (notification, channel) final outcome, newest first. A
 * small read model the notifier writes after appending its events (the events stay the
 * record; this serves `GET /v1/notifications` without scanning the event store).
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DeliveryLog, DeliveryRecord } from "../../notifications/ports.ts";
import { deliveryEntity } from "./notify-table.ts";
import { checkPageCursor } from "./page-cursor.ts";

export function createDynamoDeliveryLog(options: {
  doc: DynamoDBDocumentClient;
  tableName: string;
}): DeliveryLog {
  const entity = deliveryEntity(options.doc, options.tableName);
  return {
    async record(records) {
      if (records.length === 0) return;
      await entity
        .put(
          records.map(({ runId, error, ...rest }) => ({
            ...rest,
            ...(runId === null ? {} : { runId }),
            ...(error === null ? {} : { error }),
          })),
        )
        .go();
    },
    async list(tenant, { cursor = null, limit = 50 } = {}) {
      const query = entity.query.primary({ tenant });
      checkPageCursor(query.params(), cursor);
      const page = await query.go({ cursor, limit, order: "desc" });
      return {
        items: page.data.map(
          (d): DeliveryRecord => ({
            tenant: d.tenant,
            id: d.id,
            at: d.at,
            sourceEventId: d.sourceEventId,
            kind: d.kind,
            jobId: d.jobId,
            runId: d.runId ?? null,
            recipient: d.recipient,
            channel: d.channel as DeliveryRecord["channel"],
            destination: d.destination,
            status: d.status,
            attempts: d.attempts,
            error: d.error ?? null,
          }),
        ),
        cursor: page.cursor,
      };
    },
  };
}
