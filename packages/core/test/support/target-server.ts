/**
 * A scripted HTTP target for runner and scheduler tests: a node:http server on 127.0.0.1
 * (random port) that records every request it receives and answers each path from a script
 * (a list of replies used in order, the last one repeating; or a function of the request).
 * A reply can also hang (never answer until the client goes away), for timeouts and for
 * runners that die mid-attempt.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the target saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** the `Idempotency-Key` header (empty when absent) */
  idempotencyKey: string;
}

/** How the target answers one request. */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string | Uint8Array }
  /** never answer; the connection stays open until the client gives up */
  | { hang: true };

/** Replies used in order (the last repeats), or a function of the request and its 0-based count on the path. */
export type Script = readonly Reply[] | ((request: SeenRequest, index: number) => Reply);

const OK: Reply = { status: 200, body: "ok" };

export class TargetServer {
  private readonly seen: SeenRequest[] = [];
  private readonly scripts = new Map<string, Script>();
  private readonly waiters: Array<() => void> = [];
  private readonly hanging = new Set<ServerResponse>();
  private readonly server: Server;
  private port = 0;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const path = new URL(req.url ?? "/", "http://target").pathname;
        const header = req.headers["idempotency-key"];
        const request: SeenRequest = {
          method: req.method ?? "",
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          idempotencyKey: Array.isArray(header) ? header.join(",") : (header ?? ""),
        };
        const index = this.requests(path).length;
        this.seen.push(request);
        res.on("error", () => undefined); // clients hang up on purpose (timeouts, aborts)
        this.answer(res, this.replyFor(request, index));
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    this.server.on("connection", (socket) => socket.on("error", () => undefined));
  }

  /** Starts a target on 127.0.0.1 with a random port. */
  static async start(): Promise<TargetServer> {
    const target = new TargetServer();
    await new Promise<void>((resolve) => target.server.listen(0, "127.0.0.1", resolve));
    target.port = (target.server.address() as AddressInfo).port;
    return target;
  }

  /** `http://127.0.0.1:<port><path>` */
  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Sets how `path` answers (unscripted paths answer 200 "ok"). */
  script(path: string, script: Script): this {
    this.scripts.set(path, script);
    return this;
  }

  /** Every request received, oldest first; only those to `path` when given. */
  requests(path?: string): SeenRequest[] {
    return path === undefined ? [...this.seen] : this.seen.filter((r) => r.path === path);
  }

  /** Resolves once `path` has received at least `count` requests (rejects after `timeoutMs`). */
  async waitForRequests(path: string, count: number, timeoutMs = 10_000): Promise<SeenRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests(path).length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `${path} received ${this.requests(path).length} requests, not ${count}, within ${timeoutMs} ms`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.requests(path);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private replyFor(request: SeenRequest, index: number): Reply {
    const script = this.scripts.get(request.path);
    if (script === undefined) return OK;
    if (typeof script === "function") return script(request, index);
    const list = script as readonly Reply[];
    return list[Math.min(index, list.length - 1)] ?? OK;
  }

  private answer(res: ServerResponse, reply: Reply): void {
    if ("hang" in reply) {
      this.hanging.add(res);
      res.on("close", () => this.hanging.delete(res));
      return;
    }
    res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
    res.end(reply.body ?? "");
  }
}
