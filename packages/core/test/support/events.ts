/** Builders of new events for tests (valid payloads of the current schemas). */
import { randomUUID } from "node:crypto";
import type { JobDefinition, NewEvent } from "@jobledger/events";

export function jobDefinition(overrides: Partial<JobDefinition> = {}): JobDefinition {
  return {
    name: "nightly report",
    description: null,
    request: {
      method: "POST",
      url: "https://api.example.com/reports",
      headers: { "content-type": "application/json" },
      body: '{"kind":"nightly"}',
      timeoutMs: 10_000,
    },
    schedule: {
      type: "cron",
      expression: "0 2 * * *",
      timezone: "Europe/Berlin",
      dst: { nonexistent: "run-after", repeated: "first" },
      startAt: null,
      endAt: null,
      jitterSeconds: 0,
    },
    retry: {
      maxAttempts: 3,
      initialDelayMs: 1000,
      maxDelayMs: 60_000,
      multiplier: 2,
      retryOn: ["network", "5xx"],
    },
    overlap: "skip",
    concurrency: null,
    catchUp: { windowSeconds: 3600, maxRuns: 1 },
    tags: ["reports"],
    ...overrides,
  };
}

const base = (tenant: string) => ({
  eventId: randomUUID(),
  occurredAt: new Date("2026-11-23T12:00:00.000Z"),
  correlationId: randomUUID(),
  causationId: null,
  actor: "user:alice",
  tenant,
});

export function jobCreated(tenant: string, overrides: Partial<JobDefinition> = {}): NewEvent<"JobCreated"> {
  return { ...base(tenant), type: "JobCreated", data: { definition: jobDefinition(overrides) } };
}

export function jobPaused(tenant: string, reason: string | null = "maintenance"): NewEvent<"JobPaused"> {
  return { ...base(tenant), type: "JobPaused", data: { reason } };
}

export function jobResumed(tenant: string): NewEvent<"JobResumed"> {
  return { ...base(tenant), type: "JobResumed", data: {} };
}

/** `n` pause/resume events alternating, for long streams. */
export function toggles(tenant: string, n: number): NewEvent[] {
  return Array.from({ length: n }, (_, i) =>
    i % 2 === 0 ? jobPaused(tenant, `pause ${i}`) : jobResumed(tenant),
  );
}
