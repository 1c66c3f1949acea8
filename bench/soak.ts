/**
 * The fault suite (`npm run soak`; a short version runs in `npm test`,
 * packages/functions/test/soak.test.ts): the whole local system as a child process on a fresh
 * data folder, jobs on rate schedules against a counting HTTP target that this process runs on
 * loopback, `SIGKILL` of the system's process group at random moments, restarts on the same
 * folder, then a drain and the checks:
 *
 * - no run lost: every run the event store holds (`RunQueued`) reaches a terminal state;
 * - no run stuck: the read model has no run left queued, running or waiting for a retry;
 * - no attempt started twice (two `AttemptStarted` for one attempt of a run);
 * - target calls within the at-least-once window: at most one call per started attempt, and
 *   a call beyond the attempts whose outcome was recorded is explained by a kill between the
 *   call and the outcome append (the watchdog then timed the attempt out and retried);
 * - every reader sees the same history: each stream read on its own equals its events in the
 *   tenant read (no event at a version the stream does not hold, none missing);
 * - `jobledger verify` clean (hash chains, read model = a fresh fold);
 * - the read model's jobs, runs and run_attempts rows equal a fresh rebuild from the event store.
 *
 * Figures are printed at the end (and returned); record them in docs/reliability.md.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { openDatabase } from "@jobledger/core/adapters/postgres/database";
import { openReadModel, rebuildReadModels } from "@jobledger/core/adapters/postgres/read-model-recovery";
import { fold as foldRun } from "@jobledger/core/domain/run/aggregate";
import { createLogger } from "@jobledger/core/logging";
import { jobsProjection } from "@jobledger/core/projections/jobs";
import { runsProjection } from "@jobledger/core/projections/runs";
import { schedulesProjection } from "@jobledger/core/projections/schedules";
import type { DecodedEvent } from "@jobledger/events";
import { openEventStore } from "../packages/functions/src/cli/commands/export.ts";
import { runVerify } from "../packages/functions/src/cli/commands/verify.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TENANT = "default";

export interface SoakOptions {
  /** SIGKILLs of the whole system (default 50) */
  kills?: number;
  /** how long the system runs between ready and the kill: uniform in [min, max] ms (default 1000–6000) */
  upMs?: [number, number];
  /** jobs created at the start (default 4) */
  jobs?: number;
  /** seconds between fires of each job (default 2) */
  everySeconds?: number;
  /**
   * the longest the final drain may take, ms (default 600 s: a killed attempt waits out its
   * deadline, and on a loaded machine the projector can be minutes behind after many kills)
   */
  drainMs?: number;
  /** a seed for the kill moments (default: random, printed) */
  seed?: number;
  /** keep the data folder (printed) instead of deleting it */
  keep?: boolean;
  /** where progress lines go (default stderr) */
  log?: (line: string) => void;
}

export interface ExtraCall {
  runId: string;
  attempt: number;
  why: string;
}

export interface SoakFigures {
  seed: number;
  kills: number;
  /** starts of the system (kills + 1) and the slowest start, ms */
  starts: number;
  slowestStartMs: number;
  durationMs: number;
  jobs: number;
  runs: number;
  runsByStatus: Record<string, number>;
  attemptsStarted: number;
  attemptsTimedOut: number;
  targetCalls: number;
  /** calls beyond the attempts whose outcome was recorded, each explained */
  extraCalls: ExtraCall[];
  lostRuns: string[];
  stuckRuns: string[];
  attemptsStartedTwice: string[];
  /** calls no started attempt accounts for, or a second call of one attempt */
  callsOutsideWindow: string[];
  /** streams whose own read differs from their events in the tenant read */
  readerMismatches: string[];
  verifyDifferences: number;
  rebuildDifferences: string[];
  /** distinct torn commits (index entries without their base commit) the system logged and ignored */
  tornIndexEntriesIgnored: number;
  readModelRebuiltAtStart: number;
  ok: boolean;
}

interface TargetCall {
  runId: string;
  at: number;
  path: string;
}

