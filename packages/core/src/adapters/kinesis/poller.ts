/**
 * The local stand-in for one Lambda event source mapping: it reads every shard of a Kinesis
 * stream and invokes one consumer's handler with `KinesisStreamEvent` batches, the same
 * handler code Lambda runs on AWS.
 *
 * Per shard: start AFTER_SEQUENCE_NUMBER the consumer's checkpoint (or TRIM_HORIZON), then
 * GetRecords in a loop (sleeping briefly when idle). After each batch:
 * - success: checkpoint the last record;
 * - `batchItemFailures` (or a thrown error = the whole batch): checkpoint just before the
 *   lowest failed record and retry from it, with exponential backoff (as Lambda does with
 *   `ReportBatchItemFailures`; retries are unbounded, so a poison record holds its shard).
 * Any other error (GetRecords, checkpoint write) restarts the shard from its last durable
 * checkpoint after a backoff: delivery is at least once.
 *
 * Each poller has its own checkpoints (keyed by consumer name), like separate mappings.
 * Closed shards are read to their end; their children (after a reshard) start after their
 * parents finish. `stop()` lets the in-flight batch finish and be checkpointed.
 */
import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type KinesisClient,
  type Shard,
} from "@aws-sdk/client-kinesis";
import type { KinesisStreamEvent } from "aws-lambda";
import { createLogger, type Logger } from "../../logging.ts";
import { consumerBatches, consumerMillisBehind } from "../../observability/instruments.ts";
import type { CheckpointStore } from "./checkpoint-store.ts";
import {
  firstFailedIndex,
  type KinesisHandlerResult,
  type LambdaEventSource,
  toLambdaEvent,
} from "./lambda-event.ts";
import { listShards, streamArn } from "./stream.ts";

/** A Lambda Kinesis handler, as the poller calls it. */
export type KinesisBatchHandler = (event: KinesisStreamEvent) => Promise<KinesisHandlerResult>;

export interface KinesisPollerOptions {
  kinesis: KinesisClient;
  streamName: string;
  /** names the checkpoints; one per consumer, like one event source mapping per function */
  consumerName: string;
  handler: KinesisBatchHandler;
  checkpoints: CheckpointStore;
  region: string;
  /** records per invocation (GetRecords Limit); default 100 */
  batchSize?: number;
  /** sleep after an empty GetRecords; default 200 ms */
  idleMs?: number;
  /** backoff after a failure: starts at `initialMs`, doubles up to `maxMs`; default 100 ms → 5 s */
  retry?: { initialMs?: number; maxMs?: number };
  logger?: Logger;
  /** `invokeIdentityArn` in the events; default a local role named for the consumer */
  invokeIdentityArn?: string;
}

export interface ShardStats {
  /** last checkpointed sequence number */
  checkpoint: string | null;
  millisBehindLatest: number;
  recordsProcessed: number;
  /** the shard was closed and read to its end */
  finished: boolean;
}

export interface PollerStats {
  /** records acknowledged by the handler, all shards */
  recordsProcessed: number;
  /** invocations of the handler */
  batches: number;
  /** invocations that reported failures or threw */
  failedBatches: number;
  /** the largest `MillisBehindLatest` of the shards' last GetRecords */
  millisBehindLatest: number;
  shards: Record<string, ShardStats>;
}

/** A checkpointed sequence number and where to read from next. */
type Position =
  | { type: "TRIM_HORIZON" }
  | { type: "AFTER_SEQUENCE_NUMBER"; sequenceNumber: string }
  | { type: "AT_SEQUENCE_NUMBER"; sequenceNumber: string };

export class KinesisPoller {
  private readonly kinesis: KinesisClient;
  private readonly streamName: string;
  private readonly consumerName: string;
  private readonly handler: KinesisBatchHandler;
  private readonly checkpoints: CheckpointStore;
  private readonly region: string;
  private readonly batchSize: number;
  private readonly idleMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly logger: Logger;
  private readonly invokeIdentityArn: string;

