/**
 * How CLI commands that act on a running system reach it: over its HTTP API, with the URL and
 * token from flags, the environment (`JOBLEDGER_API_URL`, `JOBLEDGER_TOKEN`) or the local data
 * folder (`<data folder>/dev-token`, written by `npm start`). Problems the API answers become
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
    .option("--api-url <url>", "the API (default: JOBLEDGER_API_URL or http://127.0.0.1:$PORT, port 3000)")
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
  request<T>(method: string, route: string, body?: unknown): Promise<T>;
}

export async function apiClient(options: ApiOptions): Promise<ApiClient> {
  const base = (
    options.apiUrl ??
    process.env.JOBLEDGER_API_URL ??
    `http://127.0.0.1:${process.env.PORT ?? "3000"}`
  ).replace(/\/$/, "");
  const token = options.token ?? process.env.JOBLEDGER_TOKEN ?? (await devToken(options.dataDir));
  return {
    async request<T>(method: string, route: string, body?: unknown): Promise<T> {
      let response: Response;
      try {
        response = await fetch(`${base}${route}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        throw new CliError(
          `cannot reach the API at ${base} (${(error as Error).message}): is the system running?`,
        );
      }
      const text = await response.text();
      if (!response.ok) {
        let detail = text.slice(0, 500);
        try {
          const problem = JSON.parse(text) as { title?: string; detail?: string };
          detail = [problem.title, problem.detail].filter(Boolean).join(": ");
        } catch {
          // not a problem document: show the text
        }
        throw new CliError(`${method} ${route} answered ${response.status}: ${detail}`);
      }
      return (text ? JSON.parse(text) : null) as T;
    },
  };
}

async function devToken(dataDir: string | undefined): Promise<string> {
  const file = path.join(path.resolve(dataDir ?? process.env.JOBLEDGER_DATA_DIR ?? ".data"), "dev-token");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    throw new CliError(
      `no token: pass --token, set JOBLEDGER_TOKEN, or start the local system (it writes ${file})`,
    );
  }
}