/** The counting target: answers 200 (`/ok`) or, on `/flaky`, 500 to a run's first call. */
async function startCountingTarget(): Promise<{ server: Server; port: number; calls: TargetCall[] }> {
  const calls: TargetCall[] = [];
  const server = createServer((req, res) => {
    const runId = String(req.headers["idempotency-key"] ?? "");
    const at = Date.now();
    req.resume();
    req.on("end", () => {
      const url = req.url ?? "/";
      calls.push({ runId, at, path: url });
      const first = calls.filter((c) => c.runId === runId).length === 1;
      const status = url.startsWith("/flaky") && first ? 500 : 200;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ runId, status }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, calls };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A small deterministic PRNG (mulberry32), so a seed replays the same kill moments. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Running {
  child: ChildProcess;
  exited: Promise<number | null>;
}

export async function runSoak(options: SoakOptions = {}): Promise<SoakFigures> {
  const kills = options.kills ?? 50;
  const [upMin, upMax] = options.upMs ?? [1000, 6000];
  const jobCount = options.jobs ?? 4;
  const everySeconds = options.everySeconds ?? 2;
  const drainMs = options.drainMs ?? 600_000;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const random = prng(seed);
  const started = Date.now();

  const dataDir = await mkdtemp(path.join(tmpdir(), "jobledger-soak-"));
  const target = await startCountingTarget();
  const apiPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    JOBLEDGER_DATA_DIR: dataDir,
    PORT: String(apiPort),
    HOST: "127.0.0.1",
    JOBLEDGER_CONSOLE: "off",
    REDIS_URL: "off",
    DATABASE_URL: undefined,
    DYNAMODB_ENDPOINT: undefined,
    KINESIS_ENDPOINT: undefined,
    JOBLEDGER_STAGE: "local",
    JOBLEDGER_TEST_TARGET_PORT: "off",
    JOBLEDGER_TARGET_ALLOWLIST: `127.0.0.1:${target.port}`,
    JOBLEDGER_HOST_RATE: "unlimited",
    JOBLEDGER_TICK_MS: "250",
    LOG_LEVEL: "warn",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  const logFile = path.join(dataDir, "system.log");
  const logStream = createWriteStream(logFile, { flags: "a" });
  log(`soak: seed ${seed}, ${kills} kills, data folder ${dataDir}, target 127.0.0.1:${target.port}`);

  let starts = 0;
  let slowestStartMs = 0;
  let token = "";

  const start = async (): Promise<Running> => {
    const t0 = Date.now();
    starts++;
    const child = spawn(
      process.execPath,
      ["--openssl-legacy-provider", "--import", "tsx", "packages/functions/src/local/main.ts"],
      { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.pipe(logStream, { end: false });
    child.stderr?.pipe(logStream, { end: false });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    for (;;) {
      if (gone) throw new Error(`the local system exited during start ${starts}; see ${logFile}`);
      if (Date.now() - t0 > 120_000)
        throw new Error(`the local system did not become ready in 120 s; see ${logFile}`);
      try {
        // the API listens once the whole system started (relay recovered, consumers polling);
        // `/ready` can stay 503 for a while after a crash while PGlite's one connection is busy
        const res = await fetch(`${api}/health`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    slowestStartMs = Math.max(slowestStartMs, Date.now() - t0);
    token = (await readFile(path.join(dataDir, "dev-token"), "utf8")).trim();
    return { child, exited };
  };

  const call = async (method: string, route: string, body?: unknown): Promise<Response> =>
    fetch(`${api}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });

  const kill = async (running: Running) => {
    if (running.child.pid) process.kill(-running.child.pid, "SIGKILL");
    await running.exited;
  };

  let running: Running | null = null;
  const jobIds: string[] = [];
  // Ctrl-C of the soak takes the system (its own process group) with it
  const interrupted = () => {
    if (running?.child.pid) process.kill(-running.child.pid, "SIGKILL");
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    running = await start();
    for (let i = 0; i < jobCount; i++) {
      const flaky = i % 2 === 1;
      const res = await call("POST", "/v1/jobs", {
        name: `soak ${i}`,
        request: {
          method: "POST",
          url: `http://127.0.0.1:${target.port}/${flaky ? "flaky" : "ok"}/${i}`,
          body: "{}",
          timeoutMs: 2000,
        },
        schedule: { type: "rate", everySeconds },
        retry: {
          maxAttempts: 5,
          initialDelayMs: 200,
          maxDelayMs: 1000,
          multiplier: 2,
          retryOn: ["network", "timeout", "5xx"],
        },
        overlap: i % 3 === 2 ? "skip" : "allow",
      });
      if (res.status !== 201)
        throw new Error(`creating job ${i} answered ${res.status}: ${await res.text()}`);
      jobIds.push(((await res.json()) as { id: string }).id);
    }

    for (let k = 1; k <= kills; k++) {
      const up = upMin + random() * (upMax - upMin);
      // a command in flight at the kill now and then: job streams get torn writes too
      const toggle = jobIds[Math.floor(random() * jobIds.length)]!;
      const pauseAt = random() * up;
      const commands = (async () => {
        await sleep(pauseAt);
        await call("POST", `/v1/jobs/${toggle}/pause`).catch(() => undefined);
        await call("POST", `/v1/jobs/${toggle}/resume`).catch(() => undefined);
      })();
      await sleep(up);
      await kill(running);
      await commands;
      log(
        `soak: kill ${k}/${kills} after ${Math.round(up)} ms up; ${target.calls.length} target calls so far`,
      );
      running = await start();
      // every job active again (a pause may have landed before the kill)
      for (const id of jobIds) await call("POST", `/v1/jobs/${id}/resume`).catch(() => undefined);
    }

    // drain: stop firing, wait until no run is active in the read model
    // (the API can be slow right after a restart: PGlite's one connection is busy catching up)
    const drainUntil = Date.now() + drainMs;
    for (const id of jobIds) {
      for (;;) {
        const res = await call("POST", `/v1/jobs/${id}/pause`).catch(() => null);
        if (res && (res.ok || res.status === 409)) break;
        if (Date.now() > drainUntil) throw new Error(`pausing ${id} failed: ${res?.status ?? "no answer"}`);
        await sleep(1000);
      }
    }
    // no active run twice in a row, 5 s apart (a lagging projector may not show every run yet)
    let quiet = 0;
    for (;;) {
      const active = await activeRuns(call).catch(() => null);
      quiet = active?.length === 0 ? quiet + 1 : 0;
      if (quiet >= 2) break;
      if (Date.now() > drainUntil) {
        log(`soak: drain timed out with ${active?.length ?? "unknown"} active runs`);
        break;
      }
      await sleep(active?.length === 0 ? 5000 : 1000);
    }
    // let the last projections land, then stop cleanly
    await sleep(1500);
    running.child.pid && process.kill(-running.child.pid, "SIGTERM");
    await running.exited;
    running = null;
    logStream.end();

    const figures = await check({ env, calls: target.calls, jobs: jobIds.length, logFile });
    const result: SoakFigures = {
      seed,
      kills,
      starts,
      slowestStartMs,
      durationMs: Date.now() - started,
      ...figures,
    };
    log(formatFigures(result));
    if (!result.ok || options.keep) log(`soak: data folder kept in ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
    return result;
  } finally {
    if (running) await kill(running).catch(() => undefined);
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    target.server.closeAllConnections();
    await new Promise<void>((resolve) => target.server.close(() => resolve()));
    logStream.end();
  }
}

async function activeRuns(call: (m: string, r: string) => Promise<Response>): Promise<string[]> {
  const active: string[] = [];
  for (const status of ["queued", "running", "retry-scheduled"]) {
    const res = await call("GET", `/v1/runs?status=${status}&limit=100`);
    if (!res.ok) throw new Error(`GET /v1/runs answered ${res.status}`);
    const body = (await res.json()) as { items: { runId: string }[] };
    for (const run of body.items) active.push(run.runId);
  }
  return active;
}

interface CheckInput {
  env: Record<string, string | undefined>;
  calls: TargetCall[];
  jobs: number;
  logFile: string;
}

type Checked = Omit<SoakFigures, "seed" | "kills" | "starts" | "slowestStartMs" | "durationMs">;

async function check(input: CheckInput): Promise<Checked> {
  const { env, calls } = input;
  const logText = await readFile(input.logFile, "utf8");
  // distinct torn commits (each process logs an entry once; a restart logs it again)
  const torn = new Set<string>();
  for (const line of logText.split("\n")) {
    if (!line.includes("a write torn by a crash")) continue;
    const commitId = /"commitId":"([^"]+)"/.exec(line)?.[1];
    if (commitId) torn.add(commitId);
  }
  const tornIndexEntriesIgnored = torn.size;
  const readModelRebuiltAtStart = (logText.match(/cannot be reopened/g) ?? []).length;

  // verify: hash chains and the read model against a fresh fold (the CLI's own code)
  const reports = await runVerify({ tenant: TENANT }, env);
  const verifyDifferences = reports.reduce((n, r) => n + r.differences.length, 0);
  for (const r of reports)
    for (const d of r.differences.slice(0, 10)) process.stderr.write(`verify: ${JSON.stringify(d)}\n`);

  const access = await openEventStore(env);
  try {
    const store = access.store;
    // the tenant read, then each stream on its own: the same history
    const byStream = new Map<string, DecodedEvent[]>();
    let cursor: string | null = null;
    do {
      const page: { events: DecodedEvent[]; cursor: string | null } = await store.readTenant(TENANT, {
        cursor,
        limit: 200,
      });
      for (const e of page.events) {
        const list = byStream.get(e.streamId) ?? [];
        list.push(e);
        byStream.set(e.streamId, list);
      }
      cursor = page.cursor;
    } while (cursor !== null);
    const readerMismatches: string[] = [];
    for (const [streamId, events] of byStream) {
      const own: string[] = [];
      for await (const e of store.readStreamAll(streamId)) own.push(`${e.version}:${e.eventId}`);
      const inTenant = [...events]
        .sort((a, b) => a.version - b.version)
        .map((e) => `${e.version}:${e.eventId}`);
      if (own.join() !== inTenant.join()) readerMismatches.push(streamId);
    }

    const callsByRun = new Map<string, TargetCall[]>();
    for (const c of calls) {
      const list = callsByRun.get(c.runId) ?? [];
      list.push(c);
      callsByRun.set(c.runId, list);
    }

    const runsByStatus: Record<string, number> = {};
    const lostRuns: string[] = [];
    const attemptsStartedTwice: string[] = [];
    const callsOutsideWindow: string[] = [];
    const extraCalls: ExtraCall[] = [];
    let runs = 0;
    let attemptsStarted = 0;
    let attemptsTimedOut = 0;
    const runIds = new Set<string>();
    for (const [streamId, events] of byStream) {
      const [, kind, runId] = streamId.split("/");
      if (kind !== "run" || !runId) continue;
      runs++;
      runIds.add(runId);
      const ordered = [...events].sort((a, b) => a.version - b.version);
      const state = foldRun(ordered);
      const status = state?.status ?? "none";
      runsByStatus[status] = (runsByStatus[status] ?? 0) + 1;
      if (!["succeeded", "dead-lettered", "cancelled", "skipped"].includes(status)) lostRuns.push(runId);

      // attempts: when each started, and how it ended
      const attempts = new Map<number, { startedAt: number; ended: string | null }>();
      for (const e of ordered) {
        const data = e.data as { attempt?: number };
        if (e.type === "AttemptStarted") {
          attemptsStarted++;
          if (attempts.has(data.attempt ?? -1)) attemptsStartedTwice.push(`${runId}#${data.attempt}`);
          attempts.set(data.attempt ?? -1, { startedAt: e.occurredAt.getTime(), ended: null });
        }
        if (e.type === "AttemptSucceeded" || e.type === "AttemptFailed" || e.type === "AttemptTimedOut") {
          const a = attempts.get(data.attempt ?? -1);
          if (a) a.ended = e.type;
          if (e.type === "AttemptTimedOut") attemptsTimedOut++;
        }
      }
      // each call belongs to the latest attempt started before it
      const starts = [...attempts.entries()].sort((x, y) => x[1].startedAt - y[1].startedAt);
      const callsPerAttempt = new Map<number, number>();
      for (const c of callsByRun.get(runId) ?? []) {
        const owner = starts.filter(([, a]) => a.startedAt <= c.at).at(-1);
        if (!owner) {
          callsOutsideWindow.push(`${runId}: a call before any attempt started`);
          continue;
        }
        callsPerAttempt.set(owner[0], (callsPerAttempt.get(owner[0]) ?? 0) + 1);
      }
      for (const [attempt, n] of callsPerAttempt) {
        if (n > 1) callsOutsideWindow.push(`${runId}#${attempt}: ${n} calls for one attempt`);
        const ended = attempts.get(attempt)?.ended;
        if (ended === "AttemptTimedOut") {
          extraCalls.push({
            runId,
            attempt,
            why: "the system was killed between the call and the outcome append; the watchdog timed the attempt out and the retry called again",
          });
        } else if (ended === null || ended === undefined) {
          callsOutsideWindow.push(`${runId}#${attempt}: a call for an attempt that never ended`);
        }
      }
    }
    for (const runId of callsByRun.keys()) {
      if (!runIds.has(runId))
        callsOutsideWindow.push(`${runId}: calls for a run the event store does not hold`);
    }

    // the read model, and a fresh rebuild of it from the event store
    const stuckRuns: string[] = [];
    const rebuildDifferences: string[] = [];
    const live = await openDatabase({ pglitePath: access.config.postgres.pglitePath });
    const fresh = await openReadModel({ logger: createLogger("soak", "warn") });
    try {
      const { rows } = await live.pool.query<{ run_id: string; status: string }>(
        "SELECT run_id, status FROM runs WHERE tenant = $1 AND status IN ('queued', 'running', 'retry-scheduled')",
        [TENANT],
      );
      for (const r of rows) stuckRuns.push(`${r.run_id} (${r.status})`);
      await rebuildReadModels({
        pool: fresh.database.pool,
        eventStore: store,
        tenants: [TENANT],
        projections: [jobsProjection, runsProjection, schedulesProjection],
      });
      for (const [table, key] of [
        ["jobs", "job_id"],
        ["runs", "run_id"],
        ["run_attempts", "run_id, attempt"],
      ] as const) {
        const q = `SELECT * FROM ${table} WHERE tenant = $1 ORDER BY ${key}`;
        const a = (await live.pool.query(q, [TENANT])).rows.map((r) => JSON.stringify(r));
        const b = (await fresh.database.pool.query(q, [TENANT])).rows.map((r) => JSON.stringify(r));
        const inB = new Set(b);
        const inA = new Set(a);
        const onlyLive = a.filter((r) => !inB.has(r));
        const onlyFresh = b.filter((r) => !inA.has(r));
        if (onlyLive.length + onlyFresh.length > 0) {
          rebuildDifferences.push(
            `${table}: ${onlyLive.length} rows only/different in the live read model, ${onlyFresh.length} in the rebuild (e.g. live ${onlyLive[0] ?? "-"}, rebuilt ${onlyFresh[0] ?? "-"})`,
          );
        }
      }
    } finally {
      await fresh.database.close();
      await live.close();
    }

    const ok =
      lostRuns.length === 0 &&
      stuckRuns.length === 0 &&
      attemptsStartedTwice.length === 0 &&
      callsOutsideWindow.length === 0 &&
      readerMismatches.length === 0 &&
      verifyDifferences === 0 &&
      rebuildDifferences.length === 0 &&
      runs > 0;
    return {
      jobs: input.jobs,
      runs,
      runsByStatus,
      attemptsStarted,
      attemptsTimedOut,
      targetCalls: calls.length,
      extraCalls,
      lostRuns,
      stuckRuns,
      attemptsStartedTwice,
      callsOutsideWindow,
      readerMismatches,
      verifyDifferences,
      rebuildDifferences,
      tornIndexEntriesIgnored,
      readModelRebuiltAtStart,
      ok,
    };
  } finally {
    await access.close();
  }
}

export function formatFigures(f: SoakFigures): string {
  const list = (items: string[]) =>
    items.length === 0 ? "0" : `${items.length} (${items.slice(0, 5).join("; ")})`;
  return [
    `soak ${f.ok ? "PASSED" : "FAILED"} (seed ${f.seed}): ${f.kills} kills, ${f.starts} starts (slowest ${f.slowestStartMs} ms), ${Math.round(f.durationMs / 1000)} s`,
    `  jobs ${f.jobs}, runs ${f.runs} (${Object.entries(f.runsByStatus)
      .map(([s, n]) => `${s} ${n}`)
      .join(", ")})`,
    `  attempts started ${f.attemptsStarted}, timed out by the watchdog ${f.attemptsTimedOut}`,
    `  target calls ${f.targetCalls}, extra calls ${f.extraCalls.length} (each: kill between the call and its outcome append)`,
    `  runs lost ${list(f.lostRuns)}, runs stuck ${list(f.stuckRuns)}, attempts started twice ${list(f.attemptsStartedTwice)}`,
    `  calls outside the at-least-once window ${list(f.callsOutsideWindow)}`,
    `  streams whose readers disagree ${list(f.readerMismatches)}`,
    `  verify differences ${f.verifyDifferences}, read model vs fresh rebuild ${list(f.rebuildDifferences)}`,
    `  torn index entries ignored (logged) ${f.tornIndexEntriesIgnored}, read model rebuilt at start ${f.readModelRebuiltAtStart}`,
  ].join("\n");
}

/** `npm run soak [-- --kills 50] [--seed n] [--drain-ms 600000] [--keep]` */
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const figures = await runSoak({
    kills: arg("kills") ? Number(arg("kills")) : undefined,
    drainMs: arg("drain-ms") ? Number(arg("drain-ms")) : undefined,
    seed: arg("seed") ? Number(arg("seed")) : undefined,
    keep: process.argv.includes("--keep"),
  });
  process.stdout.write(`${JSON.stringify({ ...figures, extraCalls: figures.extraCalls.length })}\n`);
  process.exit(figures.ok ? 0 : 1);
}
