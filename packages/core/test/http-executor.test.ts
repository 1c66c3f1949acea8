/**
 * The HTTP executor against real local servers (node:http on 127.0.0.1, port 0): outcomes
 * for every kind of answer, the headers it sends, limits on the body, timeouts, and the SSRF
 * checks, including DNS rebinding caught at connect time with an injected resolver.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from "node:net";
import type { HttpRequestSpec } from "@jobledger/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpExecutor, type HttpExecutor } from "../src/adapters/http/executor.ts";
import type { ResolveHost } from "../src/adapters/http/guarded-lookup.ts";
import { verifySignature } from "../src/adapters/http/signature.ts";
import { EMPTY_ALLOW_LIST, parseTargetAllowList } from "../src/domain/job/target-policy.ts";
import type { AttemptOutcome } from "../src/domain/run/outcome.ts";
import { ManualClock } from "../src/ports/clock.ts";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const SECRET = "whsec_executor-test";
const LOCAL = parseTargetAllowList(["127.0.0.1"]);

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A test server: records every request and connection, answers by path. */
class TargetServer {
  readonly seen: Seen[] = [];
  connections = 0;
  private readonly server: Server;
  port = 0;

  constructor(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
    this.server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        this.seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
        res.on("error", () => undefined); // the executor may hang up mid-body on purpose
        handle(req, res, body);
      });
    });
    this.server.on("connection", (socket) => {
      this.connections++;
      socket.on("error", () => undefined);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path: string, host = "127.0.0.1"): string {
    return `http://${host}:${this.port}${path}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function routes(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  switch (path) {
    case "/ok":
      res.writeHead(200, {
        "Content-Type": "application/json",
        "X-Custom": "yes",
        "Set-Cookie": ["session=secret", "other=1"],
      });
      res.end('{"ok":true}');
      return;
    case "/echo":
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end(body);
      return;
    case "/500":
      res.writeHead(500);
      res.end("boom");
      return;
    case "/404":
      res.writeHead(404);
      res.end("no such thing");
      return;
    case "/429-seconds":
      res.writeHead(429, { "Retry-After": "7" });
      res.end();
      return;
    case "/429-date":
      res.writeHead(429, { "Retry-After": new Date(NOW.getTime() + 90_000).toUTCString() });
      res.end();
      return;
    case "/503":
      res.writeHead(503, { "Retry-After": "3" });
      res.end();
      return;
    case "/redirect":
      res.writeHead(302, { Location: "/ok" });
      res.end();
      return;
    case "/hang":
      return; // never answers
    case "/stall-body":
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.write("partial ");
      return; // never ends the body
    case "/large": {
      // 3 MiB of "é" (2 bytes each) in 64 KiB chunks
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
      const chunk = Buffer.from("é".repeat(32 * 1024));
      let left = 48;
      const pump = () => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
      return;
    }
    default:
      res.writeHead(418);
      res.end();
  }
}

const spec = (url: string, over: Partial<HttpRequestSpec> = {}): HttpRequestSpec => ({
  method: "GET",
  url,
  headers: {},
  body: null,
  timeoutMs: 5_000,
  ...over,
});

let server: TargetServer;
let clock: ManualClock;
let executor: HttpExecutor;
const run = (request: HttpRequestSpec, extra: { bodyOverride?: string | null; signal?: AbortSignal } = {}) =>
  executor.execute({ request, idempotencyKey: "run-1", signingSecret: SECRET, ...extra });

beforeAll(async () => {
  server = await new TargetServer(routes).start();
  clock = new ManualClock(NOW);
  executor = createHttpExecutor({
    allowList: LOCAL,
    clock,
    userAgent: "Jobledger-Test/1",
    maxBodyExcerptBytes: 101,
  });
});
afterAll(() => server.close());

function expectFailed(outcome: AttemptOutcome, errorClass: string) {
  expect(outcome.kind).toBe("failed");
  if (outcome.kind !== "failed") throw new Error("unreachable");
  expect(outcome.errorClass).toBe(errorClass);
  return outcome;
}

describe("outcomes", () => {
  it("2xx succeeds with status, lower-cased headers without set-cookie, and the body", async () => {
    const outcome = await run(spec(server.url("/ok")));
    expect(outcome).toMatchObject({
      kind: "succeeded",
      status: 200,
      bodyExcerpt: '{"ok":true}',
      bodyBytes: 11,
      bodyTruncated: false,
    });
    expect(outcome.headers["x-custom"]).toBe("yes");
    expect(outcome.headers["content-type"]).toBe("application/json");
    expect(outcome.headers).not.toHaveProperty("set-cookie");
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("5xx fails as http-5xx with the body excerpt", async () => {
    const outcome = expectFailed(await run(spec(server.url("/500"))), "http-5xx");
    expect(outcome).toMatchObject({ status: 500, bodyExcerpt: "boom", retryAfterMs: null });
  });

  it("4xx fails as http-4xx", async () => {
    const outcome = expectFailed(await run(spec(server.url("/404"))), "http-4xx");
    expect(outcome).toMatchObject({ status: 404, bodyExcerpt: "no such thing" });
  });

  it("429 with Retry-After in seconds", async () => {
    const outcome = expectFailed(await run(spec(server.url("/429-seconds"))), "http-429");
    expect(outcome).toMatchObject({ status: 429, retryAfterMs: 7_000 });
  });

  it("429 with Retry-After as an HTTP-date, relative to the clock", async () => {
    const outcome = expectFailed(await run(spec(server.url("/429-date"))), "http-429");
    expect(outcome.retryAfterMs).toBe(90_000);
  });

  it("503 with Retry-After", async () => {
    const outcome = expectFailed(await run(spec(server.url("/503"))), "http-5xx");
    expect(outcome).toMatchObject({ status: 503, retryAfterMs: 3_000 });
  });

  it("does not follow a redirect: http-3xx, and the location is never requested", async () => {
    const before = server.seen.length;
    const outcome = expectFailed(await run(spec(server.url("/redirect?n=1"))), "http-3xx");
    expect(outcome).toMatchObject({ status: 302 });
    expect(outcome.headers.location).toBe("/ok");
    expect(server.seen.slice(before).map((s) => s.url)).toEqual(["/redirect?n=1"]);
  });

  it("a server that never answers: timeout", async () => {
    const outcome = expectFailed(await run(spec(server.url("/hang"), { timeoutMs: 300 })), "timeout");
    expect(outcome).toMatchObject({ status: null });
    expect(outcome.message).toMatch(/did not answer within the timeout of 300 ms/);
  });

  it("headers then a stalled body: timeout, with the status and what arrived", async () => {
    const outcome = expectFailed(await run(spec(server.url("/stall-body"), { timeoutMs: 400 })), "timeout");
    expect(outcome).toMatchObject({ status: 200, bodyExcerpt: "partial ", bodyBytes: 8 });
    expect(outcome.message).toMatch(/did not finish sending its response body within the timeout/);
  });

  it("connection refused: network", async () => {
    const closed = await new TargetServer(routes).start();
    const url = closed.url("/ok");
    await closed.close();
    const outcome = expectFailed(await run(spec(url)), "network");
    expect(outcome.message).toMatch(/ECONNREFUSED/);
  });

  it("a name that does not resolve: network", async () => {
    const failing: ResolveHost = async (host) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    };
    const noDns = createHttpExecutor({ allowList: LOCAL, clock, lookup: failing });
    const outcome = await noDns.execute({
      request: spec(`http://nowhere.example.com:${server.port}/ok`),
      idempotencyKey: "k",
      signingSecret: SECRET,
    });
    expect(expectFailed(outcome, "network").message).toMatch(/ENOTFOUND/);
  });

  it("not HTTP at all: invalid-response", async () => {
    const sockets = new Set<Socket>();
    const garbage: TcpServer = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.once("data", () => socket.end("HELLO THERE\r\n\r\n"));
    });
    await new Promise<void>((resolve) => garbage.listen(0, "127.0.0.1", resolve));
    const { port } = garbage.address() as AddressInfo;
    try {
      const outcome = await run(spec(`http://127.0.0.1:${port}/`));
      expect(expectFailed(outcome, "invalid-response").message).toMatch(/not valid HTTP/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => garbage.close(() => resolve()));
    }
  });

  it("a large body: excerpt cut on a character boundary, all bytes counted", async () => {
    const outcome = await run(spec(server.url("/large")));
    expect(outcome).toMatchObject({
      kind: "succeeded",
      status: 200,
      bodyBytes: 3 * 1024 * 1024,
      bodyTruncated: true,
    });
    // 101 bytes would split the 51st "é": the excerpt keeps 50 whole characters
    expect(outcome.bodyExcerpt).toBe("é".repeat(50));
  });

  it("stops reading past the byte cap", async () => {
    const capped = createHttpExecutor({
      allowList: LOCAL,
      clock,
      maxBodyExcerptBytes: 16,
      maxBodyBytes: 256 * 1024,
    });
    const outcome = await capped.execute({
      request: spec(server.url("/large")),
      idempotencyKey: "k",
      signingSecret: SECRET,
    });
    expect(outcome).toMatchObject({
      kind: "succeeded",
      bodyBytes: 256 * 1024,
      bodyTruncated: true,
      bodyExcerpt: "é".repeat(8),
    });
  });

  it("the caller's abort rejects with its reason (not an outcome)", async () => {
    const controller = new AbortController();
    const pending = run(spec(server.url("/hang"), { timeoutMs: 10_000 }), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("runner shutting down")), 50);
    await expect(pending).rejects.toThrow("runner shutting down");
  });
});

