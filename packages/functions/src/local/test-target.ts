/**
 * A small HTTP target the local runtime serves beside the API, so jobs can be tried without
 * any outside service. Its address is on the local allow-list (the SSRF rules refuse
 * loopback otherwise). Behaviour is chosen by path:
 *
 * - `GET|POST /ok` → 200 with a small JSON body
 * - `/status/<code>` → that status (e.g. 500, 404; 429 sends `Retry-After: 1`)
 * - `/delay/<ms>` → 200 after waiting (timeouts)
 * - `/flaky/<key>?failures=N` → 503 for the first N calls with that key, then 200
 * - `/echo` → 200 echoing method, headers and body
 * - `GET /_requests` → the last 200 requests received (newest last)
 *
 * Every job of every tenant may call the target, so neither `/echo` nor `/_requests` (nor
 * `received()`) shows the value of a sensitive header (the list core seals in jobs:
 * Authorization, Cookie, X-API-Key, `*-Token`, …): a present one reads `***` (issue 16,
 * item 2). Tests that must know a secret arrived ask {@link TestTarget.carried}, which
 * compares against a keyed fingerprint kept in memory and never shown.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve } from "@hono/node-server";
import { isSensitiveHeader, MASK } from "@jobledger/core/auth/header-secrets";
import { Hono } from "hono";

export interface ReceivedRequest {
  at: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface TestTarget {
  url: string;
  /** host:port, for the allow-list */
  hostPort: string;
  /** the last requests, sensitive header values masked */
  received(): ReceivedRequest[];
  /** whether a kept request carried header `name` with exactly `value` (for tests) */
  carried(name: string, value: string): boolean;
  close(): Promise<void>;
}

const KEEP = 200;

/**
 * `Idempotency-Key` matches core's `*-key` rule, but the runner sets it (after the job's own
 * headers) to the run id, which is no secret and which tests read: it stays visible.
 */
const SHOWN = new Set(["idempotency-key"]);
const isSecret = (name: string) => isSensitiveHeader(name) && !SHOWN.has(name.toLowerCase());

/** The request's headers with the value of each sensitive one replaced by `***`. */
export function redactHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].map(([name, value]) => [name, isSecret(name) ? MASK : value]));
}

export async function startTestTarget(port: number, host = "127.0.0.1"): Promise<TestTarget> {
  const received: { request: ReceivedRequest; secrets: Map<string, Buffer> }[] = [];
  // fingerprints of sensitive values, keyed by a secret that never leaves this process
  const fingerprintKey = randomBytes(32);
  const fingerprint = (value: string) => createHmac("sha256", fingerprintKey).update(value).digest();
  const calls = new Map<string, number>();
  const app = new Hono();

  app.use("*", async (c, next) => {
    if (c.req.path !== "/_requests") {
      const secrets = new Map<string, Buffer>();
      for (const [name, value] of c.req.raw.headers) {
        if (isSecret(name)) secrets.set(name, fingerprint(value));
      }
      received.push({
        request: {
          at: new Date().toISOString(),
          method: c.req.method,
          path: c.req.path,
          headers: redactHeaders(c.req.raw.headers),
          body: await c.req.text(),
        },
        secrets,
      });
      if (received.length > KEEP) received.splice(0, received.length - KEEP);
    }
    await next();
  });
  app.get("/_requests", (c) => c.json(received.map((r) => r.request)));
  app.all("/ok", (c) => c.json({ ok: true, at: new Date().toISOString() }));
  app.all("/status/:code{[1-5][0-9][0-9]}", (c) => {
    const code = Number(c.req.param("code"));
    if (code === 429) c.header("Retry-After", "1");
    return c.body(JSON.stringify({ status: code }), code as 200, { "Content-Type": "application/json" });
  });
  app.all("/delay/:ms{[0-9]+}", async (c) => {
    const ms = Math.min(Number(c.req.param("ms")), 120_000);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return c.json({ waitedMs: ms });
  });
  app.all("/flaky/:key", (c) => {
    const key = c.req.param("key");
    const failures = Number(c.req.query("failures") ?? "1");
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    return n <= failures ? c.json({ call: n, failing: true }, 503) : c.json({ call: n, failing: false });
  });
  app.all("/echo", async (c) =>
    c.json({
      method: c.req.method,
      headers: redactHeaders(c.req.raw.headers),
      body: await c.req.text(),
    }),
  );

  const server = serve({ fetch: app.fetch, port, hostname: host });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") {
        reject(new TestTargetPortTaken(`${host}:${port} is in use by another process`, { cause: error }));
      } else reject(error);
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    hostPort: `${host}:${actual}`,
    received: () => received.map((r) => r.request),
    carried(name, value) {
      const wanted = fingerprint(value);
      return received.some((r) => {
        const seen = r.secrets.get(name.toLowerCase());
        return seen !== undefined && timingSafeEqual(seen, wanted);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}

/** The test target's port cannot be bound: the message says what to do. */
export class TestTargetPortTaken extends Error {
  override name = "TestTargetPortTaken";
}

/** Where the data folder keeps the test target's port (one decimal number). */
export const TEST_TARGET_PORT_FILE = "test-target-port";

/**
 * Starts the test target on the port the data folder keeps (issue 16, item 13): the first
 * start picks a free port and writes it to `<dataDir>/test-target-port`, later starts reuse
 * it, so jobs created with the printed URL still reach the target after a restart. When the
 * kept port is taken the start fails and says so, naming JOBLEDGER_TEST_TARGET_PORT; an
 * explicit `port` (that variable, 0 = random) wins and is not written down.
 */
export async function startKeptTestTarget(options: {
  dataDir: string;
  /** null: keep the port with the data folder */
  port: number | null;
  host?: string;
}): Promise<TestTarget> {
  if (options.port !== null) return startTestTarget(options.port, options.host);
  const file = path.join(options.dataDir, TEST_TARGET_PORT_FILE);
  const kept = await readKeptPort(file);
  if (kept === null) {
    const target = await startTestTarget(0, options.host);
    const port = target.hostPort.slice(target.hostPort.lastIndexOf(":") + 1);
    await writeFile(`${file}.tmp`, `${port}\n`);
    await rename(`${file}.tmp`, file);
    return target;
  }
  try {
    return await startTestTarget(kept, options.host);
  } catch (error) {
    if (!(error instanceof TestTargetPortTaken)) throw error;
    throw new TestTargetPortTaken(
      `the built-in test target's port ${kept} (kept in ${file}, so jobs keep their URL across ` +
        `restarts) is taken: ${error.message}. Stop that process, or set JOBLEDGER_TEST_TARGET_PORT ` +
        "to another port (jobs created with the old URL then need updating), 0 for a random one, or off",
      { cause: error },
    );
  }
}

async function readKeptPort(file: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const port = Number(text.trim());
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(
      `${file} should hold the test target's port, got "${text.trim()}": delete it to pick a new one`,
    );
  }
  return port;
}
