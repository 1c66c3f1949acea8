/**
 * The runner: consumes run events from the change feed and executes the HTTP attempts they
 * ask for. The event stream is the queue (see docs/scheduling.md, "Exactly-once run
 * creation, at-least-once delivery"):
 *
 * - For each `RunQueued` whose run is still `queued` for that attempt, the runner appends
 *   `AttemptStarted` with the version it read (`startAttempt`), so of two runners that got the
 *   same event exactly one wins; the loser skips. Then it calls the target with the run's
 *   request snapshot, `Idempotency-Key: <runId>` (the same on every attempt of a run) and the
 *   tenant's signature, and appends the outcome (`recordOutcome`), which decides success,
 *   retry or dead letter.
 * - A runner that dies after `AttemptStarted` leaves the run `running`; the scheduler's
 *   watchdog times the attempt out at its deadline and the retry policy takes over.
 * - `RunCancelled` for a run this runner is executing aborts the HTTP call. Only the process
 *   that executes the call can abort it: on AWS that is the Lambda instance holding the
 *   run's shard, so a cancel aborts the call only while that instance has it in flight (in
 *   practice: when the cancel arrives in the same batch). Otherwise the call completes, its
 *   result is recorded as `AttemptSucceeded`/`AttemptFailed`, and the run stays cancelled.
 *   An aborted call is recorded as a failed attempt of class `network` (whether the target
 *   acted on it is unknown); the run stays cancelled.
 * - Per-host rate limit: before the call the runner takes a slot from the shared
 *   `HostRateLimiter`. When the host's window is full it waits `retryAfterMs` and tries
 *   again, as long as the waits fit in the attempt's grace (deadline − start − timeout) so
 *   the watchdog never times out an attempt that is merely waiting. When they do not fit, the
 *   call is not made and the attempt is recorded as failed with class `http-429` (status
 *   null, `retryAfterMs` from the limiter, a message saying it was Jobledger's own limit):
 *   the job's retry policy then treats it like a target's 429 (retried when `retryOn` holds
 *   `429` or `4xx`, no earlier than the limiter said).
 *
 * - Whole response bodies: with `bodies`, the executor keeps the body (up to its read cap) and
 *   the runner stores every non-empty one as an object BEFORE it appends the outcome, so an
 *   event never references a missing object; the outcome carries the reference. A put that
 *   fails (or times out) does not lose the attempt: the outcome is recorded without a
 *   reference and a warning is logged (see application/attempt-bodies.ts).
 *
 * Runs proceed in parallel up to `concurrency`, claims included; the events of one run
 * stream are handled in order, and a run's next attempt only exists after the previous one ended.
 * Time comes from the injected clock; waiting uses real timers (`sleep`, injectable).
 */
import type { DecodedEvent, HttpRequestSpec } from "@jobledger/events";
import { parseStreamId } from "@jobledger/events";
import type { ExecutedAttempt, HttpExecutor } from "../adapters/http/executor.ts";
import type { HostRateLimiter } from "../adapters/http/host-rate-limit.ts";
import type { HeaderSecrets } from "../auth/header-secrets.ts";
import type { ConsumeRecord } from "../changefeed/consumer.ts";
import { groupByStream } from "../changefeed/group-by-stream.ts";
import { InvalidTransition } from "../domain/errors.ts";
import { type AttemptOutcome, type FailedAttempt, failureWithoutResponse } from "../domain/run/outcome.ts";
import type { Logger } from "../logging.ts";
import type { Clock } from "../ports/clock.ts";
import type { AttemptBodies } from "./attempt-bodies.ts";
import { ConcurrentModification } from "./errors.ts";
import type { RunCommands, RunContext } from "./run-commands.ts";
import type { SigningSecretSource } from "./signing-secrets.ts";

export const DEFAULT_RUNNER_CONCURRENCY = 16;
/** How often recording an outcome is tried again when another writer changed the run meanwhile. */
const RECORD_ATTEMPTS = 5;

