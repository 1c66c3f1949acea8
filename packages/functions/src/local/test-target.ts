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
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
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
  received(): ReceivedRequest[];
  close(): Promise<void>;
}

const KEEP = 200;

export async function startTestTarget(port: number, host = "127.0.0.1"): Promise<TestTarget> {
  const received: ReceivedRequest[] = [];
  const calls = new Map<string, number>();
  const app = new Hono();

  app.use("*", async (c, next) => {
    if (c.req.path !== "/_requests") {
      received.push({
        at: new Date().toISOString(),
        method: c.req.method,
        path: c.req.path,
        headers: Object.fromEntries(c.req.raw.headers),
        body: await c.req.text(),
      });
      if (received.length > KEEP) received.splice(0, received.length - KEEP);
    }
    await next();
  });
  app.get("/_requests", (c) => c.json(received));
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
      headers: Object.fromEntries(c.req.raw.headers),
      body: await c.req.text(),
    }),
  );

  const server = serve({ fetch: app.fetch, port, hostname: host });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    hostPort: `${host}:${actual}`,
    received: () => [...received],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
