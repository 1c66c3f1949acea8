/**
 * Where the console server finds the Jobledger API and which bearer token it sends. The browser
 * never sees the token: it talks only to the console server (BFF), which adds it here.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export function apiUrl(): string {
  return (process.env.JOBLEDGER_API_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
}

/** JOBLEDGER_API_TOKEN, else the local runtime's dev token file (read on each call: it may appear later). */
export function apiToken(): string | undefined {
  if (process.env.JOBLEDGER_API_TOKEN) return process.env.JOBLEDGER_API_TOKEN;
  const dataDir = process.env.JOBLEDGER_DATA_DIR ?? ".data";
  try {
    return readFileSync(path.join(dataDir, "dev-token"), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "host",
  "cookie",
]);

/** Calls the API with the console's credentials; a network failure becomes a 502 problem. */
export async function callApi(pathname: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const name of HOP_BY_HOP) headers.delete(name);
  const token = apiToken();
  if (token) headers.set("authorization", `Bearer ${token}`);
  try {
    return await fetch(`${apiUrl()}${pathname}`, { ...init, headers });
  } catch (error) {
    return problem(502, "API unreachable", `the console could not reach ${apiUrl()}: ${String(error)}`);
  }
}

export function problem(status: number, title: string, detail: string): Response {
  return new Response(JSON.stringify({ type: "about:blank", status, title, detail }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

/** Passes an API response through (streaming, so SSE works), dropping hop-by-hop headers. */
export function relay(res: Response): Response {
  const headers = new Headers();
  res.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && name !== "content-encoding") headers.set(name, value);
  });
  if (headers.get("content-type")?.startsWith("text/event-stream")) headers.set("cache-control", "no-cache");
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}