export interface RunnerDeps {
  runCommands: Pick<RunCommands, "loadRun" | "startAttempt" | "recordOutcome">;
  executor: HttpExecutor;
  signingSecret: SigningSecretSource;
  /** opens sealed (encrypted) header values just before the call; see auth/header-secrets */
  headerSecrets?: HeaderSecrets;
  hostRateLimiter?: HostRateLimiter;
  clock: Clock;
  logger: Logger;
  /** who executes attempts, recorded in `AttemptStarted` (e.g. `local:<pid>`, a Lambda request id) */
  runnerId: string;
  /** runs executed at once (default 16) */
  concurrency?: number;
  /** waits `ms` real milliseconds, rejecting when `signal` aborts (default: a timer) */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** where whole response bodies are stored; absent or null = only the excerpt is kept */
  bodies?: AttemptBodies | null;
}

/** How one attempt this runner took ended. */
export type AttemptResult =
  | { runId: string; tenant: string; attempt: number; result: "succeeded" | "failed" | "aborted" }
  /** the outcome could not be appended (the watchdog will time the attempt out) */
  | { runId: string; tenant: string; attempt: number; result: "unrecorded"; error: string };

export interface RunnerReport {
  /** attempts this runner started */
  started: number;
  /** RunQueued events passed over: the run was not queued for that attempt, or another runner took it */
  skipped: number;
  /** calls aborted because their run was cancelled */
  cancelled: number;
  attempts: AttemptResult[];
}

export interface Runner {
  /** Handles a batch of events and resolves when every attempt it started has ended. */
  handle(events: readonly DecodedEvent[]): Promise<RunnerReport>;
  /**
   * For `createStreamConsumerHandler`: starts the record's attempts and resolves once they
   * are started (claimed); the calls go on in the background. Errors before an attempt is
   * started reject (so the record is retried); later errors are logged and left to the
   * watchdog. Await `drain()` before the Lambda invocation returns.
   */
  handleBatch: ConsumeRecord;
  /** Resolves when no attempt is in flight. */
  drain(): Promise<void>;
  /** Attempts in flight now. */
  inFlight(): number;
}

/** The reason an aborted call carries. */
class RunCancelledWhileExecuting extends Error {
  override readonly name = "RunCancelledWhileExecuting";
}

