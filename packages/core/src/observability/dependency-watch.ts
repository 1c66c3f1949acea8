/**
 * A periodic readiness check for a long-running process (the local runtime): it prints one
 * clear line when a dependency stops answering and one when it answers again, and keeps
 * `jobledger_dependency_up` current. The same checks answer `GET /ready`.
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
}

/** Runs one check with a timeout; never throws. */
export async function checkDependency(dep: DependencyCheck, timeoutMs = 2000): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      dep.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
      }),
    ]);
    dependencyUp.set({ dependency: dep.name }, 1);
    return { name: dep.name, status: "up", latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    dependencyUp.set({ dependency: dep.name }, 0);
    return {
      name: dep.name,
      status: "down",
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

export interface DependencyWatch {
  /** one pass now (the timer runs them every `everyMs`); resolves with each status */
  checkNow(): Promise<DependencyStatus[]>;
  stop(): Promise<void>;
}

export function watchDependencies(
  deps: readonly DependencyCheck[],
  options: { everyMs: number; logger: Logger; timeoutMs?: number },
): DependencyWatch {
  const down = new Map<string, number>(); // name → since (ms)
  let stopped = false;
  let current: Promise<DependencyStatus[]> = Promise.resolve([]);
  let timer: NodeJS.Timeout | undefined;

  const pass = async () => {
    const statuses = await Promise.all(deps.map((d) => checkDependency(d, options.timeoutMs)));
    for (const s of statuses) {
      const since = down.get(s.name);
      if (s.status === "down" && since === undefined) {
        down.set(s.name, Date.now());
        options.logger.error(
          { dependency: s.name, error: s.error },
          `dependency ${s.name} is DOWN: ${s.error}`,
        );
      } else if (s.status === "up" && since !== undefined) {
        down.delete(s.name);
        options.logger.info(
          { dependency: s.name, downForMs: Date.now() - since, latencyMs: s.latencyMs },
          `dependency ${s.name} is back UP after ${Math.round((Date.now() - since) / 1000)} s`,
        );
      }
    }
    return statuses;
  };
  const loop = () => {
    if (stopped) return;
    current = pass().finally(() => {
      if (!stopped) timer = setTimeout(loop, options.everyMs);
    });
  };
  timer = setTimeout(loop, options.everyMs);
  timer.unref?.();
  return {
    checkNow: () => {
      current = current.then(pass, pass);
      return current;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current.catch(() => undefined);
    },
  };
}
