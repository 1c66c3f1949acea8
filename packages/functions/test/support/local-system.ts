/** Starts the local system in-process on a random port with its own temporary data folder. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@jobledger/core/logging";
import { type LocalSystem, type LocalSystemOptions, startLocalSystem } from "../../src/local/system.ts";

/**
 * `http`/`json` send `Authorization: Bearer <devToken>` (default tenant, admin) unless the
 * caller sets Authorization or X-API-Key; pass the header `Authorization: none` to send no
 * credentials at all.
 */
export interface TestSystem extends LocalSystem {
  /** fetch relative to the API's URL */
  http(pathname: string, init?: RequestInit): Promise<Response>;
  /** POST/PATCH JSON helper */
  json(method: string, pathname: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function startTestSystem(
  env: Record<string, string> = {},
  options: Omit<LocalSystemOptions, "env"> = {},
): Promise<TestSystem> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "jobledger-test-"));
  const system = await startLocalSystem({
    ...options,
    logger: options.logger ?? createLogger(undefined, "warn"),
    env: { PORT: "0", JOBLEDGER_DATA_DIR: dataDir, JOBLEDGER_SHARDS: "1", ...env },
  });
  const http = (pathname: string, init?: RequestInit) =>
    fetch(`${system.url}${pathname}`, withCredentials(init, system.devToken));
  return {
    ...system,
    http,
    json: (method, pathname, body, headers = {}) =>
      http(pathname, {
        method,
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      }),
    async stop() {
      await system.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A valid `POST /v1/jobs` body (a nightly cron job to a public URL), with overrides. */
export const jobBody = (overrides: Record<string, unknown> = {}) => ({
  name: "nightly report",
  request: { method: "POST", url: "https://example.com/hooks/report", body: "{}", timeoutMs: 5000 },
  schedule: { type: "cron", expression: "0 2 * * *", timezone: "Europe/Berlin" },
  tags: ["reports"],
  ...overrides,
});

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ""}`);
}

/** Adds the dev token unless the request carries its own credentials (or `Authorization: none`). */
function withCredentials(init: RequestInit | undefined, devToken: string | null): RequestInit {
  const headers = new Headers(init?.headers);
  if (headers.get("authorization") === "none") {
    headers.delete("authorization");
  } else if (!headers.has("authorization") && !headers.has("x-api-key") && devToken) {
    headers.set("authorization", `Bearer ${devToken}`);
  }
  return { ...init, headers };
}