/** A counting semaphore: at most `size` holders at once, waiters served in order. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** A run's id from its stream id `<tenant>/run/<runId>` (null for any other stream). */
function runIdOf(event: DecodedEvent): string | null {
  const { kind, id } = parseStreamId(event.streamId);
  return kind === "run" ? id : null;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface Claimed {
  tenant: string;
  runId: string;
  attempt: number;
  request: HttpRequestSpec;
  /** ms the attempt may wait for the host rate limit */
  waitBudgetMs: number;
  ctx: RunContext;
}

export function createRunner(deps: RunnerDeps): Runner {
  const { runCommands, executor, signingSecret, hostRateLimiter, clock, runnerId } = deps;
  const logger = deps.logger.child({ runner: runnerId });
  const sleep = deps.sleep ?? defaultSleep;
  const concurrency = deps.concurrency ?? DEFAULT_RUNNER_CONCURRENCY;
  const bodies = deps.bodies ?? null;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`runner concurrency must be a positive integer, got ${concurrency}`);
  }
  const slots = new Slots(concurrency);
  /** stream id → the abort controller of the call in flight */
  const executing = new Map<string, AbortController>();
  const pending = new Set<Promise<AttemptResult>>();

  /** Starts the attempt a RunQueued asks for; null when it is not (or no longer) this runner's to run. */
  async function claim(event: DecodedEvent<"RunQueued">, runId: string): Promise<Claimed | null> {
    const tenant = event.tenant;
    const loaded = await runCommands.loadRun(tenant, runId);
    const state = loaded.state;
    if (state?.status !== "queued" || state.attempt !== event.data.attempt) {
      logger.debug(
        {
          runId,
          tenant,
          attempt: event.data.attempt,
          status: state?.status ?? "none",
          current: state?.attempt,
        },
        "RunQueued passed over: the run is not queued for this attempt",
      );
      return null;
    }
    const ctx: RunContext = {
      tenant,
      actor: `system:runner:${runnerId}`,
      correlationId: event.correlationId,
      causationId: event.eventId,
    };
    let started: Awaited<ReturnType<RunCommands["startAttempt"]>>;
    try {
      started = await runCommands.startAttempt(ctx, runId, { runner: runnerId });
    } catch (error) {
      if (error instanceof ConcurrentModification || error instanceof InvalidTransition) {
        logger.info(
          { runId, tenant, attempt: event.data.attempt, reason: errorText(error) },
          "another runner took the attempt (or the run changed): skipping it",
        );
        return null;
      }
      throw error;
    }
    const run = started.run;
    if (run.request === null || run.deadline === null) {
      throw new Error(
        `run ${runId} of tenant ${tenant} started attempt ${run.attempt} without a request or deadline`,
      );
    }
    const startedAt = clock.now().getTime();
    return {
      tenant,
      runId,
      attempt: run.attempt,
      request: run.request,
      waitBudgetMs: Math.max(0, run.deadline.getTime() - startedAt - run.request.timeoutMs),
      ctx: { ...ctx, causationId: started.events[0]?.eventId ?? ctx.causationId },
    };
  }

  /** Waits for a slot of the host's rate limit; a failed outcome when none comes in time. */
  async function takeHostSlot(job: Claimed, signal: AbortSignal): Promise<FailedAttempt | null> {
    if (!hostRateLimiter) return null;
    let host: string;
    try {
      host = new URL(job.request.url).hostname;
    } catch {
      return null; // the executor refuses the URL with a clear outcome
    }
    let waited = 0;
    for (;;) {
      const decision = await hostRateLimiter.acquire(host, clock.now());
      if (decision.ok) return null;
      const wait = Math.max(1, decision.retryAfterMs);
      if (waited + wait > job.waitBudgetMs) {
        return {
          ...failureWithoutResponse(
            "http-429",
            `not sent: Jobledger's per-host rate limit for ${host} had no free slot within the attempt's deadline (waited ${waited} ms); the target was not called`,
            0,
          ),
          retryAfterMs: wait,
        };
      }
      logger.debug({ runId: job.runId, host, waitMs: wait }, "host rate limit reached: waiting");
      await sleep(wait, signal);
      waited += wait;
    }
  }

  async function call(job: Claimed, signal: AbortSignal): Promise<ExecutedAttempt> {
    const throttled = await takeHostSlot(job, signal);
    if (throttled) return throttled;
    let request = job.request;
    if (deps.headerSecrets) {
      try {
        request = { ...request, headers: deps.headerSecrets.open(job.tenant, request.headers) };
      } catch (error) {
        return failureWithoutResponse(
          "refused-target",
          `not sent: ${error instanceof Error ? error.message : String(error)}; the target was not called`,
          0,
        );
      }
    }
    return executor.execute({
      request,
      idempotencyKey: job.runId,
      signingSecret: signingSecret(job.tenant),
      signal,
      keepBody: bodies !== null,
    });
  }

  /** Stores the raw body (if any, non-empty) and returns the outcome with its reference. */
  async function withStoredBody(job: Claimed, executed: ExecutedAttempt): Promise<AttemptOutcome> {
    const { rawBody, ...outcome } = executed;
    if (bodies === null || rawBody === undefined || rawBody.bytes.byteLength === 0) return outcome;
    try {
      const body = await bodies.save({
        tenant: job.tenant,
        runId: job.runId,
        attempt: job.attempt,
        at: clock.now(),
        body: rawBody,
      });
      return { ...outcome, body };
    } catch (error) {
      logger.warn(
        {
          runId: job.runId,
          tenant: job.tenant,
          attempt: job.attempt,
          bytes: rawBody.bytes.byteLength,
          location: bodies.location,
          err: error,
        },
        "could not store the response body: the attempt is recorded without it",
      );
      return outcome;
    }
  }

  async function record(job: Claimed, outcome: AttemptOutcome): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        await runCommands.recordOutcome(job.ctx, job.runId, { attempt: job.attempt, outcome });
        return;
      } catch (error) {
        if (error instanceof ConcurrentModification && i < RECORD_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  async function execute(
    job: Claimed,
    streamId: string,
    controller: AbortController,
  ): Promise<AttemptResult> {
    const base = { runId: job.runId, tenant: job.tenant, attempt: job.attempt };
    const ids = { correlationId: job.ctx.correlationId, causationId: job.ctx.causationId };
    try {
      let outcome: AttemptOutcome;
      let aborted = false;
      try {
        outcome = await withStoredBody(job, await call(job, controller.signal));
      } catch (error) {
        if (!controller.signal.aborted) throw error;
        aborted = true;
        outcome = failureWithoutResponse(
          "network",
          "aborted: the run was cancelled while the call was in flight; whether the target acted on it is unknown",
          0,
        );
      }
      await record(job, outcome);
      const result = aborted ? "aborted" : outcome.kind;
      logger.info(
        {
          ...base,
          ...ids,
          result,
          status: outcome.status,
          errorClass: outcome.kind === "failed" ? outcome.errorClass : undefined,
          durationMs: outcome.durationMs,
        },
        "attempt ended",
      );
      return { ...base, result };
    } catch (error) {
      if (error instanceof InvalidTransition) {
        // the watchdog closed the attempt (or the run moved on) before this outcome arrived
        logger.warn(
          { ...base, reason: error.message },
          "outcome arrived after the attempt was closed: dropped",
        );
      } else {
        logger.error(
          { ...base, err: error },
          "attempt could not be completed; the watchdog will time it out",
        );
      }
      return { ...base, result: "unrecorded", error: errorText(error) };
    } finally {
      if (executing.get(streamId) === controller) executing.delete(streamId);
      slots.release();
    }
  }

  /**
   * Handles one batch: aborts cancelled runs, claims queued attempts, returns once every claim
   * of the batch was decided (the calls go on). The events of one run stream are handled in
   * order; different streams are claimed in parallel, each claim holding one of the
   * `concurrency` slots (a claim is a read and a conditional append: claiming one after
   * another kept only one or two calls in flight). A claim that throws fails the batch after
   * the other streams settled, so the batch is redelivered and nothing is left half-decided.
   */
  async function dispatch(
    events: readonly DecodedEvent[],
    report: RunnerReport,
    started: Promise<AttemptResult>[],
  ): Promise<void> {
    const settled = await Promise.allSettled(
      [...groupByStream(events).values()].map(async (streamEvents) => {
        for (const event of streamEvents) await dispatchOne(event, report, started);
      }),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  async function dispatchOne(
    event: DecodedEvent,
    report: RunnerReport,
    started: Promise<AttemptResult>[],
  ): Promise<void> {
    const runId = runIdOf(event);
    if (runId === null) return;
    if (event.type === "RunCancelled") {
      const controller = executing.get(event.streamId);
      if (controller) {
        controller.abort(new RunCancelledWhileExecuting(`run ${runId} was cancelled`));
        report.cancelled++;
      }
      return;
    }
    if (event.type !== "RunQueued") return;
    await slots.acquire();
    let job: Claimed | null;
    try {
      job = await claim(event as DecodedEvent<"RunQueued">, runId);
    } catch (error) {
      slots.release();
      throw error;
    }
    if (!job) {
      slots.release();
      report.skipped++;
      return;
    }
    report.started++;
    const controller = new AbortController();
    executing.set(event.streamId, controller);
    const work = execute(job, event.streamId, controller);
    pending.add(work);
    void work.finally(() => pending.delete(work));
    started.push(work);
  }

  const emptyReport = (): RunnerReport => ({ started: 0, skipped: 0, cancelled: 0, attempts: [] });

  return {
    async handle(events) {
      const report = emptyReport();
      const started: Promise<AttemptResult>[] = [];
      try {
        await dispatch(events, report, started);
      } finally {
        report.attempts = await Promise.all(started);
      }
      return report;
    },
    handleBatch: async (events) => {
      await dispatch(events, emptyReport(), []);
    },
    async drain() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    inFlight: () => pending.size,
  };
}
