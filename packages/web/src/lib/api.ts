/** The browser's only client: it calls the console server (same origin), never the API directly. */
import type { ProblemDetails } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails,
  ) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
  }
  /** true when the endpoint does not exist on this API (yet) */
  get missing(): boolean {
    return (
      this.status === 404 && /no route|not found/i.test(`${this.problem.title} ${this.problem.detail ?? ""}`)
    );
  }
}

export async function api<T>(pathname: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set("content-type", "application/json");
  const res = await fetch(pathname, {
    ...rest,
    headers,
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
  const text = await res.text();
  const body: unknown = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const problem =
      body && typeof body === "object" && "title" in body
        ? (body as ProblemDetails)
        : { status: res.status, title: res.statusText || `HTTP ${res.status}`, detail: text.slice(0, 200) };
    throw new ApiError(res.status, problem);
  }
  return body as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Problem `errors[].path` ("body.schedule.expression") → field key ("schedule.expression"). */
export function fieldErrors(problem: ProblemDetails | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of problem?.errors ?? []) {
    const key = e.path.replace(/^body\.?/, "") || "_";
    out[key] = out[key] ? `${out[key]}; ${e.message}` : e.message;
  }
  return out;
}

/**
 * Like `api`, but retries a 404 for a short while: queries are served from read models that
 * trail the write by a moment, so a page opened right after a create may briefly miss it.
 */
export async function apiSettled<T>(pathname: string, waitMs = 5000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await api<T>(pathname);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404 || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
