/**
 * BFF pass-through: /api/v1/... on the console server → /v1/... on the Jobledger API with the
 * console's token. Streaming responses (the SSE live feed) are relayed as they arrive.
 */
import type { APIEvent } from "@solidjs/start/server";
import { callApi, problem, relay } from "../../server/upstream";

async function forward(event: APIEvent): Promise<Response> {
  const incoming = new URL(event.request.url);
  const rest = incoming.pathname.replace(/^\/api/, "");
  if (!rest.startsWith("/v1/")) return problem(404, "Not Found", `no console route ${incoming.pathname}`);
  const method = event.request.method;
  const hasBody = method !== "GET" && method !== "HEAD";
  const headers = new Headers();
  for (const name of ["content-type", "if-match", "idempotency-key", "accept", "last-event-id"]) {
    const value = event.request.headers.get(name);
    if (value) headers.set(name, value);
  }
  const text = hasBody ? await event.request.text() : "";
  const res = await callApi(`${rest}${incoming.search}`, {
    method,
    headers,
    body: text === "" ? undefined : text,
    signal: event.request.signal,
  });
  return relay(res);
}

export const GET = forward;
export const POST = forward;
export const PATCH = forward;
export const PUT = forward;
export const DELETE = forward;
