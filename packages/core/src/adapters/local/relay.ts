/**
 * The local change-feed relay (only with `changeFeed: "relay"`): it plays the part of
 * AWS's Kinesis Data Streams for DynamoDB, which dynalite lacks.
 *
 * - Live path: the event store calls `onCommitted(item)` after each successful append; the
 *   relay `PutRecord`s the commit's change record (partition key = stream id, data = the
 *   change-record JSON, see `changefeed/record.ts`), then clears the item's pending marker
 *   (`REMOVE pendingPk, pendingSk`).
 * - Order: publishes of one stream run one after another in commit order (a queue per
 *   stream). If a publish fails, the stream is *blocked*: its later commits are held back
 *   (they stay pending) until `recover()` has published the failed one, so a stream's
 *   commits reach Kinesis in order even across failures.
 * - Recovery: `recover()` republishes every commit still in the sparse `pending` GSI
 *   (a crash between append and publish, or a failed publish), oldest first. `start()` runs
 *   it once before returning and then periodically.
 * - Only what the base table holds is published: recovery takes the keys from the `pending`
 *   GSI but publishes the commit as read (consistently) from the base table, and only when it
 *   is the same commit (`commitId`) and still pending. An index entry without its base commit
 *   (dynalite writes GSI entries before the base item, so a kill in between leaves one; see
 *   docs/reliability.md) is logged once and never published; the live path publishes only
 *   appends the store acknowledged, i.e. written to the base table.
 * - Nothing is lost: a commit leaves the pending index only after Kinesis accepted it. The
 *   price is possible duplicates (published, then crashed before clearing the marker), which
 *   consumers tolerate (ADR 0002).
 */

import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { changeRecordData, commitToChangeRecord } from "../../changefeed/record.ts";
import { createLogger, type Logger } from "../../logging.ts";
import { type CommitItem, isCommitItem, PENDING, PENDING_INDEX } from "../dynamodb/event-store-table.ts";

export interface LocalRelayOptions {
  doc: DynamoDBDocumentClient;
  /** the events table */
  tableName: string;
  kinesis: KinesisClient;
  streamName: string;
  /** put into change records as `awsRegion` */
  region: string;
  logger?: Logger;
  /** how often `start()` runs `recover()`; default 5 s */
  recoverEveryMs?: number;
  /** called after each commit is put on the stream (the local pollers wake up) */
  onPublished?: () => void;
}

export interface RelayStats {
  /** commits put on Kinesis (including republished ones) */
  published: number;
  /** publish attempts that failed (the commit stayed pending) */
  failures: number;
  /** streams held back until recovery */
  blockedStreams: number;
}

interface StreamState {
  tail: Promise<void>;
  queued: number;
  blocked: boolean;
  /** commits of a blocked stream seen by the live path, by `sk` */
  held: Map<number, CommitItem>;
}

export class LocalRelay {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly kinesis: KinesisClient;
  private readonly streamName: string;
  private readonly region: string;
  private readonly logger: Logger;
  private readonly recoverEveryMs: number;
  private readonly onPublished: (() => void) | undefined;
  private readonly streams = new Map<string, StreamState>();
  private readonly inFlight = new Set<Promise<void>>();
  /** commits recovery published before the live path got to them (`pk#sk`) */
  private readonly recovered = new Set<string>();
  /** pending-index entries the base table does not confirm, already logged (`pk#sk#commitId`) */
  private readonly unconfirmed = new Set<string>();
  private recovering: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private published = 0;
  private failures = 0;

  constructor(options: LocalRelayOptions) {
    this.doc = options.doc;
    this.tableName = options.tableName;
    this.kinesis = options.kinesis;
    this.streamName = options.streamName;
    this.region = options.region;
    this.logger = options.logger ?? createLogger("relay");
    this.recoverEveryMs = options.recoverEveryMs ?? 5000;
    this.onPublished = options.onPublished;
  }

  /** The event store's `onCommitted` hook: queues the commit for publishing; never throws. */
  readonly onCommitted = (item: CommitItem): void => {
    void this.enqueue(item.pk, async (state) => {
      if (state.blocked) {
        state.held.set(item.sk, item);
        return;
      }
      if (this.recovered.delete(commitKey(item))) return;
      try {
        await this.publish(item, false);
      } catch (error) {
        state.blocked = true;
        state.held.set(item.sk, item);
        this.logger.warn(
          { err: error, streamId: item.pk, sk: item.sk },
          "relay could not publish a commit; it stays pending and the stream waits for recovery",
        );
      }
    });
  };

