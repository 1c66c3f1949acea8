/**
 * Rebuilds a read model from the event store into a RebuildTarget: per tenant, pages of
 * `readTenant` in commit order, a checkpoint after each page (so an interrupted rebuild
 * resumes), a catch-up pass for commits made meanwhile, a comparison with the live copy, and
 * the switch (or, for a dry run, the copy discarded or kept).
 *
 * A range narrows it (docs/audit.md, "Time ranges"):
 * - `to` (as of): only events that occurred at or before `to` are applied, and per stream only
 *   up to its first event after `to` (as time travel does), so the copy is the read model as it
 *   was then. It can only be compared (dry run), never switched live.
 * - `from` (repair): only commits made at or after `from` are read (`readTenant`'s `fromTime`);
 *   the target starts from the live copy and, for each stream met there, removes what the
 *   stream wrote and folds it again from its first event (`RebuildTarget.resetStreams`).
 */
import type { DecodedEvent } from "@jobledger/events";
import type { EventStore } from "../../ports/event-store.ts";
import {
  type RebuildCheckpoint,
  type RebuildComparison,
  type RebuildRange,
  type RebuildTarget,
  WHOLE_HISTORY,
} from "./target.ts";

export interface RebuildProgress {
  /** events read (and, when repairing, earlier events of the repaired streams folded again), including those before a resume */
  events: number;
  /** estimated total, when known */
  total: number | null;
  tenant: string;
}

export interface RebuildOptions {
  tenants: readonly string[];
  dryRun?: boolean;
  /** with `dryRun`: leave the copy in place (for inspection) instead of discarding it */
  keep?: boolean;
  /** a time range (see the module comment); absent: the whole history */
  range?: { from?: Date | null; to?: Date | null };
  /** commits per page read from the store */
  pageSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /** stop (as if interrupted) once aborted; the next run resumes from the checkpoints */
  signal?: AbortSignal;
}

export interface RebuildResult {
  status: "switched" | "dry-run" | "interrupted";
  events: number;
  /** events already applied by an earlier, interrupted run */
  resumedFrom: number;
  comparison: RebuildComparison | null;
  range: RebuildRange;
  /** where the copy was left (`keep`), or null */
  kept: string | null;
  /** repair: streams folded again by this run (not counting those of an earlier, interrupted run) */
  repairedStreams: number;
}

/** A range the rebuild cannot run: `from` not before `to`, or an as-of copy to be switched live. */
export class InvalidRebuildRange extends Error {
  override readonly name = "InvalidRebuildRange";
}

/** The target cannot do what was asked (e.g. repair with `from`). */
export class RebuildNotSupported extends Error {
  override readonly name = "RebuildNotSupported";
}

/** The copy an earlier, interrupted run left was started with another range. */
export class RebuildCopyMismatch extends Error {
  override readonly name = "RebuildCopyMismatch";
  constructor(
    readonly location: string,
    readonly recorded: RebuildRange,
    readonly requested: RebuildRange,
  ) {
    super(
      `${location} holds an unfinished copy started with ${describeRange(recorded)}, not ${describeRange(requested)}: ` +
        "run the replay again with that range to resume it (add --dry-run to drop the copy at the end)",
    );
  }
}

export function describeRange(range: RebuildRange): string {
  const parts = [range.from ? `--from ${range.from}` : null, range.to ? `--to ${range.to}` : null];
  return parts.filter((p) => p !== null).join(" ") || "no range (the whole history)";
}

/** The range as ISO text, checked: both ends valid instants, `from` before `to`. */
export function rebuildRange(range: RebuildOptions["range"]): RebuildRange {
  const iso = (name: string, at: Date | null | undefined): string | null => {
    if (at === undefined || at === null) return null;
    if (Number.isNaN(at.getTime())) throw new InvalidRebuildRange(`${name} is not a valid instant`);
    return at.toISOString();
  };
  const from = iso("from", range?.from);
  const to = iso("to", range?.to);
  if (from !== null && to !== null && from >= to) {
    throw new InvalidRebuildRange(`from (${from}) must be before to (${to})`);
  }
  return { from, to };
}

const sameRange = (a: RebuildRange, b: RebuildRange) => a.from === b.from && a.to === b.to;

