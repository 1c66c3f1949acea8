/**
 * Metrics move when the work happens: a run increments the run and event counters seen at
 * `GET /metrics`; a stopped projector shows growing lag at `/metrics` and
 * `/v1/system/status` while the running consumer stays caught up.
 */
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
let operatorToken: string;
beforeAll(async () => {
  sys = await startTestSystem({ JOBLEDGER_TICK_MS: "200" });
  const issuer = await localIssuer(sys.config.dataDir, { create: false });
  operatorToken = await issuer.mint({
    tenant: "platform",
    role: "operator",
    subject: "ops",
    ttlSeconds: 600,
  });
});
/** consumer lag, throughput and dependencies are system-wide figures: an operator's (ADR 0012) */
const asOperator = () => ({ headers: { authorization: `Bearer ${operatorToken}` } });
afterAll(async () => {
  await sys?.stop();
});

/** Parses the Prometheus text exposition into `name{labels}` → value. */
async function scrape(): Promise<Map<string, number>> {
  const res = await sys.http("/metrics");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}
const value = (samples: Map<string, number>, key: string) => samples.get(key) ?? 0;

async function createJob(name: string): Promise<string> {
  const res = await sys.json("POST", "/v1/jobs", {
    name,
    request: { method: "GET", url: `${sys.testTarget?.url}/ok`, timeoutMs: 5000 },
    schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe("metrics", () => {
  it("count a run: queued, started and succeeded, the events appended and the requests per route", async () => {
    const before = await scrape();
    const jobId = await createJob("metrics run");
    const triggered = await sys.http(`/v1/jobs/${jobId}/runs`, { method: "POST" });
    expect(triggered.status).toBe(202);
    const { runId } = (await triggered.json()) as { runId: string };
    await eventually(async () => {
      const run = (await (await sys.http(`/v1/runs/${runId}`)).json()) as { status: string };
      return run.status === "succeeded" ? run : undefined;
    }, 15_000);
    const after = await scrape();

    for (const outcome of ["queued", "started", "succeeded"]) {
      const key = `jobledger_runs_total{outcome="${outcome}"}`;
      expect(value(after, key) - value(before, key), key).toBe(1);
    }
    for (const type of ["JobCreated", "RunQueued", "AttemptStarted", "AttemptSucceeded", "RunSucceeded"]) {
      const key = `jobledger_events_appended_total{type="${type}"}`;
      expect(value(after, key) - value(before, key), key).toBe(1);
    }
    const created = 'jobledger_http_requests_total{method="POST",route="/v1/jobs",status="201"}';
    expect(value(after, created) - value(before, created)).toBe(1);
    const triggeredKey =
      'jobledger_http_requests_total{method="POST",route="/v1/jobs/:id/runs",status="202"}';
    expect(value(after, triggeredKey) - value(before, triggeredKey)).toBe(1);
    expect(
      value(after, 'jobledger_http_request_duration_seconds_count{method="POST",route="/v1/jobs"}'),
    ).toBeGreaterThan(0);
    const batches = 'jobledger_consumer_batches_total{consumer="runner",result="ok"}';
    expect(value(after, batches)).toBeGreaterThan(value(before, batches));
  });

  it("show a stopped projector falling behind while the runner keeps up", async () => {
    const projector = sys.pollers.find((_, i) => sys.services.consumers[i]?.name === "postgres-projector");
    expect(projector).toBeDefined();
    await projector?.stop();
    try {
      const lagOf = async () => {
        const res = await sys.http("/v1/system/status", asOperator());
        expect(res.status).toBe(200);
        const status = (await res.json()) as {
          consumers: { consumer: string; recordsBehind: number; oldestUnprocessedAgeSeconds: number }[];
        };
        const of = (name: string) => status.consumers.find((c) => c.consumer === name);
        return { projector: of("postgres-projector"), runner: of("runner") };
      };
      const start = await lagOf();
      expect(start.projector?.recordsBehind).toBe(0);

      await createJob("lag 1");
      const first = await eventually(async () => {
        const lag = await lagOf();
        return (lag.projector?.recordsBehind ?? 0) >= 1 ? lag : undefined;
      });
      await createJob("lag 2");
      await createJob("lag 3");
      const later = await eventually(async () => {
        const lag = await lagOf();
        return (lag.projector?.recordsBehind ?? 0) >= (first.projector?.recordsBehind ?? 0) + 2
          ? lag
          : undefined;
      });
      expect(later.projector?.oldestUnprocessedAgeSeconds).toBeGreaterThanOrEqual(
        first.projector?.oldestUnprocessedAgeSeconds ?? 0,
      );
      // the runner reads the same records and checkpoints them
      await eventually(async () => ((await lagOf()).runner?.recordsBehind === 0 ? true : undefined));

      const samples = await scrape();
      expect(value(samples, 'jobledger_consumer_records_behind{consumer="postgres-projector"}')).toBe(
        later.projector?.recordsBehind,
      );
    } finally {
      await projector?.start();
    }
    // once restarted, it catches up
    await eventually(async () => {
      const res = await sys.http("/v1/system/status", asOperator());
      const status = (await res.json()) as { consumers: { consumer: string; recordsBehind: number }[] };
      return status.consumers.every((c) => c.recordsBehind === 0) ? true : undefined;
    }, 15_000);
  });

  it("report schedule lag and throughput on the status page", async () => {
    const res = await sys.http("/v1/system/status", asOperator());
    const status = (await res.json()) as {
      schedules: { overdueSchedules: number; lagSeconds: number };
      throughput: { eventsAppended: number; runs: Record<string, number> };
      dependencies: { name: string; status: string }[];
    };
    expect(status.schedules).toEqual({ overdueSchedules: 0, lagSeconds: 0 });
    expect(status.dependencies.map((d) => [d.name, d.status])).toEqual(
      expect.arrayContaining([
        ["dynamodb", "up"],
        ["kinesis", "up"],
        ["postgres", "up"],
      ]),
    );
    expect(status.throughput.eventsAppended).toBeGreaterThan(0);
    expect(status.throughput.runs.succeeded).toBeGreaterThanOrEqual(1);
  });
});
