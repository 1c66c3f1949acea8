/**
 * What operators do with parked change records (`GET /v1/system/parked`, `POST
 * /v1/system/parked/retry`, `jobledger parked`): list a tenant's, and retry them after a fix.
 * A retry is the consumer's own (`StreamConsumer.retryParked`), so it applies the held
 * versions exactly as the consumer would have.
 */
import type { RetryOutcome, StreamConsumer } from "../changefeed/consumer.ts";
import type { ParkedRecordStore, ParkedStream } from "../ports/parked-records.ts";

export type RetryResult = { consumer: string; streamId: string } & RetryOutcome;

export interface ParkedRecords {
  /** the consumers whose parked records this service sees */
  readonly consumers: readonly string[];
  /** one tenant's parked streams, or (null) every tenant's, for an operator */
  list(tenant: string | null): Promise<ParkedStream[]>;
  /**
   * Retries the parked streams of one tenant (or, null, of every tenant), all or those matching
   * `consumer` and `streamId`.
   */
  retry(input: { tenant: string | null; consumer?: string; streamId?: string }): Promise<RetryResult[]>;
}

export function createParkedRecords(deps: {
  store: ParkedRecordStore;
  consumers: readonly Pick<StreamConsumer, "name" | "retryParked">[];
}): ParkedRecords {
  const names = deps.consumers.map((c) => c.name);
  const list = async (tenant: string | null) =>
    (await deps.store.list(names, tenant ?? undefined)).sort((a, b) => a.parkedAt.localeCompare(b.parkedAt));
  return {
    consumers: names,
    list,
    async retry({ tenant, consumer, streamId }) {
      const chosen = (await list(tenant)).filter(
        (p) =>
          (consumer === undefined || p.consumer === consumer) &&
          (streamId === undefined || p.streamId === streamId),
      );
      const results: RetryResult[] = [];
      // one after another: a stream's entries of several consumers are independent, but a
      // retry may call targets (the runner) and should not flood them
      for (const p of chosen) {
        const owner = deps.consumers.find((c) => c.name === p.consumer);
        if (!owner) continue;
        results.push({
          consumer: p.consumer,
          streamId: p.streamId,
          ...(await owner.retryParked(p.streamId)),
        });
      }
      return results;
    },
  };
}
