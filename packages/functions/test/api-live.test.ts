/**
 * Live status through the API of a running local system on the machine's Redis (own key
 * prefix): a triggered run moves the job's live view and counters, and GET /v1/live streams
 * the events as Server-Sent Events (with Last-Event-ID resume and heartbeats).
 */
import { randomUUID } from "node:crypto";
import { localIssuer } from "@jobledger/core/adapters/auth/local-issuer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

const prefix = `jltest:${randomUUID()}`;
let sys: TestSystem;
let target: string;

beforeAll(async () => {
  sys = await startTestSystem({
    JOBLEDGER_TICK_MS: "200",
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    JOBLEDGER_REDIS_PREFIX: prefix,
    JOBLEDGER_LIVE_HEARTBEAT_MS: "300",
  });
  target = sys.testTarget?.url ?? "";
});

afterAll(async () => {
  const redis = sys?.services.liveReadModel?.redis;
  if (redis) {
    const found = await redis.keys(`${prefix}:*`);
    if (found.length > 0) await redis.del(...found);
  }
  await sys?.stop();
});

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads SSE messages from `path` until `enough` says so; then aborts the request. */
async function readSse(
  path: string,
  enough: (messages: SseMessage[]) => boolean,
  headers: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<{ messages: SseMessage[]; contentType: string | null }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const res = await sys.http(path, { headers, signal: abort.signal });
  expect(res.status).toBe(200);
  const messages: SseMessage[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    const reader = res.body!.getReader();
    while (!enough(messages)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = {};
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) message.comment = line.slice(1).trim();
          else if (line.startsWith("id: ")) message.id = line.slice(4);
          else if (line.startsWith("event: ")) message.event = line.slice(7);
          else if (line.startsWith("data: ")) message.data = (message.data ?? "") + line.slice(6);
        }
        messages.push(message);
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { messages, contentType: res.headers.get("content-type") };
}

