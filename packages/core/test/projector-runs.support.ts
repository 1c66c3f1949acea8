/**
 * Builders of run events for the runs/schedules read-model tests: valid payloads of the
 * current schemas, and whole run histories (`runHistory`) following the run state machine.
 */
import type { AttemptBodyRef, EventDataMap, NewEvent, RunTrigger } from "@jobledger/events";
import { streamIdOf } from "@jobledger/events";
import { newEvent } from "./support/postgres.ts";

export const runStreamIdOf = (tenant: string, runId: string) => streamIdOf(tenant, "run", runId);

export const request = {
  method: "POST" as const,
  url: "https://api.example.com/hook",
  headers: { "content-type": "application/json" },
  body: "{}",
  timeoutMs: 10_000,
};

export const retry = {
  maxAttempts: 3,
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  multiplier: 2,
  retryOn: ["network" as const, "5xx" as const],
};

const facts = (n: number) => ({
  durationMs: 12 + n,
  headers: { "content-type": "text/plain", "x-n": String(n) },
  bodyExcerpt: `body ${n}`,
  bodyBytes: 100 + n,
  bodyTruncated: n % 2 === 0,
});

/** Builds the events of one run, each a minute after the last from `start`. */
export class RunEvents {
  readonly events: NewEvent[] = [];
  private minute = 0;
  constructor(
    readonly tenant: string,
    readonly jobId: string,
    private readonly start: Date,
  ) {}

  /** the time of the next event */
  get now(): Date {
    return new Date(this.start.getTime() + this.minute * 60_000);
  }

  add<T extends keyof EventDataMap>(type: T, data: EventDataMap[T]): this {
    this.events.push(newEvent(this.tenant, type, data, { at: this.now, actor: "system:test" }));
    this.minute++;
    return this;
  }

  queued(attempt: number, trigger: RunTrigger, scheduledFor: Date | null = null): this {
    const first = attempt === 1 && trigger !== "retry" && trigger !== "redrive";
    return this.add("RunQueued", {
      jobId: this.jobId,
      jobVersion: 1,
      attempt,
      trigger,
      scheduledFor: scheduledFor?.toISOString() ?? null,
      dueAt: this.now.toISOString(),
      request: first ? request : null,
      retry: first ? retry : null,
    });
  }

  started(attempt: number): this {
    return this.add("AttemptStarted", {
      attempt,
      runner: `runner-${attempt}`,
      deadline: new Date(this.now.getTime() + 40_000).toISOString(),
    });
  }

  /** `body`: the stored whole body's reference (AttemptSucceeded v2), none by default */
  succeeded(attempt: number, status = 200, body?: AttemptBodyRef): this {
    return this.add("AttemptSucceeded", { attempt, status, ...facts(attempt), ...(body ? { body } : {}) });
  }

  failed(attempt: number, status: number | null = 503): this {
    return this.add("AttemptFailed", {
      attempt,
      errorClass: status === null ? "network" : "http-5xx",
      status,
      message: status === null ? "connection refused" : `HTTP ${status}`,
      retryAfterMs: null,
      ...facts(attempt),
    });
  }

  timedOut(attempt: number): this {
    return this.add("AttemptTimedOut", { attempt, deadline: this.now.toISOString() });
  }

  retryScheduled(attempt: number): this {
    return this.add("RetryScheduled", {
      attempt,
      dueAt: new Date(this.now.getTime() + 30_000).toISOString(),
      delayMs: 30_000,
      reason: "http-5xx",
    });
  }
}

/** A run's fate, for generated histories. */
export interface RunSpec {
  skipped: boolean;
  /** failed attempts before the last one; true = timed out, false = failed with a response */
  failures: boolean[];
  end: "succeed" | "dead-letter" | "cancel-running" | "cancel-queued";
  redrive: boolean;
}

/** The events of a run following `spec` (the state machine of the run aggregate). */
export function runHistory(tenant: string, jobId: string, start: Date, spec: RunSpec): NewEvent[] {
  const run = new RunEvents(tenant, jobId, start);
  if (spec.skipped) {
    return run.add("RunSkipped", {
      jobId,
      jobVersion: 1,
      scheduledFor: start.toISOString(),
      reason: "missed",
      missedCount: 3,
      missedFrom: new Date(start.getTime() - 120_000).toISOString(),
      missedTo: start.toISOString(),
    }).events;
  }
  run.queued(1, "schedule", start);
  let attempt = 1;
  for (const timedOut of spec.failures) {
    run.started(attempt);
    if (timedOut) run.timedOut(attempt);
    else run.failed(attempt, null);
    run.retryScheduled(attempt + 1).queued(attempt + 1, "retry");
    attempt++;
  }
  switch (spec.end) {
    case "succeed":
      run.started(attempt).succeeded(attempt).add("RunSucceeded", { attempts: attempt });
      break;
    case "dead-letter":
      run
        .started(attempt)
        .failed(attempt, 500)
        .add("RunDeadLettered", { attempts: attempt, reason: "exhausted", lastError: "HTTP 500 at last" });
      if (spec.redrive) {
        run.add("RunRedriven", { reason: "fixed" }).queued(attempt + 1, "redrive");
        attempt++;
        run.started(attempt).succeeded(attempt, 201).add("RunSucceeded", { attempts: attempt });
      }
      break;
    case "cancel-running":
      run.started(attempt).add("RunCancelled", { reason: "stop" }).failed(attempt, 502);
      break;
    case "cancel-queued":
      run.add("RunCancelled", { reason: null });
      break;
  }
  return run.events;
}
