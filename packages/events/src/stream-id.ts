/**
 * Stream ids: `<tenant>/<kind>/<id>`, e.g. `default/job/01J9Z...`. The tenant leads every
 * key so nothing crosses tenants; no part may be empty or contain `/`.
 */
import { InvalidStreamIdError } from "./errors.ts";

export interface StreamIdParts {
  tenant: string;
  /** what the stream is about: `job`, `run`, ... */
  kind: string;
  id: string;
}

function checkPart(part: string, what: string, context: string): void {
  if (typeof part !== "string" || part === "") {
    throw new InvalidStreamIdError(`${context}: the ${what} is empty`);
  }
  if (part.includes("/")) {
    throw new InvalidStreamIdError(`${context}: the ${what} ${JSON.stringify(part)} contains "/"`);
  }
}

/** Build `<tenant>/<kind>/<id>`; throws InvalidStreamIdError if a part is empty or holds `/`. */
export function streamIdOf(tenant: string, kind: string, id: string): string {
  const context = "cannot build a stream id";
  checkPart(tenant, "tenant", context);
  checkPart(kind, "kind", context);
  checkPart(id, "id", context);
  return `${tenant}/${kind}/${id}`;
}

/** Split a stream id; throws InvalidStreamIdError unless it is `<tenant>/<kind>/<id>`. */
export function parseStreamId(streamId: string): StreamIdParts {
  const context = `invalid stream id ${JSON.stringify(streamId)}`;
  if (typeof streamId !== "string") throw new InvalidStreamIdError(`${context}: not a string`);
  const parts = streamId.split("/");
  if (parts.length !== 3) {
    throw new InvalidStreamIdError(`${context}: expected <tenant>/<kind>/<id>, found ${parts.length} parts`);
  }
  const [tenant, kind, id] = parts as [string, string, string];
  checkPart(tenant, "tenant", context);
  checkPart(kind, "kind", context);
  checkPart(id, "id", context);
  return { tenant, kind, id };
}
