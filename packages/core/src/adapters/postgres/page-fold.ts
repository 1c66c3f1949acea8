/**
 * The rebuild's in-memory fold of a page: the rows of `jobs`, `schedules`, `runs` and
 * `run_attempts` that a page's streams touch, read with one SELECT per table, changed by the
 * projections' pure folds (`foldJob`, `foldSchedule` with `raiseFire`, `foldRun`) event by
 * event in exactly the order the live projector applies them (stream by stream as they first
 * appear, version by version, projection by projection), then written with one upsert per
 * table. What the rows see when they fold — including the runs a JobCreated reads and the
 * schedules a fire raises across streams — is what the live projector's statements would
 * have seen at that point, so the rows written are the ones it writes.
 */
import type { DecodedEvent } from "@jobledger/events";
import type pg from "pg";
import { foldJob, JOBS_TABLE, type JobRow, jobIdOf, jobsProjection } from "../../projections/jobs.ts";
import { runIdOf, runsProjection } from "../../projections/runs.ts";
import {
  type AttemptRow,
  fireOf,
  foldRun,
  RUN_ATTEMPTS_TABLE,
  RUNS_TABLE,
  type RunRow,
} from "../../projections/runs-fold.ts";
import {
  foldSchedule,
  raiseFire,
  SCHEDULES_TABLE,
  type ScheduleRow,
  schedulesProjection,
} from "../../projections/schedules.ts";
import { selectRows, toDate, upsertRows } from "./page-rows.ts";
import type { Projection } from "./projector.ts";

const keyOf = (...parts: string[]) => parts.join("\u0000");
const partsOf = (key: string) => key.split("\u0000");

/** The keys whose rows a page needs, per table. */
export interface PageNeeds {
  jobs: Set<string>;
  schedules: Set<string>;
  runs: Set<string>;
  /** jobs whose JobCreated reads the latest fire among their runs */
  fires: Set<string>;
}

/** A projection the page projector folds in memory. */
export interface PageFold {
  /** adds the keys `events` (this projection's events of one stream, in order) need */
  need(events: readonly DecodedEvent[], needs: PageNeeds): void;
  /** applies one event to the page's rows */
  apply(rows: PageRows, event: DecodedEvent): void;
}

/** The rows of one page, loaded once, changed in memory, written once. */
export class PageRows {
  private readonly jobs = new Map<string, JobRow | null>();
  private readonly schedules = new Map<string, ScheduleRow | null>();
  private readonly runs = new Map<string, RunRow | null>();
  private readonly attempts = new Map<string, AttemptRow>();
  /** per job: the latest fire among its runs in the table, without the runs held here */
  private readonly firesInTable = new Map<string, Date | null>();
  /** per job: the runs held here that name it */
  private readonly runsOfJob = new Map<string, Set<string>>();
  private readonly dirty = {
    jobs: new Set<string>(),
    schedules: new Set<string>(),
    runs: new Set<string>(),
    attempts: new Set<string>(),
  };

  static async load(client: pg.ClientBase, needs: PageNeeds): Promise<PageRows> {
    const rows = new PageRows();
    const keys = (set: Set<string>) => [...set].map(partsOf);
    for (const key of needs.jobs) rows.jobs.set(key, null);
    for (const row of await selectRows(client, JOBS_TABLE, keys(needs.jobs))) {
      rows.jobs.set(keyOf(row.tenant, row.job_id), row);
    }
    for (const key of needs.schedules) rows.schedules.set(key, null);
    for (const row of await selectRows(client, SCHEDULES_TABLE, keys(needs.schedules))) {
      rows.schedules.set(keyOf(row.tenant, row.job_id), row);
    }
    for (const key of needs.runs) rows.runs.set(key, null);
    for (const row of await selectRows(client, RUNS_TABLE, keys(needs.runs))) rows.setRun(row, false);
    for (const row of await selectRows(client, RUN_ATTEMPTS_TABLE, keys(needs.runs))) {
      rows.attempts.set(keyOf(row.tenant, row.run_id, String(row.attempt)), row);
    }
    if (needs.fires.size > 0) {
      const fires = keys(needs.fires);
      const held = keys(needs.runs);
      const { rows: found } = await client.query<{ tenant: string; job_id: string; last: Date | null }>(
        `SELECT r.tenant, r.job_id, max(r.scheduled_for) AS last
           FROM runs r JOIN unnest($1::text[], $2::text[]) AS k(tenant, job_id)
             ON r.tenant = k.tenant AND r.job_id = k.job_id
          WHERE r.trigger IN ('schedule', 'catch-up')
            AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) AS h(tenant, run_id)
                             WHERE h.tenant = r.tenant AND h.run_id = r.run_id)
          GROUP BY r.tenant, r.job_id`,
        [fires.map((k) => k[0]), fires.map((k) => k[1]), held.map((k) => k[0]), held.map((k) => k[1])],
      );
      for (const row of found) rows.firesInTable.set(keyOf(row.tenant, row.job_id), row.last);
    }
    return rows;
  }