describe("what is sent", () => {
  it("the job's headers, Idempotency-Key, a verifiable signature, User-Agent and a default Content-Type", async () => {
    clock.set(NOW);
    const before = server.seen.length;
    const body = '{"invoice":42,"note":"grüße"}';
    const outcome = await run(
      spec(server.url("/echo"), {
        method: "POST",
        body,
        headers: { Authorization: "Bearer t0k", "X-Job": "nightly" },
      }),
    );
    expect(outcome).toMatchObject({ kind: "succeeded", bodyExcerpt: body });
    const [seen] = server.seen.slice(before);
    expect(seen).toBeDefined();
    expect(seen?.method).toBe("POST");
    expect(seen?.body).toBe(body);
    expect(seen?.headers.authorization).toBe("Bearer t0k");
    expect(seen?.headers["x-job"]).toBe("nightly");
    expect(seen?.headers["idempotency-key"]).toBe("run-1");
    expect(seen?.headers["user-agent"]).toBe("Jobledger-Test/1");
    expect(seen?.headers["content-type"]).toBe("application/json");
    const signature = String(seen?.headers["jobledger-signature"]);
    expect(verifySignature(signature, seen?.body ?? "", SECRET, NOW)).toEqual({
      ok: true,
      timestamp: NOW.getTime() / 1000,
    });
    expect(verifySignature(signature, seen?.body ?? "", "whsec_wrong", NOW).ok).toBe(false);
  });

  it("keeps the job's Content-Type and User-Agent, sends bodyOverride, and signs what it sends", async () => {
    const before = server.seen.length;
    await run(
      spec(server.url("/echo"), {
        method: "PUT",
        body: "original",
        headers: { "content-type": "text/csv", "User-Agent": "custom/2" },
      }),
      { bodyOverride: "a,b\n1,2\n" },
    );
    const [seen] = server.seen.slice(before);
    expect(seen?.body).toBe("a,b\n1,2\n");
    expect(seen?.headers["content-type"]).toBe("text/csv");
    expect(seen?.headers["user-agent"]).toBe("custom/2");
    expect(verifySignature(String(seen?.headers["jobledger-signature"]), "a,b\n1,2\n", SECRET, NOW).ok).toBe(
      true,
    );
  });

  it("no body: no Content-Type, and the signature covers the empty body", async () => {
    const before = server.seen.length;
    await run(spec(server.url("/echo"), { method: "DELETE" }));
    const [seen] = server.seen.slice(before);
    expect(seen?.headers).not.toHaveProperty("content-type");
    expect(verifySignature(String(seen?.headers["jobledger-signature"]), "", SECRET, NOW).ok).toBe(true);
  });

  it("the same Idempotency-Key on every attempt of a run", async () => {
    const before = server.seen.length;
    for (let attempt = 0; attempt < 2; attempt++) {
      await executor.execute({
        request: spec(server.url("/500")),
        idempotencyKey: "run-77",
        signingSecret: SECRET,
      });
    }
    expect(server.seen.slice(before).map((s) => s.headers["idempotency-key"])).toEqual(["run-77", "run-77"]);
  });
});

