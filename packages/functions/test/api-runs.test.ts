/**
 * Scheduling and execution through the API of a running local system: manual triggers,
 * scheduled runs, retries with one idempotency key, dead letters and redrive, cancellation,
 * overlap skips. The targets are the local runtime's built-in test target.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { verifySignature } from "@jobledger/core/adapters/http/signature";
import { createSigningSecrets } from "@jobledger/core/application/signing-secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
let target: string;
beforeAll(async () => {
  sys = await startTestSystem({ JOBLEDGER_TICK_MS: "200" });
  target = sys.testTarget?.url ?? "";
});
afterAll(async () => {
  await sys?.stop();
});

interface RunBody {
  runId: string;
  status: string;
  trigger: string;
  attempt: number;
  scheduledFor: string | null;
  skipReason: string | null;
  attempts: {
    attempt: number;
    outcome: string | null;
    statusCode: number | null;
    errorClass: string | null;
  }[];
}

async function createJob(overrides: Record<string, unknown>) {
  const res = await sys.json("POST", "/v1/jobs", {
    name: "runs test",
    request: { method: "POST", url: `${target}/ok`, body: '{"hello":"world"}', timeoutMs: 5000 },
    schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
    retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 200 },
    ...overrides,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function trigger(jobId: string, body?: unknown): Promise<string> {
  const res =
    body === undefined
      ? await sys.http(`/v1/jobs/${jobId}/runs`, { method: "POST" })
      : await sys.json("POST", `/v1/jobs/${jobId}/runs`, body);
  expect(res.status).toBe(202);
  const { runId } = (await res.json()) as { runId: string };
  expect(res.headers.get("location")).toBe(`/v1/runs/${runId}`);
  return runId;
}

async function runWhen(runId: string, done: (run: RunBody) => boolean, timeoutMs = 15_000): Promise<RunBody> {
  return eventually(async () => {
    const res = await sys.http(`/v1/runs/${runId}`);
    if (res.status !== 200) return undefined;
    const run = (await res.json()) as RunBody;
    return done(run) ? run : undefined;
  }, timeoutMs);
}

const received = (pathPrefix: string) =>
  (sys.testTarget?.received() ?? []).filter((r) => r.path.startsWith(pathPrefix));

describe("running jobs", () => {
  it("runs a job on demand, signs the request and records the attempt", async () => {
    const jobId = await createJob({});
    const runId = await trigger(jobId, { body: '{"override":true}' });
    const run = await runWhen(runId, (r) => r.status === "succeeded");
    expect(run).toMatchObject({ trigger: "manual", attempt: 1 });
    expect(run.attempts).toEqual([
      expect.objectContaining({ attempt: 1, outcome: "succeeded", statusCode: 200 }),
    ]);

    const call = received("/ok").find((r) => r.headers["idempotency-key"] === runId);
    expect(call?.body).toBe('{"override":true}');
    const masterKey = readFileSync(path.join(sys.config.dataDir, "signing-master-key"), "utf8").trim();
    const secret = createSigningSecrets(masterKey)("default");
    const verdict = verifySignature(
      call?.headers["jobledger-signature"] ?? "",
      call?.body ?? "",
      secret as string,
      new Date(),
    );
    expect(verdict.ok).toBe(true);
  });

  it("retries a failing target with the same Idempotency-Key until it succeeds", async () => {
    const jobId = await createJob({
      request: { method: "GET", url: `${target}/flaky/${Date.now()}?failures=2` },
    });
    const runId = await trigger(jobId);
    const run = await runWhen(runId, (r) => r.status === "succeeded");
    expect(run.attempts.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, "failed", 503],
      [2, "failed", 503],
      [3, "succeeded", 200],
    ]);
    const keys = received("/flaky").filter((r) => r.headers["idempotency-key"] === runId);
    expect(keys).toHaveLength(3);
  });

  it("dead-letters a run that exhausts its retries, lists it, and redrives it with a fresh budget", async () => {
    const jobId = await createJob({
      request: { method: "GET", url: `${target}/status/500` },
      retry: { maxAttempts: 2, initialDelayMs: 50, maxDelayMs: 100 },
    });
    const runId = await trigger(jobId);
    await runWhen(runId, (r) => r.status === "dead-lettered");
    const letters = await eventually(async () => {
      const page = (await (await sys.http(`/v1/dead-letters?jobId=${jobId}`)).json()) as { items: RunBody[] };
      return page.items.length > 0 ? page.items : undefined;
    });
    expect(letters.map((r) => r.runId)).toEqual([runId]);

    const dry = await sys.json("POST", "/v1/dead-letters/redrive", { jobId, dryRun: true });
    expect(await dry.json()).toMatchObject({ dryRun: true, selected: [runId], redriven: [] });
    const redrive = await sys.json("POST", "/v1/dead-letters/redrive", {
      runIds: [runId],
      reason: "target fixed?",
    });
    expect(await redrive.json()).toMatchObject({ dryRun: false, redriven: [runId], failed: [] });
    const again = await runWhen(runId, (r) => r.status === "dead-lettered" && r.attempts.length === 4);
    expect(again.attempts.every((a) => a.statusCode === 500)).toBe(true);
  });

  it("cancels a run in flight; a finished run cannot be cancelled", async () => {
    const jobId = await createJob({
      request: { method: "GET", url: `${target}/delay/3000`, timeoutMs: 10_000 },
    });
    const runId = await trigger(jobId);
    await runWhen(runId, (r) => r.status === "running");
    const cancelled = await sys.json("POST", `/v1/runs/${runId}/cancel`, { reason: "no longer needed" });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: "cancelled" });
    const again = await sys.http(`/v1/runs/${runId}/cancel`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
  });

  it("answers 404, 400 and 410 for unknown, malformed and deleted targets of a trigger", async () => {
    expect((await sys.http("/v1/runs/01936f3e-8c1a-7cc2-9d4b-2f2b1c7e9a10")).status).toBe(404);
    expect((await sys.http("/v1/runs/nope")).status).toBe(400);
    expect(
      (await sys.http("/v1/jobs/01936f3e-8c1a-7cc2-9d4b-2f2b1c7e9a10/runs", { method: "POST" })).status,
    ).toBe(404);
    const jobId = await createJob({});
    expect((await sys.http(`/v1/jobs/${jobId}`, { method: "DELETE" })).status).toBe(204);
    const gone = await sys.http(`/v1/jobs/${jobId}/runs`, { method: "POST" });
    expect(gone.status).toBe(410);
    expect((await sys.http("/v1/runs?status=bogus")).status).toBe(400);
  });
});

describe("scheduled runs", () => {
  it("fires a rate job once per fire time and skips fires that would overlap a running one", async () => {
    const jobId = await createJob({
      request: { method: "GET", url: `${target}/delay/1500`, timeoutMs: 5000 },
      schedule: { type: "rate", everySeconds: 1 },
      overlap: "skip",
    });
    const runs = await eventually(async () => {
      const page = (await (await sys.http(`/v1/runs?jobId=${jobId}&limit=200`)).json()) as {
        items: RunBody[];
      };
      const skipped = page.items.filter((r) => r.status === "skipped");
      const ran = page.items.filter((r) => r.status !== "skipped");
      return skipped.length >= 1 && ran.length >= 2 ? page.items : undefined;
    }, 20_000);
    await sys.http(`/v1/jobs/${jobId}/pause`, { method: "POST" });

    const fireTimes = runs.map((r) => r.scheduledFor);
    expect(new Set(fireTimes).size).toBe(fireTimes.length);
    expect(runs.filter((r) => r.status === "skipped").every((r) => r.skipReason === "overlap")).toBe(true);
    expect(runs.every((r) => r.trigger === "schedule")).toBe(true);
  }, 30_000);
});
