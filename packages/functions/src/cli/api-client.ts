/**
 * How CLI commands that act on a running system reach it: over its HTTP API, with the URL and
 * token from flags, the environment (`JOBLEDGER_API_URL`, `JOBLEDGER_TOKEN`) or the local data
 * folder (`<data folder>/api-url` and `<data folder>/dev-token`, written by `npm start`). Problems the API answers become
 * one clear CLI error.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { CliError } from "./program.ts";

export interface ApiOptions {
  apiUrl?: string;
  token?: string;
  dataDir?: string;
}

/** Adds the connection flags to a command. */
export function withApiOptions(command: Command): Command {
  return command
    .option(
      "--api-url <url>",
      "the API (default: JOBLEDGER_API_URL, <data folder>/api-url, or http://127.0.0.1:$PORT, port 3000)",
    )
    .option(
      "--token <token>",
      "a bearer token or API key (default: JOBLEDGER_TOKEN or <data folder>/dev-token)",
    )
    .option(
      "--data-dir <dir>",
      "data folder with the local dev token (default: JOBLEDGER_DATA_DIR or .data)",
    );
}

export interface ApiClient {
  request<T>(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  /** the response itself (for streamed bodies); an answer that is not 2xx is a CliError */
  fetch(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** the API's base URL */
  readonly base: string;
}

export async function apiClient(
  options: ApiOptions,
  env: Record<string, string | undefined> = process.env,
): Promise<ApiClient> {
  const dataDir = path.resolve(options.dataDir ?? env.JOBLEDGER_DATA_DIR ?? ".data");
  const base = (
    options.apiUrl ??
    env.JOBLEDGER_API_URL ??
    (await fromDataDir(dataDir, "api-url")) ??
    `http://127.0.0.1:${env.PORT ?? "3000"}`
  ).replace(/\/$/, "");
  const token = options.token ?? env.JOBLEDGER_TOKEN ?? (await fromDataDir(dataDir, "dev-token"));
  if (!token) {
    throw new CliError(
      `no token: pass --token, set JOBLEDGER_TOKEN, or start the local system (it writes ${path.join(dataDir, "dev-token")})`,
    );
  }
  const send = async (
    method: string,
    route: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(`${base}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CliError(
        `cannot reach the API at ${base} (${(error as Error).message}): is the system running?`,
      );
    }
    if (!response.ok) {
      const text = await response.text();
      let detail = text.slice(0, 500);
      try {
        const problem = JSON.parse(text) as { title?: string; detail?: string };
        detail = [problem.title, problem.detail].filter(Boolean).join(": ");
      } catch {
        // not a problem document: show the text
      }
      throw new CliError(`${method} ${route} answered ${response.status}: ${detail}`);
    }
    return response;
  };
  return {
    base,
    fetch: send,
    async request<T>(
      method: string,
      route: string,
      body?: unknown,
      headers?: Record<string, string>,
    ): Promise<T> {
      const text = await (await send(method, route, body, headers)).text();
      return (text ? JSON.parse(text) : null) as T;
    },
  };
}

/** A file the local system writes into its data folder (`api-url`, `dev-token`), or null. */
async function fromDataDir(dataDir: string, name: string): Promise<string | null> {
  try {
    return (await readFile(path.join(dataDir, name), "utf8")).trim() || null;
  } catch {
    return null;
  }
}
