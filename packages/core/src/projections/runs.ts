/**
 * The "runs" projection: one row of `runs` per run stream `<tenant>/run/<runId>` and one row
 * of `run_attempts` per attempt (migrations 0003_runs_and_schedules, 0004_attempt_bodies). It
 * also raises `schedules.last_fire_at` to the fire time of every scheduled or catch-up run and every
 * skipped fire (moving a `next_fire_at` it passes), so the schedule state can be rebuilt from
 * events alone.
 *
 * `foldRun` (runs-fold.ts) is the whole projection as a pure function of the rows before an
 * event; `apply` reads and locks those rows, folds and writes back the rows it changed, as the
 * jobs and schedules projections do, and the rebuild folds a page's events in memory with the
 * same fold (page-fold.ts). Like the jobs projection it relies on the projector's position
 * guard (each event once, in stream order). The events that open a run (RunQueued of attempt 1,
 * RunSkipped) read no run row: theirs replaces the scheduler's provisional row, and a rebuild
 * starts over cleanly.
 */
import type { EventType } from "@jobledger/events";
import { selectRows, upsertRows } from "../adapters/postgres/page-rows.ts";
import type { Projection } from "../adapters/postgres/projector.ts";
import { RUN_EVENT_TYPES } from "../domain/run/aggregate.ts";
import { attemptReadBy, foldRun, opensRun, RUN_ATTEMPTS_TABLE, RUNS_TABLE, runIdOf } from "./runs-fold.ts";
import { raiseFire, SCHEDULES_TABLE } from "./schedules.ts";

export { runIdOf, timedOutMessage } from "./runs-fold.ts";

const HANDLED: ReadonlySet<EventType> = new Set<EventType>(RUN_EVENT_TYPES);

export const runsProjection: Projection = {
  name: "runs",
  handles: (type) => HANDLED.has(type),
  async apply(client, event) {
    const { tenant } = event;
    const runId = runIdOf(event);
    // locked: the scheduler inserts provisional rows and its sweeps lock retry-due and overdue runs
    const [run] = opensRun(event)
      ? []
      : await selectRows(client, RUNS_TABLE, [[tenant, runId]], { forUpdate: true });
    // the outcomes update the attempt they finish: the run's attempts (keys are matched as text,
    // so by the [tenant, run] prefix; a run has a handful)
    const attempts =
      attemptReadBy(event) === null
        ? []
        : await selectRows(client, RUN_ATTEMPTS_TABLE, [[tenant, runId]], { forUpdate: true });
    const folded = foldRun(run ?? null, (n) => attempts.find((a) => a.attempt === n) ?? null, event);
    if (folded.fire) {
      // first: the scheduler holds schedule rows while it inserts provisional runs (lock order).
      // No schedule row yet: the schedules projection reads the runs when JobCreated lands.
      const [schedule] = await selectRows(client, SCHEDULES_TABLE, [[tenant, folded.fire.jobId]], {
        forUpdate: true,
      });
      const raised = raiseFire(schedule ?? null, folded.fire.fireAt);
      if (raised !== null && raised !== schedule) await upsertRows(client, SCHEDULES_TABLE, [raised]);
    }
    await upsertRows(client, RUNS_TABLE, [folded.run]);
    if (folded.attempt) await upsertRows(client, RUN_ATTEMPTS_TABLE, [folded.attempt]);
  },
};
