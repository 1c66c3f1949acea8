/**
 * Logs: every line is Powertools-shaped JSON; requests and attempts carry the correlation id
 * (and the run's ids); no secret — a job's Authorization header, the caller's credentials,
 * the signing master key — appears anywhere in the output.
 */
import { Writable } from "node:stream";
import { createLogger } from "@jobledger/core/logging";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    done();
  },
});

const JOB_SECRET = "Bearer job-secret-7f3a9c1e";
const HEADER_SECRET = "tok-header-value-42aa";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem({}, { logger: createLogger(undefined, "debug", { destination: capture }) });
});
afterAll(async () => {
  await sys?.stop();
});

describe("logs", () => {
  it("carry the ids and never a secret through a job with credentials and its run", async () => {
    const correlationId = "obs-logs-correlation-1";
    const res = await sys.json(
      "POST",
      "/v1/jobs",
      {
        name: "secret job",
        request: {
          method: "POST",
          url: `${sys.testTarget?.url}/ok`,
          headers: { Authorization: JOB_SECRET, "X-Api-Token": HEADER_SECRET },
          body: "{}",
          timeoutMs: 5000,
        },
        schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
      },
      { "X-Request-ID": correlationId },
    );
    expect(res.status).toBe(201);
    const jobId = ((await res.json()) as { id: string }).id;
    const triggered = await sys.http(`/v1/jobs/${jobId}/runs`, {
      method: "POST",
      headers: { "X-Request-ID": "obs-logs-correlation-2" },
    });
    expect(triggered.status).toBe(202);
    const { runId } = (await triggered.json()) as { runId: string };
    await eventually(async () => {
      const run = (await (await sys.http(`/v1/runs/${runId}`)).json()) as { status: string };
      return run.status === "succeeded" ? run : undefined;
    }, 15_000);
    // the target received the secret, so the run really carried it
    expect(sys.testTarget?.carried("authorization", JOB_SECRET)).toBe(true);

    const parsed = await eventually(async () => {
      const all = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      return all.some((l) => l.message === "attempt ended" && l.runId === runId) ? all : undefined;
    });
    const output = lines.join("\n");
    for (const secret of [
      "job-secret-7f3a9c1e",
      HEADER_SECRET,
      sys.config.signing.masterKey ?? "-",
      sys.devToken ?? "-",
    ]) {
      expect(output).not.toContain(secret);
    }
    for (const line of parsed) {
      expect(line).toMatchObject({ level: expect.stringMatching(/^[A-Z]+$/), service: "jobledger" });
      expect(typeof line.message).toBe("string");
      expect(typeof line.timestamp).toBe("string");
    }
    const request = parsed.find((l) => l.message === "request handled" && l.correlationId === correlationId);
    expect(request).toMatchObject({
      method: "POST",
      route: "/v1/jobs",
      status: 201,
      tenant: expect.any(String),
    });
    const attempt = parsed.find((l) => l.message === "attempt ended" && l.runId === runId);
    expect(attempt).toMatchObject({
      correlationId: "obs-logs-correlation-2",
      causationId: expect.any(String),
      tenant: expect.any(String),
      result: "succeeded",
    });
  });

  it("redact a job's request headers and credentials wherever they are logged", () => {
    const captured: string[] = [];
    const logger = createLogger("redaction", "info", {
      destination: new Writable({
        write(chunk, _e, done) {
          captured.push(String(chunk));
          done();
        },
      }),
    });
    logger.info(
      {
        headers: { authorization: "Bearer a-1", cookie: "c-2" },
        job: { request: { url: "https://x.example", headers: { "X-Custom": "h-3" } } },
        signingSecret: "s-4",
        config: { signing: { masterKey: "m-5" } },
      },
      "with secrets",
    );
    const text = captured.join("");
    for (const secret of ["a-1", "c-2", "h-3", "s-4", "m-5"]) expect(text).not.toContain(secret);
    expect(text).toContain("https://x.example");
    expect(JSON.parse(text).job.request.headers["X-Custom"]).toBe("[redacted]");
  });
});
