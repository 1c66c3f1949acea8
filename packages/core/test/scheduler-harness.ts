/**
 * The real pieces of scheduling wired together for the scheduler and runner tests: the
 * DynamoDB event store on a private dynalite, the job and run command services, the
 * Postgres projector with the jobs, runs and schedules projections, the run queries, the
 * scheduler and (optionally) a runner with the real HTTP executor allowed to call
 * 127.0.0.1. Instead of Kinesis, every appended event is collected (`appended`) and
 * `settle()` feeds it to the projector and the runner until nothing new happens.
 */
import type { DecodedEvent, EventType } from "@jobledger/events";
import { DynamoEventStore } from "../src/adapters/dynamodb/event-store.ts";
import { createHttpExecutor } from "../src/adapters/http/executor.ts";
import { createPostgresProjector, type PostgresProjector } from "../src/adapters/postgres/projector.ts";
import { createRunQueries, type RunQueries } from "../src/adapters/postgres/run-queries.ts";
import { type CommandContext, createJobCommands, type JobCommands } from "../src/application/job-commands.ts";
import { createRunCommands, type RunCommands } from "../src/application/run-commands.ts";
import { createRunner, type Runner, type RunnerDeps } from "../src/application/runner.ts";
import { createScheduler, type Scheduler, type SchedulerDeps } from "../src/application/scheduler.ts";
import { createSigningSecrets } from "../src/application/signing-secrets.ts";
import type { JobDefinitionInputValue } from "../src/domain/job/definition.ts";
import { parseTargetAllowList } from "../src/domain/job/target-policy.ts";
import { createLogger } from "../src/logging.ts";
import { ManualClock } from "../src/ports/clock.ts";
import type { AppendResult, EventStore } from "../src/ports/event-store.ts";
import { jobsProjection } from "../src/projections/jobs.ts";
import { runsProjection } from "../src/projections/runs.ts";
import { schedulesProjection } from "../src/projections/schedules.ts";
import type { TestDatabase } from "./support/postgres.ts";
import { type TestDynamo, uniqueName, withDynalite } from "./support/standins.ts";

export const MASTER_KEY = "scheduler-test-master-key";
export const logger = createLogger("test", "silent");

/** An event store that hands every appended event to `onAppend` as well (a tap, not a fake). */
function tapped(store: EventStore, onAppend: (events: DecodedEvent[]) => void): EventStore {
  return {
    async append(streamId, expectedVersion, events): Promise<AppendResult> {
      const result = await store.append(streamId, expectedVersion, events);
      onAppend(result.events);
      return result;
    },
    readStream: (streamId, options) => store.readStream(streamId, options),
    readStreamAll: (streamId, options) => store.readStreamAll(streamId, options),
    readTenant: (tenant, options) => store.readTenant(tenant, options),
  };
}

export interface Harness {
  clock: ManualClock;
  store: DynamoEventStore;
  eventStore: EventStore;
  jobCommands: JobCommands;
  runCommands: RunCommands;
  runQueries: RunQueries;
  projector: PostgresProjector;
  /** every event appended so far, in append order */
  appended: DecodedEvent[];
  newScheduler(overrides?: Partial<SchedulerDeps>): Scheduler;
  newRunner(overrides?: Partial<RunnerDeps>): Runner;
  /** a context of a fresh tenant */
  context(): CommandContext;
  /** creates a job and projects it; returns its id */
  createJob(
    ctx: CommandContext,
    definition: Partial<JobDefinitionInputValue> & Pick<JobDefinitionInputValue, "schedule">,
  ): Promise<string>;
  /** projects every event not projected yet (and hands it to `runner`, when given) until quiet */
  settle(runner?: Runner): Promise<void>;
  /** deletes every job created so far that is not deleted yet (so later tests' ticks do not fire it) */
  retireJobs(): Promise<void>;
  /** events of `type` appended for a tenant, in append order */
  eventsOf<T extends EventType>(tenant: string, type: T): DecodedEvent<T>[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  db: TestDatabase;
  start: Date;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const { db } = options;
  const clock = new ManualClock(options.start);
  const dynamo: TestDynamo = await withDynalite();
  const tableName = await dynamo.newEventsTable("scheduling");
  const store = new DynamoEventStore({ doc: dynamo.doc, tableName, clock });
  const appended: DecodedEvent[] = [];
  let projected = 0;
  const eventStore = tapped(store, (events) => appended.push(...events));
  const jobCommands = createJobCommands({ eventStore, clock, allowList: ["127.0.0.1"] });
  const runCommands = createRunCommands({ eventStore, clock, random: () => 0.5 });
  const runQueries = createRunQueries(db.pool);
  const projector = createPostgresProjector({
    pool: db.pool,
    eventStore: store,
    projections: [jobsProjection, runsProjection, schedulesProjection],
    logger,
  });
  const created: Array<{ ctx: CommandContext; jobId: string }> = [];
  const executor = createHttpExecutor({ allowList: parseTargetAllowList(["127.0.0.1"]), clock });

  const harness: Harness = {
    clock,
    store,
    eventStore,
    jobCommands,
    runCommands,
    runQueries,
    projector,
    appended,
    newScheduler: (overrides = {}) =>
      createScheduler({ pool: db.pool, runCommands, runQueries, clock, logger, ...overrides }),
    newRunner: (overrides = {}) =>
      createRunner({
        runCommands,
        executor,
        signingSecret: createSigningSecrets(MASTER_KEY),
        clock,
        logger,
        runnerId: uniqueName("runner"),
        ...overrides,
      }),
    context: () => ({ tenant: uniqueName("tenant"), actor: "user:test", correlationId: uniqueName("req") }),
    async createJob(ctx, definition) {
      const { job } = await jobCommands.create(ctx, {
        name: "scheduled job",
        request: {
          method: "POST",
          url: "http://127.0.0.1:9/unused",
          headers: {},
          body: "{}",
          timeoutMs: 5_000,
        },
        ...definition,
      });
      created.push({ ctx, jobId: job.id });
      await harness.settle();
      return job.id;
    },
    async settle(runner) {
      while (projected < appended.length) {
        const batch = appended.slice(projected);
        projected = appended.length;
        await projector.handle(batch);
        if (runner) await runner.handle(batch);
      }
    },
    async retireJobs() {
      for (const { ctx, jobId } of created.splice(0)) {
        const { state } = await jobCommands.loadJob(ctx.tenant, jobId);
        if (state && state.status !== "deleted")
          await jobCommands.delete(ctx, jobId, { reason: "test done" });
      }
      await harness.settle();
    },
    eventsOf<T extends EventType>(tenant: string, type: T) {
      return appended.filter((e): e is DecodedEvent<T> => e.tenant === tenant && e.type === type);
    },
    close: () => dynamo.close(),
  };
  return harness;
}

/** The nominal fire times (ISO) of RunQueued events with the given triggers. */
export function firesOf(
  events: readonly DecodedEvent<"RunQueued">[],
  triggers = ["schedule", "catch-up"],
): string[] {
  return events
    .filter((e) => triggers.includes(e.data.trigger))
    .map((e) => e.data.scheduledFor ?? "")
    .sort();
}