  private abort = new AbortController();
  private readonly idleWaiters = new Set<() => void>();
  private running = false;
  private eventSourceARN = "";
  private readonly loops = new Map<string, Promise<void>>();
  private readonly shardStats = new Map<string, ShardStats>();
  private batches = 0;
  private failedBatches = 0;

  constructor(options: KinesisPollerOptions) {
    this.kinesis = options.kinesis;
    this.streamName = options.streamName;
    this.consumerName = options.consumerName;
    this.handler = options.handler;
    this.checkpoints = options.checkpoints;
    this.region = options.region;
    this.batchSize = options.batchSize ?? 100;
    this.idleMs = options.idleMs ?? 200;
    this.retryInitialMs = options.retry?.initialMs ?? 100;
    this.retryMaxMs = options.retry?.maxMs ?? 5000;
    this.logger = options.logger ?? createLogger(`poller:${options.consumerName}`);
    this.invokeIdentityArn =
      options.invokeIdentityArn ?? `arn:aws:iam::000000000000:role/jobledger-local-${options.consumerName}`;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > 10_000) {
      throw new RangeError(`batchSize must be an integer from 1 to 10000, got ${this.batchSize}`);
    }
  }

  /** Lists the shards and starts reading each; returns once reading has started. */
  async start(): Promise<void> {
    if (this.running) return;
    this.abort = new AbortController();
    this.eventSourceARN = await streamArn(this.kinesis, this.streamName).catch(
      () => `arn:aws:kinesis:${this.region}:000000000000:stream/${this.streamName}`,
    );
    const shards = await listShards(this.kinesis, this.streamName);
    this.running = true;
    this.startShards(shards);
    this.logger.info({ stream: this.streamName, shards: shards.length }, "poller started");
  }

  /** Stops reading; waits until in-flight batches are handled and checkpointed. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    while (this.loops.size > 0) await Promise.allSettled([...this.loops.values()]);
    this.logger.info({ stream: this.streamName }, "poller stopped");
  }

  stats(): PollerStats {
    const shards: Record<string, ShardStats> = {};
    let recordsProcessed = 0;
    let millisBehindLatest = 0;
    for (const [id, s] of this.shardStats) {
      shards[id] = { ...s };
      recordsProcessed += s.recordsProcessed;
      millisBehindLatest = Math.max(millisBehindLatest, s.millisBehindLatest);
    }
    return {
      recordsProcessed,
      batches: this.batches,
      failedBatches: this.failedBatches,
      millisBehindLatest,
      shards,
    };
  }

  /** Starts a loop for every shard not yet read; children wait for their parents. */
  private startShards(shards: Shard[]): void {
    for (const shard of shards) {
      const shardId = shard.ShardId;
      if (!shardId || this.loops.has(shardId) || this.shardStats.get(shardId)?.finished) continue;
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId]
        .map((id) => (id ? this.loops.get(id) : undefined))
        .filter((p): p is Promise<void> => p !== undefined);
      const loop = Promise.allSettled(parents)
        .then(() => this.readShard(shardId))
        .catch((error: unknown) => this.logger.error({ err: error, shardId }, "shard reader crashed"))
        .finally(() => this.loops.delete(shardId));
      this.loops.set(shardId, loop);
    }
  }

  private async readShard(shardId: string): Promise<void> {
    const stats: ShardStats = this.shardStats.get(shardId) ?? {
      checkpoint: null,
      millisBehindLatest: 0,
      recordsProcessed: 0,
      finished: false,
    };
    this.shardStats.set(shardId, stats);
    const source: LambdaEventSource = {
      shardId,
      region: this.region,
      eventSourceARN: this.eventSourceARN,
      invokeIdentityArn: this.invokeIdentityArn,
    };
    let failures = 0;
    let iterator: string | undefined;

    while (this.running) {
      try {
        if (!iterator) {
          stats.checkpoint = await this.checkpoints.load(this.consumerName, shardId);
          iterator = await this.iterator(
            shardId,
            stats.checkpoint
              ? { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: stats.checkpoint }
              : { type: "TRIM_HORIZON" },
          );
        }
        const page: GetRecordsCommandOutput = await this.kinesis.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: this.batchSize }),
        );
        stats.millisBehindLatest = page.MillisBehindLatest ?? 0;
        consumerMillisBehind.set({ consumer: this.consumerName }, this.stats().millisBehindLatest);
        const records = page.Records ?? [];
        const next = page.NextShardIterator;

        if (records.length === 0) {
          if (!next) {
            stats.finished = true;
            this.logger.info({ shardId }, "shard closed and read to its end");
            // children of a closed shard may have appeared since start
            this.startShards(await listShards(this.kinesis, this.streamName));
            return;
          }
          iterator = next;
          await this.sleep(this.idleMs, true);
          continue;
        }

        const sequenceNumbers = records.map((r) => r.SequenceNumber ?? "");
        this.batches++;
        let failedAt: number | null;
        try {
          const response = await this.handler(toLambdaEvent(records, source));
          failedAt = firstFailedIndex(sequenceNumbers, response);
        } catch (error) {
          this.logger.error({ err: error, shardId }, "handler threw; the whole batch will be retried");
          failedAt = 0;
        }

        consumerBatches.inc({ consumer: this.consumerName, result: failedAt === null ? "ok" : "failed" });
        const acknowledged = failedAt ?? records.length;
        if (acknowledged > 0) {
          const last = sequenceNumbers[acknowledged - 1]!;
          await this.checkpoints.save(this.consumerName, shardId, last);
          stats.checkpoint = last;
          stats.recordsProcessed += acknowledged;
        }
        if (failedAt === null) {
          failures = 0;
          // undefined when the shard closed: the next pass re-reads from the checkpoint and ends
          iterator = next;
          continue;
        }

        this.failedBatches++;
        failures++;
        const retryFrom = sequenceNumbers[failedAt]!;
        const delay = this.backoff(failures);
        this.logger.warn(
          { shardId, retryFrom, attempt: failures, delayMs: delay },
          "batch reported failures; retrying from the lowest failed record",
        );
        await this.sleep(delay);
        iterator = this.running
          ? await this.iterator(shardId, { type: "AT_SEQUENCE_NUMBER", sequenceNumber: retryFrom })
          : undefined;
      } catch (error) {
        failures++;
        const delay = this.backoff(failures);
        this.logger.error(
          { err: error, shardId, delayMs: delay },
          "reading the shard failed; restarting it from its checkpoint",
        );
        iterator = undefined;
        await this.sleep(delay);
      }
    }
  }

  private async iterator(shardId: string, position: Position): Promise<string> {
    const result = await this.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: shardId,
        ShardIteratorType: position.type,
        ...(position.type === "TRIM_HORIZON" ? {} : { StartingSequenceNumber: position.sequenceNumber }),
      }),
    );
    if (!result.ShardIterator) throw new Error(`no shard iterator for ${shardId} (${position.type})`);
    return result.ShardIterator;
  }

  private backoff(failures: number): number {
    return Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.min(failures - 1, 20));
  }

  /**
   * Ends the idle sleep of every shard loop now: new records were just put on the stream
   * (the local relay calls this, so the pipeline's latency is not the idle interval).
   */
  wake(): void {
    const waiters = [...this.idleWaiters];
    this.idleWaiters.clear();
    for (const wakeUp of waiters) wakeUp();
  }

  /** Sleeps, waking early when the poller stops (and, for an idle sleep, on `wake()`). */
  private sleep(ms: number, idle = false): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.idleWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      if (idle) this.idleWaiters.add(done);
    });
  }
}