async function createJob(path: string): Promise<string> {
  const res = await sys.json("POST", "/v1/jobs", {
    name: "live test",
    request: { method: "GET", url: `${target}${path}`, timeoutMs: 5000 },
    schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
    retry: { maxAttempts: 1 },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function trigger(jobId: string): Promise<string> {
  const res = await sys.http(`/v1/jobs/${jobId}/runs`, { method: "POST" });
  expect(res.status).toBe(202);
  return ((await res.json()) as { runId: string }).runId;
}

interface LiveJob {
  source: string;
  status: string;
  lastRunId: string | null;
  lastRunStatus: string | null;
  counters: { lastHour: { successes: number; failures: number; latencyCount: number } } | null;
  latestRuns: { runId: string; status: string; lastStatusCode: number | null }[];
}

describe("live status", () => {
  it("moves the job's live view and counters as its runs finish", async () => {
    const jobId = await createJob("/ok");
    const runId = await trigger(jobId);
    const view = await eventually(async () => {
      const res = await sys.http(`/v1/live/jobs/${jobId}`);
      if (res.status !== 200) return undefined;
      const body = (await res.json()) as LiveJob;
      return body.lastRunStatus === "succeeded" ? body : undefined;
    }, 15_000);
    expect(view).toMatchObject({ source: "redis", status: "active", lastRunId: runId });
    expect(view.latestRuns).toEqual([
      expect.objectContaining({ runId, status: "succeeded", lastStatusCode: 200 }),
    ]);
    expect(view.counters?.lastHour).toMatchObject({ successes: 1, failures: 0, latencyCount: 1 });

    const second = await trigger(jobId);
    const after = await eventually(async () => {
      const body = (await (await sys.http(`/v1/live/jobs/${jobId}`)).json()) as LiveJob;
      return body.latestRuns.length === 2 && body.lastRunStatus === "succeeded" ? body : undefined;
    }, 15_000);
    expect(after.latestRuns.map((r) => r.runId)).toEqual([second, runId]);
    expect(after.counters?.lastHour.successes).toBe(2);
  });

  it("counts failed attempts", async () => {
    const jobId = await createJob("/status/500");
    await trigger(jobId);
    const view = await eventually(async () => {
      const body = (await (await sys.http(`/v1/live/jobs/${jobId}`)).json()) as LiveJob;
      return body.lastRunStatus === "dead-lettered" ? body : undefined;
    }, 15_000);
    expect(view.counters?.lastHour).toMatchObject({ successes: 0, failures: 1 });
  });

  it("documents both routes in /openapi.json", async () => {
    const doc = (await (await sys.http("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/live", "/v1/live/jobs/{id}"]));
  });

  it("answers 404 for a job that does not exist and 400 for a bad Last-Event-ID", async () => {
    const missing = await sys.http(`/v1/live/jobs/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    const bad = await sys.http("/v1/live", { headers: { "Last-Event-ID": "not-an-id" } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
  });

  it("streams the tenant's events as SSE, resumes after Last-Event-ID and sends heartbeats", async () => {
    const jobId = await createJob("/ok");
    const runId = await trigger(jobId);
    const isDone = (ms: SseMessage[]) =>
      ms.some(
        (m) =>
          m.event === "RunSucceeded" && (JSON.parse(m.data ?? "{}") as { runId?: string }).runId === runId,
      );
    const all = await readSse("/v1/live", isDone, { "Last-Event-ID": "0" });
    expect(all.contentType).toContain("text/event-stream");
    const ofRun = all.messages
      .filter((m) => m.data && (JSON.parse(m.data) as { runId?: string }).runId === runId)
      .map((m) => m.event);
    expect(ofRun).toEqual(["RunQueued", "AttemptStarted", "AttemptSucceeded", "RunSucceeded"]);
    const created = all.messages.find(
      (m) => m.event === "JobCreated" && (JSON.parse(m.data ?? "{}") as { jobId?: string }).jobId === jobId,
    );
    expect(created?.id).toMatch(/^\d+-\d+$/);
    expect(JSON.parse(created?.data ?? "{}")).toMatchObject({
      type: "JobCreated",
      jobId,
      facts: { name: "live test" },
    });

    // resume right after the JobCreated entry: it is not sent again, the run's events are
    const resumed = await readSse("/v1/live", isDone, { "Last-Event-ID": created?.id ?? "" });
    const ids = resumed.messages.map((m) => m.id).filter((id) => id !== undefined);
    expect(ids).not.toContain(created?.id);
    expect(resumed.messages.filter((m) => m.event === "RunQueued").length).toBeGreaterThan(0);

    // a quiet stream (only new events) gets heartbeat comments; a new event still arrives
    const quiet = await readSse("/v1/live", (ms) => ms.filter((m) => m.comment === "heartbeat").length >= 2);
    expect(quiet.messages.filter((m) => m.comment === "heartbeat").length).toBeGreaterThanOrEqual(2);
    expect(quiet.messages.some((m) => m.event !== undefined)).toBe(false);

    // every reader's dedicated Redis connection is closed once its client went away
    const redis = sys.services.liveReadModel?.redis;
    if (!redis) throw new Error("the live read model should be on");
    const open = async () =>
      ((await redis.client("LIST")) as string)
        .split("\n")
        .filter((line) => line.includes(`name=live-feed:${prefix}:`));
    await eventually(async () => ((await open()).length === 0 ? true : undefined));
  });
});

describe("open streams per principal", () => {
  /** opens /v1/live and waits for its first bytes; the stream stays open until `close` */
  async function openStream(headers: Record<string, string> = {}) {
    const abort = new AbortController();
    const res = await sys.http("/v1/live", { headers, signal: abort.signal });
    if (res.status === 200) await res.body?.getReader().read();
    return { res, close: () => abort.abort() };
  }

  it("are capped (JOBLEDGER_LIVE_MAX_STREAMS, 5 by default): 429 problem beyond, others unaffected", async () => {
    expect(sys.config.redis.liveStreamsPerPrincipal).toBe(5);
    const held = [];
    for (let i = 0; i < 5; i++) held.push(await openStream());
    try {
      expect(held.map((s) => s.res.status)).toEqual([200, 200, 200, 200, 200]);
      const sixth = await openStream();
      expect(sixth.res.status).toBe(429);
      expect(sixth.res.headers.get("content-type")).toContain("application/problem+json");
      expect(((await sixth.res.json()) as { type: string }).type).toBe("/problems/too-many-live-streams");

      // another principal of the same tenant has its own slots
      const issuer = await localIssuer(sys.config.dataDir, { create: false });
      const other = await issuer.mint({
        tenant: "default",
        role: "viewer",
        subject: "watcher",
        ttlSeconds: 600,
      });
      const theirs = await openStream({ authorization: `Bearer ${other}` });
      expect(theirs.res.status).toBe(200);
      theirs.close();

      // a closed stream gives its slot back
      held.pop()?.close();
      const again = await eventually(async () => {
        const s = await openStream();
        if (s.res.status === 200) return s;
        await s.res.arrayBuffer();
        return undefined;
      });
      held.push(again);
    } finally {
      for (const s of held) s.close();
    }
  });
});

describe("without Redis", () => {
  let down: TestSystem;
  beforeAll(async () => {
    down = await startTestSystem({ REDIS_URL: "redis://127.0.0.1:1", JOBLEDGER_TICK_MS: "200" });
  });
  afterAll(async () => {
    await down?.stop();
  });

  it("starts, serves jobs from Postgres, falls back for the live job view and answers 503 on /v1/live", async () => {
    expect(down.services.liveReadModel).toBeNull();
    expect(down.services.consumers.map((c) => c.name)).not.toContain("redis-projector");
    const res = await down.json("POST", "/v1/jobs", {
      name: "no redis",
      request: { method: "GET", url: `${down.testTarget?.url}/ok` },
      schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const job = await eventually(async () => {
      const r = await down.http(`/v1/jobs/${id}`);
      return r.status === 200 ? ((await r.json()) as { name: string }) : undefined;
    });
    expect(job.name).toBe("no redis");
    const live = (await (await down.http(`/v1/live/jobs/${id}`)).json()) as LiveJob;
    expect(live).toMatchObject({ source: "postgres", status: "active", counters: null, latestRuns: [] });
    const feed = await down.http("/v1/live");
    expect(feed.status).toBe(503);
    expect(feed.headers.get("content-type")).toContain("application/problem+json");
  });
});