export async function rebuild(
  store: EventStore,
  target: RebuildTarget,
  options: RebuildOptions,
): Promise<RebuildResult> {
  const pageSize = options.pageSize ?? 100;
  const range = rebuildRange(options.range);
  const fromTime = range.from === null ? undefined : new Date(range.from);
  const toMs = range.to === null ? null : Date.parse(range.to);
  if (toMs !== null && !options.dryRun) {
    throw new InvalidRebuildRange(
      `a read model as of ${range.to} cannot be switched live; add --dry-run to see what differs`,
    );
  }
  if (options.keep && !options.dryRun) {
    throw new InvalidRebuildRange("keeping the copy is for a dry run (a switched copy is the live one)");
  }
  const resetStreams = target.resetStreams?.bind(target);
  if (fromTime && !resetStreams) {
    throw new RebuildNotSupported(`the ${target.name} read model cannot be repaired from a time (--from)`);
  }

  const found = await target.prepare(options.tenants, range);
  const differing = found.find((c) => !sameRange(c.range ?? WHOLE_HISTORY, range));
  if (differing) throw new RebuildCopyMismatch(target.location, differing.range ?? WHOLE_HISTORY, range);
  // an unfinished copy's tenants are finished too, whichever were asked for now
  const tenants = [...new Set([...options.tenants, ...found.map((c) => c.tenant)])];
  const byTenant = new Map(found.map((c) => [c.tenant, c]));
  const total = await target.estimateEvents(tenants, range);
  const resumedFrom = found.reduce((n, c) => n + c.events, 0);
  let events = resumedFrom;
  let repairedStreams = 0;

  /** as of: streams cut at an event after `to` (nothing of theirs is applied from there on) */
  const cut = new Set<string>();
  /** as of, after a resume or when repairing: streams whose earlier events were looked at */
  const seen = new Set<string>();
  /** repair: streams reset in the copy (by this run or, as the target says, an earlier one) */
  const reset = new Set<string>();

  /**
   * As of `to`: the page's events that belong to the copy. A stream met for the first time
   * past its first version (after a resume, or when repairing, where pages start in the middle
   * of streams) has its earlier events read to learn whether it was cut; when repairing they
   * are applied too (the stream is folded again from its first event, up to `to`).
   */
  const asOf = async (page: readonly DecodedEvent[], limit: number, lookBack: boolean) => {
    const kept: DecodedEvent[] = [];
    for (const event of page) {
      const stream = event.streamId;
      if (cut.has(stream)) continue;
      if (lookBack && !seen.has(stream)) {
        seen.add(stream);
        if (event.version > 1) {
          for await (const earlier of store.readStreamAll(stream, { toVersion: event.version - 1 })) {
            if (earlier.occurredAt.getTime() > limit) {
              cut.add(stream);
              break;
            }
            if (fromTime) kept.push(earlier);
          }
          if (cut.has(stream)) continue;
        }
      }
      if (event.occurredAt.getTime() > limit) cut.add(stream);
      else kept.push(event);
    }
    return kept;
  };

  /** Repair: resets the streams of the page met for the first time; returns the extra events they fold. */
  const repair = async (page: readonly DecodedEvent[]): Promise<number> => {
    if (!resetStreams) return 0;
    const first = new Map<string, number>();
    for (const e of page) {
      if (reset.has(e.streamId)) continue;
      first.set(e.streamId, Math.min(first.get(e.streamId) ?? e.version, e.version));
    }
    if (first.size === 0) return 0;
    const now = await resetStreams([...first.keys()]);
    for (const stream of first.keys()) reset.add(stream);
    repairedStreams += now.length;
    // the earlier events of a stream reset now are folded again (read back by the target)
    return now.reduce((n, stream) => n + (first.get(stream) ?? 1) - 1, 0);
  };

  /** Applies pages from the checkpoint on; keeps the cursor of the last page so a later pass can re-read it. */
  const replay = async (cp: RebuildCheckpoint, resumed: boolean): Promise<boolean> => {
    for (;;) {
      if (options.signal?.aborted) return false;
      const page = await store.readTenant(cp.tenant, { cursor: cp.cursor, limit: pageSize, fromTime });
      let work = page.events.length;
      if (fromTime) work += await repair(page.events);
      const applied =
        toMs === null ? page.events : await asOf(page.events, toMs, resumed || fromTime !== undefined);
      await target.apply(applied);
      events += work;
      cp.events += work;
      if (page.cursor === null) {
        // stay on the last page: re-reading it is harmless (positions skip what was applied)
        await target.saveCheckpoint(cp);
        return true;
      }
      cp.cursor = page.cursor;
      await target.saveCheckpoint(cp);
      options.onProgress?.({ events, total, tenant: cp.tenant });
    }
  };

  /** the result as things stand now (events and repaired streams so far) */
  const result = (
    status: RebuildResult["status"],
    comparison: RebuildComparison | null,
    kept: string | null = null,
  ): RebuildResult => ({ status, events, resumedFrom, comparison, range, kept, repairedStreams });

  const resumed = new Set(found.filter((c) => c.cursor !== null).map((c) => c.tenant));
  for (const tenant of tenants) {
    const cp = byTenant.get(tenant) ?? { tenant, cursor: null, events: 0, done: false, range };
    cp.range = range;
    byTenant.set(tenant, cp);
    if (cp.done) continue;
    if (!(await replay(cp, resumed.has(tenant)))) return result("interrupted", null);
    cp.done = true;
    await target.saveCheckpoint(cp);
    options.onProgress?.({ events, total, tenant });
  }
  // commits made while the rebuild ran
  for (const tenant of tenants) {
    const cp = byTenant.get(tenant);
    if (cp && !(await replay(cp, resumed.has(tenant)))) return result("interrupted", null);
  }

  const comparison = await target.compare();
  if (options.dryRun) {
    if (options.keep) return result("dry-run", comparison, target.location);
    await target.discard();
    return result("dry-run", comparison);
  }
  await target.switchOver();
  return result("switched", comparison);
}
