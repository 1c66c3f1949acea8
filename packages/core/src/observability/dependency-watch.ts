/**
 * Readiness of the dependencies (event store, stream, read model): what `GET /ready` answers,
 * and, in a long-running process (the local runtime), a periodic watch that prints one clear
 * line when a dependency goes down and one when it is back, and keeps `jobledger_dependency_up`
 * current.
 *
 * Readiness must not flap when the system is merely busy or catching up:
 * - a check is given a generous timeout (10 s): one that is slow but answers is up, with its
 *   latency;
 * - a dependency that has answered goes down only after `failuresToDown` (2) failures in a row
 *   (an error, or no answer within the timeout); one that never answered is down at its first
 *   failure;
 * - `/ready` answers from the last pass (the watch's, or an earlier request's) while it is
 *   recent, or while the next pass is still running, so a slow check never makes `/ready` slow.
 */
import type { Logger } from "../logging.ts";
import { dependencyUp } from "./instruments.ts";

export interface DependencyCheck {
  name: string;
  check(): Promise<void>;
}

export interface DependencyStatus {
  name: string;
  status: "up" | "down";
  latencyMs: number;
  error?: string;
  /** failed checks in a row (0 after an answer); present once tracked */
  failures?: number;
  /** when the check this status comes from started (ISO) */
  checkedAt?: string;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** Runs one check with a timeout; never throws. Says only how this one check went. */
export async function checkDependency(
  dep: DependencyCheck,
  timeoutMs = DEFAULT_CHECK_TIMEOUT_MS,
): Promise<DependencyStatus> {
  const started = performance.now();
  const checkedAt = new Date().toISOString();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      dep.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
      }),
    ]);
    return { name: dep.name, status: "up", latencyMs: Math.round(performance.now() - started), checkedAt };
  } catch (error) {
    return {
      name: dep.name,
      status: "down",
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
      checkedAt,
    };
  } finally {
    clearTimeout(timer);
  }
}

export interface DependencyTrackerOptions {
  /** failures in a row before a dependency that answered counts as down (default 2) */
  failuresToDown?: number;
  /** how long one check may take before it counts as a failure (default 10 s) */
  timeoutMs?: number;
  /** how long the last pass answers `statuses()` without a new one (default 15 s) */
  maxAgeMs?: number;
}

export interface DependencyTracker {
  /**
   * The tracked statuses, quickly: the last pass while it is recent or while the next one is
   * running; a pass now when there is none (or it misses a dependency added since).
   */
  statuses(): Promise<DependencyStatus[]>;
  /** one pass now, after any pass already running; resolves with each tracked status */
  checkNow(): Promise<DependencyStatus[]>;
}

interface Tracked {
  answered: boolean;
  failures: number;
  status: DependencyStatus;
}

/** Tracks `deps` (read at every pass, so a dependency added later is checked too). */
export function trackDependencies(
  deps: readonly DependencyCheck[],
  options: DependencyTrackerOptions = {},
): DependencyTracker {
  const failuresToDown = options.failuresToDown ?? 2;
  const maxAgeMs = options.maxAgeMs ?? 15_000;
  const tracked = new Map<string, Tracked>();
  let lastPassAt = Number.NEGATIVE_INFINITY;
  let pending = 0; // passes queued or running
  let current: Promise<DependencyStatus[]> = Promise.resolve([]);

  const apply = (result: DependencyStatus): DependencyStatus => {
    const before = tracked.get(result.name) ?? { answered: false, failures: 0, status: result };
    const failures = result.status === "up" ? 0 : before.failures + 1;
    const answered = before.answered || result.status === "up";
    const status: DependencyStatus = {
      ...result,
      status: result.status === "up" || (answered && failures < failuresToDown) ? "up" : "down",
      failures,
    };
    tracked.set(result.name, { answered, failures, status });
    dependencyUp.set({ dependency: result.name }, status.status === "up" ? 1 : 0);
    return status;
  };
  const pass = async (): Promise<DependencyStatus[]> => {
    const results = await Promise.all(deps.map((d) => checkDependency(d, options.timeoutMs)));
    lastPassAt = Date.now();
    return results.map(apply);
  };
  const known = (): DependencyStatus[] | null => {
    const statuses: DependencyStatus[] = [];
    for (const dep of deps) {
      const t = tracked.get(dep.name);
      if (!t) return null;
      statuses.push(t.status);
    }
    return statuses;
  };
  const checkNow = () => {
    pending++;
    const done = () => {
      pending--;
    };
    current = current.then(pass, pass);
    current.then(done, done);
    return current;
  };
  return {
    checkNow,
    async statuses() {
      const last = known();
      if (last && (pending > 0 || Date.now() - lastPassAt < maxAgeMs)) return last;
      return checkNow();
    },
  };
}

export interface DependencyWatch {
  /** one pass now (the timer runs them every `everyMs`); resolves with each status */
  checkNow(): Promise<DependencyStatus[]>;
  stop(): Promise<void>;
}

export function watchDependencies(
  deps: readonly DependencyCheck[],
  options: { everyMs: number; logger: Logger; timeoutMs?: number; tracker?: DependencyTracker },
): DependencyWatch {
  const tracker = options.tracker ?? trackDependencies(deps, { timeoutMs: options.timeoutMs });
  const down = new Map<string, number>(); // name → since (ms)
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const pass = async () => {
    const statuses = await tracker.checkNow();
    for (const s of statuses) {
      const since = down.get(s.name);
      if (s.status === "down" && since === undefined) {
        down.set(s.name, Date.now());
        options.logger.error(
          { dependency: s.name, error: s.error, failures: s.failures },
          `dependency ${s.name} is DOWN: ${s.error}`,
        );
      } else if (s.status === "up" && since !== undefined) {
        down.delete(s.name);
        options.logger.info(
          { dependency: s.name, downForMs: Date.now() - since, latencyMs: s.latencyMs },
          `dependency ${s.name} is back UP after ${Math.round((Date.now() - since) / 1000)} s`,
        );
      } else if (s.status === "up" && s.error) {
        options.logger.warn(
          { dependency: s.name, error: s.error, failures: s.failures },
          `dependency ${s.name} failed a check (${s.failures} in a row): ${s.error}`,
        );
      }
    }
    return statuses;
  };
  const loop = () => {
    if (stopped) return;
    current = pass().finally(() => {
      if (!stopped) {
        timer = setTimeout(loop, options.everyMs);
        timer.unref?.();
      }
    });
  };
  timer = setTimeout(loop, options.everyMs);
  timer.unref?.();
  return {
    checkNow: () => {
      const next = current.then(pass, pass);
      current = next;
      return next;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current.catch(() => undefined);
    },
  };
}
