/**
 * Integration events on an EventBridge bus (AWS only; there is no local emulator, so the
 * local runtime leaves this off). Source `jobledger`, detail-type the notification kind
 * (`run.failed`, …); consumers dedupe on `detail.sourceEventId`.
 */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { IntegrationPublisher } from "../../notifications/ports.ts";

export function createEventBridgePublisher(options: {
  busName: string;
  region: string;
  client?: EventBridgeClient;
}): IntegrationPublisher {
  const client = options.client ?? new EventBridgeClient({ region: options.region });
  return {
    async publish(message) {
      const result = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: options.busName,
              Source: "jobledger",
              DetailType: message.kind,
              Time: new Date(message.occurredAt),
              Detail: JSON.stringify(message),
            },
          ],
        }),
      );
      if ((result.FailedEntryCount ?? 0) > 0) {
        const entry = result.Entries?.find((e) => e.ErrorCode);
        throw new Error(`EventBridge refused the event: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
      }
    },
  };
}