describe("SSRF", () => {
  /** Each test gets its own server, so "nothing connected" is about that test alone. */
  async function withTarget(test: (guarded: TargetServer) => Promise<void>): Promise<void> {
    const guarded = await new TargetServer(routes).start();
    try {
      await test(guarded);
    } finally {
      await guarded.close();
    }
  }

  const resolveTo =
    (...addresses: string[]): ResolveHost =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

  it("refuses the 127.0.0.1 literal without the allow-list; nothing connects", () =>
    withTarget(async (guarded) => {
      const strict = createHttpExecutor({ allowList: EMPTY_ALLOW_LIST, clock });
      const outcome = await strict.execute({
        request: spec(guarded.url("/ok")),
        idempotencyKey: "k",
        signingSecret: SECRET,
      });
      expect(expectFailed(outcome, "refused-target").message).toMatch(/loopback/);
      expect(guarded.connections).toBe(0);
    }));

  it.each([
    ["127.0.0.1", /resolves to 127\.0\.0\.1, a loopback address/],
    ["169.254.169.254", /resolves to 169\.254\.169\.254, a link-local address \(incl\. cloud metadata\)/],
    ["::ffff:127.0.0.1", /IPv4-mapped IPv6 form of a loopback address/],
  ])("DNS rebinding: a public name resolving to %s is refused at connect time", (address, why) =>
    withTarget(async (guarded) => {
      // the name passes the definition-time check; only the connect-time lookup sees the address
      const rebinding = createHttpExecutor({
        allowList: EMPTY_ALLOW_LIST,
        clock,
        lookup: resolveTo(address),
      });
      const outcome = await rebinding.execute({
        request: spec(guarded.url("/ok", "api.rebind.example.com")),
        idempotencyKey: "k",
        signingSecret: SECRET,
      });
      expect(expectFailed(outcome, "refused-target").message).toMatch(why);
      expect(guarded.connections).toBe(0);
      expect(guarded.seen).toHaveLength(0);
    }),
  );

  it("checks the resolved address for https too (tls.connect uses the same lookup)", () =>
    withTarget(async (guarded) => {
      const rebinding = createHttpExecutor({
        allowList: EMPTY_ALLOW_LIST,
        clock,
        lookup: resolveTo("127.0.0.1"),
      });
      const outcome = await rebinding.execute({
        request: spec(`https://api.rebind.example.com:${guarded.port}/ok`),
        idempotencyKey: "k",
        signingSecret: SECRET,
      });
      expect(expectFailed(outcome, "refused-target").message).toMatch(/resolves to 127\.0\.0\.1/);
      expect(guarded.connections).toBe(0);
    }));

  it("refuses a name when any of its addresses is forbidden", () =>
    withTarget(async (guarded) => {
      const mixed = createHttpExecutor({
        allowList: EMPTY_ALLOW_LIST,
        clock,
        lookup: resolveTo("93.184.215.14", "127.0.0.1"),
      });
      const outcome = await mixed.execute({
        request: spec(guarded.url("/ok", "mixed.example.com")),
        idempotencyKey: "k",
        signingSecret: SECRET,
      });
      expectFailed(outcome, "refused-target");
      expect(guarded.connections).toBe(0);
    }));

  it("refuses internal names before resolving them", () =>
    withTarget(async (guarded) => {
      let resolved = 0;
      const counting: ResolveHost = async () => {
        resolved++;
        return [{ address: "127.0.0.1", family: 4 }];
      };
      const strict = createHttpExecutor({ allowList: EMPTY_ALLOW_LIST, clock, lookup: counting });
      for (const host of ["localhost", "metadata.google.internal"]) {
        const outcome = await strict.execute({
          request: spec(guarded.url("/ok", host)),
          idempotencyKey: "k",
          signingSecret: SECRET,
        });
        expectFailed(outcome, "refused-target");
      }
      const ftp = await strict.execute({
        request: spec("ftp://example.com/x"),
        idempotencyKey: "k",
        signingSecret: SECRET,
      });
      expect(expectFailed(ftp, "refused-target").message).toMatch(/only http and https/);
      expect(resolved).toBe(0);
      expect(guarded.connections).toBe(0);
    }));

  it("the allow-list permits the resolved address (CIDR) or the name, and then the call goes through", () =>
    withTarget(async (guarded) => {
      for (const allow of [["127.0.0.0/8"], [`api.rebind.example.com:${guarded.port}`]]) {
        const permitted = createHttpExecutor({
          allowList: parseTargetAllowList(allow),
          clock,
          lookup: resolveTo("127.0.0.1"),
        });
        const outcome = await permitted.execute({
          request: spec(guarded.url("/ok", "api.rebind.example.com")),
          idempotencyKey: "k",
          signingSecret: SECRET,
        });
        expect(outcome).toMatchObject({ kind: "succeeded", status: 200 });
      }
      expect(guarded.seen.map((s) => s.headers.host)).toEqual([
        `api.rebind.example.com:${guarded.port}`,
        `api.rebind.example.com:${guarded.port}`,
      ]);
    }));
});