  /** Writes every changed row: one statement per table. */
  async write(client: pg.ClientBase): Promise<void> {
    const changed = <Row>(map: Map<string, Row | null>, keys: Set<string>) =>
      [...keys].map((k) => map.get(k)).filter((row): row is Row => row !== null && row !== undefined);
    await upsertRows(client, JOBS_TABLE, changed(this.jobs, this.dirty.jobs));
    await upsertRows(client, RUNS_TABLE, changed(this.runs, this.dirty.runs));
    await upsertRows(client, RUN_ATTEMPTS_TABLE, changed(this.attempts, this.dirty.attempts));
    await upsertRows(client, SCHEDULES_TABLE, changed(this.schedules, this.dirty.schedules));
  }

  job(tenant: string, jobId: string): JobRow | null {
    return this.held(this.jobs, keyOf(tenant, jobId), "jobs");
  }

  setJob(row: JobRow): void {
    const key = keyOf(row.tenant, row.job_id);
    this.jobs.set(key, row);
    this.dirty.jobs.add(key);
  }

  schedule(tenant: string, jobId: string): ScheduleRow | null {
    return this.held(this.schedules, keyOf(tenant, jobId), "schedules");
  }

  setSchedule(row: ScheduleRow): void {
    const key = keyOf(row.tenant, row.job_id);
    this.schedules.set(key, row);
    this.dirty.schedules.add(key);
  }

  run(tenant: string, runId: string): RunRow | null {
    return this.held(this.runs, keyOf(tenant, runId), "runs");
  }

  setRun(row: RunRow, dirty = true): void {
    const key = keyOf(row.tenant, row.run_id);
    this.runs.set(key, row);
    if (dirty) this.dirty.runs.add(key);
    const job = keyOf(row.tenant, row.job_id);
    const runs = this.runsOfJob.get(job) ?? new Set<string>();
    this.runsOfJob.set(job, runs);
    runs.add(key);
  }

  attempt(tenant: string, runId: string, attempt: number): AttemptRow | null {
    return this.attempts.get(keyOf(tenant, runId, String(attempt))) ?? null;
  }

  setAttempt(row: AttemptRow): void {
    const key = keyOf(row.tenant, row.run_id, String(row.attempt));
    this.attempts.set(key, row);
    this.dirty.attempts.add(key);
  }

  /** The latest fire among the job's scheduled and catch-up runs, as `runs` holds them now. */
  lastFireOfRuns(tenant: string, jobId: string): Date | null {
    const job = keyOf(tenant, jobId);
    let last = this.firesInTable.get(job) ?? null;
    for (const key of this.runsOfJob.get(job) ?? []) {
      const run = this.runs.get(key);
      if (!run || run.job_id !== jobId || run.scheduled_for === null) continue;
      if (run.trigger !== "schedule" && run.trigger !== "catch-up") continue;
      const at = toDate(run.scheduled_for);
      if (last === null || at > last) last = at;
    }
    return last;
  }

  private held<Row>(map: Map<string, Row | null>, key: string, table: string): Row | null {
    const row = map.get(key);
    if (row === undefined)
      throw new Error(`page fold: the ${table} row ${key.replace("\u0000", "/")} was not loaded`);
    return row;
  }
}

/** The folds of the three Postgres projections, by projection. */
export const PAGE_FOLDS: ReadonlyMap<Projection, PageFold> = new Map<Projection, PageFold>([
  [
    jobsProjection,
    {
      need(events, needs) {
        for (const e of events) needs.jobs.add(keyOf(e.tenant, jobIdOf(e)));
      },
      apply(rows, event) {
        rows.setJob(foldJob(rows.job(event.tenant, jobIdOf(event)), event));
      },
    },
  ],
  [
    schedulesProjection,
    {
      need(events, needs) {
        for (const e of events) {
          const key = keyOf(e.tenant, jobIdOf(e));
          needs.schedules.add(key);
          if (e.type === "JobCreated") needs.fires.add(key);
        }
      },
      apply(rows, event) {
        const jobId = jobIdOf(event);
        const firesSeen = event.type === "JobCreated" ? rows.lastFireOfRuns(event.tenant, jobId) : null;
        rows.setSchedule(foldSchedule(rows.schedule(event.tenant, jobId), event, firesSeen));
      },
    },
  ],
  [
    runsProjection,
    {
      need(events, needs) {
        for (const e of events) {
          needs.runs.add(keyOf(e.tenant, runIdOf(e)));
          const fire = fireOf(e);
          if (fire) needs.schedules.add(keyOf(e.tenant, fire.jobId));
        }
      },
      apply(rows, event) {
        const { tenant } = event;
        const runId = runIdOf(event);
        const folded = foldRun(rows.run(tenant, runId), (n) => rows.attempt(tenant, runId, n), event);
        if (folded.fire) {
          // first, as the live projection: a fire on the schedule, then the run row
          const before = rows.schedule(event.tenant, folded.fire.jobId);
          const raised = raiseFire(before, folded.fire.fireAt);
          if (raised !== null && raised !== before) rows.setSchedule(raised);
        }
        rows.setRun(folded.run);
        if (folded.attempt) rows.setAttempt(folded.attempt);
      },
    },
  ],
]);
