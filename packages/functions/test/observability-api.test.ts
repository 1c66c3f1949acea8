/**
 * Traces: an API create produces a request span and an append span (its child) in the
 * trace of the request's correlation id, and the projector's span for the same commit joins
 * that trace across the stream.
 */
import { CORRELATION_ID, setupTracing, traceIdFor } from "@jobledger/core/observability/tracing";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

const exporter = new InMemorySpanExporter();
let sys: TestSystem;
beforeAll(async () => {
  setupTracing({ exporter }); // before the system: the first setup wins
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const spansOf = (correlationId: string) =>
  exporter.getFinishedSpans().filter((s: ReadableSpan) => s.attributes[CORRELATION_ID] === correlationId);

describe("traces", () => {
  it("follow a create from the request through the append to the projector", async () => {
    const correlationId = "trace-create-0001";
    const res = await sys.json(
      "POST",
      "/v1/jobs",
      {
        name: "traced",
        request: { method: "GET", url: `${sys.testTarget?.url}/ok` },
        schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
      },
      { "X-Request-ID": correlationId },
    );
    expect(res.status).toBe(201);

    const spans = await eventually(async () => {
      const found = spansOf(correlationId);
      return found.some((s) => s.name === "consume postgres-projector") ? found : undefined;
    });
    const request = spans.find((s) => s.name === "POST /v1/jobs");
    const append = spans.find((s) => s.name === "eventstore.append");
    const projector = spans.find((s) => s.name === "consume postgres-projector");
    expect(request?.attributes).toMatchObject({ "http.route": "/v1/jobs", "http.response.status_code": 201 });
    expect(append?.attributes["jobledger.event_types"]).toBe("JobCreated");
    expect(append?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    const traceId = traceIdFor(correlationId);
    for (const span of [request, append, projector]) expect(span?.spanContext().traceId).toBe(traceId);
    expect(projector?.attributes["jobledger.event_types"]).toBe("JobCreated");
  });
});

describe("health", () => {
  it("answers /health and lists each dependency with status and latency on /ready", async () => {
    expect(await (await sys.http("/health")).json()).toEqual({ status: "ok" });
    const ready = await sys.http("/ready");
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as {
      status: string;
      dependencies: { name: string; status: string; latencyMs: number }[];
    };
    expect(body.status).toBe("ready");
    expect(body.dependencies.map((d) => d.name)).toEqual(
      expect.arrayContaining(["dynamodb", "kinesis", "postgres"]),
    );
    for (const d of body.dependencies) {
      expect(d.status).toBe("up");
      expect(d.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  it("stays ready while a dependency is slow but answers, and goes not-ready after it fails twice", async () => {
    // slower than the old 2 s timeout that turned a busy kinesalite into a 503
    let failing = false;
    const busy = {
      name: "busy-stream",
      check: async () => {
        await new Promise((resolve) => setTimeout(resolve, 2500));
        if (failing) throw new Error("connection reset");
      },
    };
    const tracker = sys.services.api.dependencyTracker;
    sys.services.api.readiness.push(busy);
    try {
      const slow = await sys.http("/ready");
      expect(slow.status).toBe(200);
      const body = (await slow.json()) as { dependencies: { name: string; status: string }[] };
      expect(body.dependencies.find((d) => d.name === "busy-stream")?.status).toBe("up");

      failing = true;
      await tracker?.checkNow();
      await tracker?.checkNow();
      const down = await sys.http("/ready");
      expect(down.status).toBe(503);
      expect(
        ((await down.json()) as { dependencies: { name: string; status: string }[] }).dependencies,
      ).toContainEqual(
        expect.objectContaining({ name: "busy-stream", status: "down", error: "connection reset" }),
      );
    } finally {
      sys.services.api.readiness.splice(sys.services.api.readiness.indexOf(busy), 1);
      await tracker?.checkNow();
    }
  }, 30_000);

  it("answers 503 naming the dependency that is down", async () => {
    const broken = {
      name: "broken-store",
      check: async () => Promise.reject(new Error("connection refused")),
    };
    sys.services.api.readiness.push(broken);
    try {
      const ready = await sys.http("/ready");
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as {
        status: string;
        dependencies: { name: string; status: string; error?: string }[];
      };
      expect(body.status).toBe("not-ready");
      expect(body.dependencies.find((d) => d.name === "broken-store")).toMatchObject({
        status: "down",
        error: "connection refused",
      });
      expect(body.dependencies.filter((d) => d.status === "up").length).toBe(body.dependencies.length - 1);
    } finally {
      sys.services.api.readiness.splice(sys.services.api.readiness.indexOf(broken), 1);
    }
  });
});
