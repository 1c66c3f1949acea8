/**
 * Whole response bodies stored as objects by the runner, on the real services (dynalite event
 * store, the machine's PostgreSQL, the real HTTP executor against a scripted local target, the
 * real local object store in a temporary folder): the exact bytes and their SHA-256 are stored
 * before the event that references them is appended; a body over the read cap is stored cut
 * to the cap and flagged; an empty body stores nothing; a store that cannot write does not
 * lose the attempt (it is recorded without a reference, with a warning).
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import type { DecodedEvent, HttpRequestSpec } from "@jobledger/events";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHttpExecutor } from "../src/adapters/http/executor.ts";
import { createLocalObjectStore } from "../src/adapters/lake/local-object-store.ts";
import { createAttemptBodies } from "../src/application/attempt-bodies.ts";
import { parseTargetAllowList } from "../src/domain/job/target-policy.ts";
import { runIdFor } from "../src/domain/run/run-id.ts";
import { createLogger } from "../src/logging.ts";
import type { ObjectStore } from "../src/ports/object-store.ts";
import { type Harness, startHarness } from "./scheduler-harness.ts";
import { withPostgres } from "./support/postgres.ts";
import { TargetServer } from "./support/target-server.ts";

const db = withPostgres();
let h: Harness;
let target: TargetServer;
let dir: string;

beforeAll(async () => {
  h = await startHarness({ db, start: new Date("2026-10-01T12:00:00.000Z") });
  target = await TargetServer.start();
  dir = await mkdtemp(path.join(tmpdir(), "jobledger-bodies-"));
});
afterEach(() => h.retireJobs());
afterAll(async () => {
  await target?.close();
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** `n` bytes of UTF-8 text: ASCII with a two-byte and a four-byte character now and then */
function textOfBytes(n: number): string {
  let text = "";
  let bytes = 0;
  for (let i = 0; bytes < n; i++) {
    const piece = i % 97 === 0 ? "é" : i % 89 === 0 ? "😀" : String.fromCharCode(97 + (i % 26));
    const size = Buffer.byteLength(piece);
    if (bytes + size > n) break;
    text += piece;
    bytes += size;
  }
  return text.padEnd(text.length + (n - bytes), "z");
}

let day = 0;
/** A once-schedule job calling `pathname` on the target, and its fire time and run id. */
async function onceJob(pathname: string) {
  day++;
  const start = new Date(Date.UTC(2026, 9, day, 12, 0));
  h.clock.set(start);
  const ctx = h.context();
  const fire = new Date(start.getTime() + 60_000);
  const request: HttpRequestSpec = {
    method: "GET",
    url: target.url(pathname),
    headers: {},
    body: null,
    timeoutMs: 5_000,
  };
  const jobId = await h.createJob(ctx, { schedule: { type: "once", at: fire.toISOString() }, request });
  return { tenant: ctx.tenant, fire, runId: runIdFor(jobId, fire) };
}

/** Fires the job's run with `runner` and returns the run's attempt outcome event. */
async function runOnce(job: { tenant: string; fire: Date; runId: string }, runner = h.newRunner()) {
  h.clock.set(job.fire);
  await h.newScheduler().tick();
  await h.settle(runner);
  const stream = `${job.tenant}/run/${job.runId}`;
  const outcome = h.appended.find(
    (e) => e.streamId === stream && (e.type === "AttemptSucceeded" || e.type === "AttemptFailed"),
  );
  if (!outcome) throw new Error(`run ${job.runId} recorded no outcome`);
  return outcome as DecodedEvent<"AttemptSucceeded" | "AttemptFailed">;
}

