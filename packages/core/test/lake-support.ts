/**
 * Shared by the lake and analytics tests: run-stream events that a real event store accepts,
 * and a private s3rver.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { NewEvent } from "@jobledger/events";
import S3rver from "s3rver";
import { createS3Client } from "../src/adapters/lake/s3-object-store.ts";

const facts = (durationMs: number) => ({
  durationMs,
  headers: {},
  bodyExcerpt: "",
  bodyBytes: 0,
  bodyTruncated: false,
});

function envelope<T extends NewEvent["type"]>(
  tenant: string,
  type: T,
  data: NewEvent<T>["data"],
  at: Date,
): NewEvent<T> {
  return {
    eventId: randomUUID(),
    type,
    data,
    occurredAt: at,
    correlationId: randomUUID(),
    causationId: null,
    actor: "system:test",
    tenant,
  } as NewEvent<T>;
}

export interface RunScript {
  tenant: string;
  jobId: string;
  /** when the run was due */
  at: Date;
  /** attempts' outcomes, in order: an HTTP status, or "network" */
  outcomes: (number | "network")[];
  /** how long each attempt took */
  attemptMs?: number;
}

/** The events of one finished run: queued, its attempts, and RunSucceeded or RunDeadLettered. */
export function runEvents(script: RunScript): NewEvent[] {
  const { tenant, jobId, at } = script;
  const ms = script.attemptMs ?? 100;
  let clock = at.getTime();
  const tick = (delta: number) => {
    clock += delta;
    return new Date(clock);
  };
  const events: NewEvent[] = [
    envelope(
      tenant,
      "RunQueued",
      {
        jobId,
        jobVersion: 1,
        attempt: 1,
        trigger: "schedule",
        scheduledFor: at.toISOString(),
        dueAt: at.toISOString(),
        request: { method: "GET", url: "https://example.com/", headers: {}, body: null, timeoutMs: 5000 },
        retry: {
          maxAttempts: 3,
          initialDelayMs: 1000,
          maxDelayMs: 60000,
          multiplier: 2,
          retryOn: ["5xx", "network"],
        },
      },
      tick(0),
    ),
  ];
  script.outcomes.forEach((outcome, i) => {
    const attempt = i + 1;
    events.push(
      envelope(
        tenant,
        "AttemptStarted",
        { attempt, runner: "test", deadline: new Date(clock + 60_000).toISOString() },
        tick(10),
      ),
    );
    if (outcome === 200) {
      events.push(envelope(tenant, "AttemptSucceeded", { attempt, status: 200, ...facts(ms) }, tick(ms)));
      events.push(envelope(tenant, "RunSucceeded", { attempts: attempt }, tick(1)));
      return;
    }
    const errorClass = outcome === "network" ? "network" : outcome >= 500 ? "http-5xx" : "http-4xx";
    events.push(
      envelope(
        tenant,
        "AttemptFailed",
        {
          attempt,
          errorClass,
          status: outcome === "network" ? null : outcome,
          message: "failed",
          retryAfterMs: null,
          ...facts(ms),
        },
        tick(ms),
      ),
    );
    if (i === script.outcomes.length - 1) {
      events.push(
        envelope(
          tenant,
          "RunDeadLettered",
          { attempts: attempt, reason: "exhausted", lastError: errorClass },
          tick(1),
        ),
      );
    } else {
      const dueAt = new Date(clock + 1000).toISOString();
      events.push(
        envelope(
          tenant,
          "RetryScheduled",
          { attempt: attempt + 1, dueAt, delayMs: 1000, reason: errorClass },
          tick(1),
        ),
      );
      events.push(
        envelope(
          tenant,
          "RunQueued",
          {
            jobId,
            jobVersion: 1,
            attempt: attempt + 1,
            trigger: "retry",
            scheduledFor: null,
            dueAt,
            request: null,
            retry: null,
          },
          tick(1000),
        ),
      );
    }
  });
  return events;
}

export interface TestS3 {
  client: S3Client;
  endpoint: string;
  bucket: string;
  close(): Promise<void>;
}

/** A private s3rver with one bucket. */
export async function withS3rver(bucket = "lake"): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "lake-s3rver-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createS3Client({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  return {
    client,
    endpoint,
    bucket,
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