  /**
   * Publishes every commit still pending, oldest first (in order within each stream).
   * Returns how many were published. Concurrent calls share one run.
   */
  recover(): Promise<number> {
    this.recovering ??= this.recoverOnce().finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  /** Recovers once, then keeps recovering periodically until `stop()`. */
  async start(): Promise<void> {
    if (this.timer) return;
    try {
      await this.recover();
    } catch (error) {
      this.logger.error({ err: error }, "relay recovery failed at start; will retry");
    }
    this.timer = setInterval(() => {
      this.recover().catch((error: unknown) => this.logger.error({ err: error }, "relay recovery failed"));
    }, this.recoverEveryMs);
    this.timer.unref();
  }

  /** Stops periodic recovery and waits for queued publishes to settle. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.recovering?.catch(() => undefined);
    await this.idle();
  }

  /** Resolves when every publish queued so far has settled. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  stats(): RelayStats {
    let blockedStreams = 0;
    for (const s of this.streams.values()) if (s.blocked) blockedStreams++;
    return { published: this.published, failures: this.failures, blockedStreams };
  }

  private async recoverOnce(): Promise<number> {
    // pending commits plus those the live path held back (normally a subset), oldest first
    const all = new Map<string, CommitItem>();
    for (const item of await this.pendingCommits()) all.set(commitKey(item), item);
    for (const state of this.streams.values()) {
      for (const item of state.held.values()) if (!all.has(commitKey(item))) all.set(commitKey(item), item);
      state.held.clear();
    }
    const ordered = [...all.values()].sort((a, b) =>
      a.commitId === b.commitId ? a.sk - b.sk : a.commitId < b.commitId ? -1 : 1,
    );

    let count = 0;
    const failed = new Set<string>();
    for (const item of ordered) {
      await this.enqueue(item.pk, async (state) => {
        if (failed.has(item.pk)) {
          state.held.set(item.sk, item);
          return;
        }
        try {
          if (await this.publish(item, true)) {
            count++;
            this.rememberRecovered(item);
          }
        } catch (error) {
          failed.add(item.pk);
          state.blocked = true;
          state.held.set(item.sk, item);
          this.logger.warn(
            { err: error, streamId: item.pk, sk: item.sk },
            "relay recovery could not publish a commit",
          );
        }
      });
    }

    // streams that recovered: publish what the live path held meanwhile, then let it through
    for (const [streamId, state] of [...this.streams]) {
      if (!state.blocked || failed.has(streamId)) continue;
      await this.enqueue(streamId, async (s) => {
        const held = [...s.held.values()].sort((a, b) => a.sk - b.sk);
        s.held.clear();
        for (let i = 0; i < held.length; i++) {
          const item = held[i]!;
          try {
            if (await this.publish(item, true)) count++;
          } catch (error) {
            for (const rest of held.slice(i)) s.held.set(rest.sk, rest);
            this.logger.warn(
              { err: error, streamId, sk: item.sk },
              "relay recovery could not publish a commit",
            );
            return;
          }
        }
        s.blocked = false;
      });
    }
    if (count > 0) this.logger.info({ republished: count }, "relay republished pending commits");
    return count;
  }

  /** Every commit in the pending index, in commitId (time) order. */
  private async pendingCommits(): Promise<CommitItem[]> {
    const items: CommitItem[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: PENDING_INDEX,
          KeyConditionExpression: "pendingPk = :p",
          ExpressionAttributeValues: { ":p": PENDING },
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const raw of page.Items ?? []) if (isCommitItem(raw)) items.push(raw);
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return items;
  }

  /**
   * Puts one commit on Kinesis and clears its pending marker. With `onlyIfPending` (recovery) it
   * first reads the commit from the base table (consistently) and publishes that copy, and only
   * if it is the same commit and still pending; otherwise it skips it. Returns whether it published.
   */
  private async publish(indexed: CommitItem, onlyIfPending: boolean): Promise<boolean> {
    const key = { pk: indexed.pk, sk: indexed.sk };
    let item = indexed;
    if (onlyIfPending) {
      const current = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      const base = current.Item;
      if (!isCommitItem(base) || base.commitId !== indexed.commitId) {
        this.reportUnconfirmed(indexed, isCommitItem(base) ? base.commitId : null);
        return false;
      }
      if (base.pendingPk === undefined) return false;
      item = base;
    }
    try {
      const record = commitToChangeRecord(item, { tableName: this.tableName, region: this.region });
      await this.kinesis.send(
        new PutRecordCommand({
          StreamName: this.streamName,
          PartitionKey: item.pk,
          Data: changeRecordData(record),
        }),
      );
    } catch (error) {
      this.failures++;
      throw error;
    }
    this.published++;
    this.onPublished?.();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: "REMOVE pendingPk, pendingSk",
          ConditionExpression: "commitId = :commitId",
          ExpressionAttributeValues: { ":commitId": item.commitId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        // published but still marked: recovery will publish it again (a tolerated duplicate)
        this.logger.warn(
          { err: error, streamId: item.pk, sk: item.sk },
          "relay could not clear a pending marker",
        );
      }
    }
    return true;
  }

  /** Logs, once per entry, a pending-index entry whose commit the base table does not hold. */
  private reportUnconfirmed(item: CommitItem, baseCommitId: string | null): void {
    const key = `${commitKey(item)}#${item.commitId}`;
    if (this.unconfirmed.has(key)) return;
    if (this.unconfirmed.size >= 10_000) this.unconfirmed.clear();
    this.unconfirmed.add(key);
    this.logger.warn(
      { streamId: item.pk, sk: item.sk, commitId: item.commitId, baseCommitId },
      "pending index entry without its commit in the base table (a write torn by a crash): not published",
    );
  }

  private rememberRecovered(item: CommitItem): void {
    // most recovered commits are from before a crash and never reach the live path: bound the set
    if (this.recovered.size >= 10_000) this.recovered.clear();
    this.recovered.add(commitKey(item));
  }

  /** Runs `task` after everything queued before it for the same stream. */
  private enqueue(streamId: string, task: (state: StreamState) => Promise<void>): Promise<void> {
    let state = this.streams.get(streamId);
    if (!state) {
      state = { tail: Promise.resolve(), queued: 0, blocked: false, held: new Map() };
      this.streams.set(streamId, state);
    }
    const s = state;
    s.queued++;
    const run = s.tail
      .then(() => task(s))
      .catch((error: unknown) => this.logger.error({ err: error, streamId }, "relay task failed"))
      .finally(() => {
        s.queued--;
        if (s.queued === 0 && !s.blocked && this.streams.get(streamId) === s) this.streams.delete(streamId);
        this.inFlight.delete(run);
      });
    s.tail = run;
    this.inFlight.add(run);
    return run;
  }
}

const commitKey = (item: CommitItem) => `${item.pk}#${item.sk}`;