describe("the runner with a body store", () => {
  it("stores a 50 KB body's exact bytes before the event that references it, and projects the reference", async () => {
    const text = textOfBytes(50 * 1024);
    const bytes = Buffer.from(text, "utf8");
    target.script("/big", [
      { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: text },
    ]);
    const job = await onceJob("/big");
    const store = createLocalObjectStore(dir);
    const streamId = `${job.tenant}/run/${job.runId}`;
    let eventsAtPut: string[] | null = null;
    /** the real store, noting which events the run had when the put came */
    const watched: ObjectStore = {
      ...store,
      put: async (key, body, contentType) => {
        eventsAtPut = h.appended.filter((e) => e.streamId === streamId).map((e) => e.type);
        await store.put(key, body, contentType);
      },
    };
    const bodies = createAttemptBodies({ store: watched });

    const outcome = await runOnce(job, h.newRunner({ bodies }));

    expect(outcome.type).toBe("AttemptSucceeded");
    const ref = outcome.data.body;
    expect(ref).toEqual({
      key: `bodies/tenant=${job.tenant}/dt=${job.fire.toISOString().slice(0, 10)}/${job.runId}/1`,
      sha256: sha256(bytes),
      bytes: 50 * 1024,
      contentType: "text/plain; charset=utf-8",
      truncated: false,
    });
    expect(eventsAtPut).toEqual(["RunQueued", "AttemptStarted"]);
    const stored = await store.get(ref?.key ?? "");
    expect(stored && Buffer.from(stored).equals(bytes)).toBe(true);
    // the event keeps its excerpt as before; the object holds the rest
    expect(outcome.data.bodyTruncated).toBe(true);
    expect(outcome.data.bodyBytes).toBe(50 * 1024);
    expect(bytes.toString("utf8").startsWith(outcome.data.bodyExcerpt)).toBe(true);

    const run = await h.runQueries.get(job.tenant, job.runId);
    expect(run?.attempts.map((a) => a.body)).toEqual([ref]);
    expect(Buffer.from((await bodies.read(job.tenant, ref?.key ?? "")) ?? []).equals(bytes)).toBe(true);
    expect(await bodies.read("another-tenant", ref?.key ?? "")).toBeNull();
  });

  it("stores a body longer than the read cap cut to the cap, and flags it truncated", async () => {
    const text = textOfBytes(30_000);
    target.script("/huge", [{ status: 502, headers: { "content-type": "text/html" }, body: text }]);
    const job = await onceJob("/huge");
    const store = createLocalObjectStore(dir);
    const executor = createHttpExecutor({
      allowList: parseTargetAllowList(["127.0.0.1"]),
      clock: h.clock,
      maxBodyBytes: 10_000,
    });
    const outcome = await runOnce(job, h.newRunner({ executor, bodies: createAttemptBodies({ store }) }));

    expect(outcome.type).toBe("AttemptFailed");
    const cut = Buffer.from(text, "utf8").subarray(0, 10_000);
    expect(outcome.data.body).toEqual({
      key: expect.stringMatching(new RegExp(`/${job.runId}/1$`)),
      sha256: sha256(cut),
      bytes: 10_000,
      contentType: "text/html",
      truncated: true,
    });
    const stored = await store.get(outcome.data.body?.key ?? "");
    expect(stored && Buffer.from(stored).equals(cut)).toBe(true);
  });

  it("records a binary body's excerpt as storable text, marked, and stores the exact bytes (ADR 0010)", async () => {
    // the first bytes of a PNG: NUL bytes and bytes that are not UTF-8
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex");
    target.script("/png", [{ status: 200, headers: { "content-type": "image/png" }, body: png }]);
    const job = await onceJob("/png");
    const store = createLocalObjectStore(path.join(dir, "png"));
    const outcome = await runOnce(job, h.newRunner({ bodies: createAttemptBodies({ store }) }));

    expect(outcome.type).toBe("AttemptSucceeded");
    expect(outcome.data.bodyExcerpt).toBe(
      "\uFFFDPNG\r\n\u001a\n\uFFFD\uFFFD\uFFFD\rIHDR\uFFFD\uFFFD\uFFFD\u0001\uFFFD\uFFFD\uFFFD\u0001\b\u0006\uFFFD\uFFFD\uFFFD\u001f\u0015ĉ",
    );
    expect(outcome.data.bodyExcerptReplaced).toBe(true);
    expect(outcome.data.body?.sha256).toBe(sha256(png));
    const stored = await store.get(outcome.data.body?.key ?? "");
    expect(stored && Buffer.from(stored).equals(png)).toBe(true);
    // the projector applies it (before: "unsupported Unicode escape sequence", retried forever)
    const run = await h.runQueries.get(job.tenant, job.runId);
    expect(run?.status).toBe("succeeded");
    expect(run?.attempts.map((a) => [a.bodyExcerpt, a.bodyExcerptReplaced])).toEqual([
      [outcome.data.bodyExcerpt, true],
    ]);
  });

  it("stores nothing for an empty body", async () => {
    target.script("/empty", [{ status: 204 }]);
    const job = await onceJob("/empty");
    const store = createLocalObjectStore(path.join(dir, "empty"));
    const outcome = await runOnce(job, h.newRunner({ bodies: createAttemptBodies({ store }) }));
    expect(outcome.type).toBe("AttemptSucceeded");
    expect(outcome.data.body).toBeUndefined();
    expect(await store.list("bodies/")).toEqual([]);
  });

  it("records the attempt without a reference when the store cannot write, and warns", async () => {
    target.script("/lost", [{ status: 200, body: "a body that cannot be stored" }]);
    const job = await onceJob("/lost");
    // a real local store whose folder cannot exist: a file stands where its parent should be
    const blocker = path.join(dir, "blocker");
    await writeFile(blocker, "not a folder");
    const bodies = createAttemptBodies({ store: createLocalObjectStore(path.join(blocker, "lake")) });
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger("test", "warn", {
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
          done();
        },
      }),
    });

    const outcome = await runOnce(job, h.newRunner({ bodies, logger }));

    expect(outcome.type).toBe("AttemptSucceeded");
    expect(outcome.data.body).toBeUndefined();
    expect(outcome.data.bodyExcerpt).toBe("a body that cannot be stored");
    const run = await h.runQueries.get(job.tenant, job.runId);
    expect(run?.status).toBe("succeeded");
    expect(run?.attempts.map((a) => [a.outcome, a.body])).toEqual([["succeeded", null]]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "WARN",
        message: "could not store the response body: the attempt is recorded without it",
        runId: job.runId,
        attempt: 1,
      }),
    );
  });
});
