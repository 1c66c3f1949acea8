/**
 * A commit whose event no schema of ours can read (as an event of a newer release would be),
 * put into the running local system's event store and published by its relay: every consumer
 * fails to decode it and parks it.
 */
import { randomUUID } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { PENDING } from "@jobledger/core/adapters/dynamodb/event-store-table";
import type { TestSystem } from "./local-system.ts";

/** Returns the job stream id it poisoned (`default/job/<id>`) and the job id. */
export async function publishUndecodableCommit(
  sys: TestSystem,
): Promise<{ streamId: string; jobId: string }> {
  const jobId = randomUUID();
  const streamId = `default/job/${jobId}`;
  const commitId = randomUUID();
  // an Avro single-object header with a fingerprint no schema of ours has
  const unknownEvent = Buffer.from([0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x02, 0x41]);
  await sys.services.dynamo.doc.send(
    new PutCommand({
      TableName: sys.config.dynamodb.eventsTable,
      Item: {
        pk: streamId,
        sk: 1,
        lastVersion: 1,
        eventCount: 1,
        tenant: "default",
        commitId,
        committedAt: new Date().toISOString(),
        events: [unknownEvent],
        pendingPk: PENDING,
        pendingSk: commitId,
      },
    }),
  );
  await sys.services.relay?.recover();
  return { streamId, jobId };
}
