/**
 * Rebuilds a read model from the event store into a RebuildTarget: per tenant, pages of
 * `readTenant` in commit order, a checkpoint after each page (so an interrupted rebuild
 * resumes), a catch-up pass for commits made meanwhile, a comparison with the live copy, and
 * the switch (or, for a dry run, the copy discarded).
 */
import type { EventStore } from "../../ports/event-store.ts";
import type { RebuildCheckpoint, RebuildComparison, RebuildTarget } from "./target.ts";

export interface RebuildProgress {
  /** events applied, including those applied before a resume */
  events: number;
  /** estimated total, when known */
  total: number | null;
  tenant: string;
}

export interface RebuildOptions {
  tenants: readonly string[];
  dryRun?: boolean;
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
}

export async function rebuild(
  store: EventStore,
  target: RebuildTarget,
  options: RebuildOptions,
): Promise<RebuildResult> {
  const pageSize = options.pageSize ?? 100;
  const found = await target.prepare(options.tenants);
  const byTenant = new Map(found.map((c) => [c.tenant, c]));
  const total = await target.estimateEvents(options.tenants);
  const resumedFrom = found.reduce((n, c) => n + c.events, 0);
  let events = resumedFrom;

  /** Applies pages from the checkpoint on; keeps the cursor of the last page so a later pass can re-read it. */
  const replay = async (cp: RebuildCheckpoint): Promise<boolean> => {
    for (;;) {
      if (options.signal?.aborted) return false;
      const page = await store.readTenant(cp.tenant, { cursor: cp.cursor, limit: pageSize });
      await target.apply(page.events);
      events += page.events.length;
      cp.events += page.events.length;
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

  for (const tenant of options.tenants) {
    const cp = byTenant.get(tenant) ?? { tenant, cursor: null, events: 0, done: false };
    byTenant.set(tenant, cp);
    if (cp.done) continue;
    if (!(await replay(cp))) return { status: "interrupted", events, resumedFrom, comparison: null };
    cp.done = true;
    await target.saveCheckpoint(cp);
    options.onProgress?.({ events, total, tenant });
  }
  // commits made while the rebuild ran
  for (const tenant of options.tenants) {
    const cp = byTenant.get(tenant);
    if (cp && !(await replay(cp))) return { status: "interrupted", events, resumedFrom, comparison: null };
  }

  const comparison = await target.compare();
  if (options.dryRun) {
    await target.discard();
    return { status: "dry-run", events, resumedFrom, comparison };
  }
  await target.switchOver();
  return { status: "switched", events, resumedFrom, comparison };
}
