/**
 * The Redis projector: applies decoded events to the live read model (live job status,
 * running runs, rolling counters, latest runs per job, the tenant feed). Each event is one
 * Lua script call that guards on the stream's applied version, so duplicates are skipped
 * and nothing is applied twice. When an event arrives ahead of its predecessors (a gap),
 * the missing versions are read from the event store and applied first.
 */
import { type DecodedEvent, parseStreamId } from "@jobledger/events";
import { toStorableValue } from "../../domain/text/storable-text.ts";
import type { Logger } from "../../logging.ts";
import type { Clock } from "../../ports/clock.ts";
import type { EventStore } from "../../ports/event-store.ts";
import { liveCommands } from "../../projections/live-status.ts";
import type { LiveKeys } from "../../projections/live-status-keys.ts";
import { APPLY_EVENT_LUA, type ApplyOutcome, applyOutcome } from "./apply-script.ts";
import type { RedisClient } from "./connection.ts";

export interface RedisProjectorOptions {
  redis: RedisClient;
  keys: LiveKeys;
  eventStore: Pick<EventStore, "readStreamAll">;
  clock: Clock;
  logger?: Logger;
  latestRuns?: number;
  feedMaxLen?: number;
}

export interface RedisProjector {
  /** applies the events (any streams, any order); duplicates are skipped */
  handle(events: readonly DecodedEvent[]): Promise<{ applied: number; skipped: number }>;
}

export function createRedisProjector(options: RedisProjectorOptions): RedisProjector {
  const { redis, keys, eventStore, clock, logger } = options;
  // EVALSHA with the script loaded on first use (ioredis falls back to EVAL on NOSCRIPT)
  if (!("jobledgerApplyEvent" in redis)) {
    redis.defineCommand("jobledgerApplyEvent", { numberOfKeys: 1, lua: APPLY_EVENT_LUA });
  }
  const applyEvent = (...args: string[]): Promise<unknown> =>
    (redis as unknown as { jobledgerApplyEvent(...args: string[]): Promise<unknown> }).jobledgerApplyEvent(
      ...args,
    );

  const evalApply = async (event: DecodedEvent): Promise<{ outcome: ApplyOutcome; applied: number }> => {
    const jobId = await jobIdFor(event);
    // what Redis keeps (hashes, the feed served as SSE) is storable text too (ADR 0010)
    const commands = liveCommands(toStorableValue(event), {
      keys,
      jobId,
      now: clock.now(),
      latestRuns: options.latestRuns,
      feedMaxLen: options.feedMaxLen,
    });
    const reply = await applyEvent(
      keys.versions(event.tenant),
      event.streamId,
      String(event.version),
      JSON.stringify(commands),
    );
    return applyOutcome(reply);
  };

  /** the job of a run event: carried by the events that open a run, else kept on the run's hash */
  const jobIdFor = async (event: DecodedEvent): Promise<string | null> => {
    const { kind, id } = parseStreamId(event.streamId);
    if (kind !== "run") return null;
    const data = event.data as { jobId?: unknown };
    if (typeof data.jobId === "string") return data.jobId;
    return redis.hget(keys.run(event.tenant, id), "jobId");
  };

  const applyOne = async (event: DecodedEvent): Promise<boolean> => {
    let result = await evalApply(event);
    if (result.outcome === "gap") {
      logger?.info(
        { streamId: event.streamId, fromVersion: result.applied + 1, toVersion: event.version - 1 },
        "gap in delivered events: reading the event store",
      );
      for await (const missing of eventStore.readStreamAll(event.streamId, {
        fromVersion: result.applied + 1,
        toVersion: event.version - 1,
      })) {
        const filled = await evalApply(missing);
        if (filled.outcome === "gap") {
          throw new Error(
            `stream ${event.streamId}: version ${missing.version} still has a gap after a read`,
          );
        }
      }
      result = await evalApply(event);
      if (result.outcome === "gap") {
        throw new Error(
          `stream ${event.streamId} has a gap the event store cannot fill before version ${event.version}`,
        );
      }
    }
    return result.outcome === "applied";
  };

  return {
    async handle(events) {
      let applied = 0;
      let skipped = 0;
      // in delivery order: an event ahead of its predecessors fills the gap from the event
      // store, and the predecessors, when they arrive, are duplicates
      for (const event of events) {
        if (await applyOne(event)) applied++;
        else skipped++;
      }
      return { applied, skipped };
    },
  };
}
