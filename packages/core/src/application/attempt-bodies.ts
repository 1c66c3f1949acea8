/**
 * Whole response bodies of attempts, stored as objects (issue 4): the runner puts the body
 * it read (up to its read cap) before it appends the attempt's outcome, and the outcome event
 * carries the reference (`AttemptBodyRef`: key, SHA-256, size, content type, truncated).
 *
 * - Objects live in the lake's bucket (or folder locally) under
 *   `bodies/tenant=<t>/dt=<yyyy-mm-dd>/<runId>/<attempt>`, outside the lake's prefix (a lake
 *   rebuild moves its prefix; bodies stay where the events say they are). The key is a
 *   function of the attempt, so a retried put overwrites instead of duplicating.
 * - Every non-empty body is stored, not only those longer than the excerpt: the excerpt is
 *   text decoded as UTF-8 and cut, the object is the exact bytes (binary bodies included),
 *   and the console can always offer "full body".
 * - A put that fails or takes longer than `putTimeoutMs` throws; the runner then records the
 *   attempt without a reference and logs a warning (an attempt is never lost for its body).
 */
import { createHash } from "node:crypto";
import type { AttemptBodyRef } from "@jobledger/events";
import type { RawBody } from "../adapters/http/executor.ts";
import type { ObjectStore } from "../ports/object-store.ts";

export const BODY_KEY_PREFIX = "bodies/";
export const DEFAULT_BODY_PUT_TIMEOUT_MS = 10_000;

/** The object key of an attempt's body; `at` (when the response arrived) gives the day. */
export function bodyKey(tenant: string, runId: string, attempt: number, at: Date): string {
  for (const [name, value] of [
    ["tenant", tenant],
    ["run id", runId],
  ] as const) {
    if (value === "" || value.includes("/") || value === "." || value === "..") {
      throw new Error(`cannot key a body by ${name} "${value}"`);
    }
  }
  if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`cannot key a body by attempt ${attempt}`);
  const day = at.toISOString().slice(0, 10);
  return `${BODY_KEY_PREFIX}tenant=${tenant}/dt=${day}/${runId}/${attempt}`;
}

/** True when `key` is a body key of `tenant` (a reference read from one tenant's row). */
export function isBodyKeyOf(tenant: string, key: string): boolean {
  return key.startsWith(`${BODY_KEY_PREFIX}tenant=${tenant}/`) && !key.split("/").includes("..");
}

export interface SaveBodyInput {
  tenant: string;
  runId: string;
  attempt: number;
  /** when the response arrived */
  at: Date;
  body: RawBody;
}

export interface AttemptBodies {
  /** stores the body and returns its reference; throws when the put fails or times out */
  save(input: SaveBodyInput): Promise<AttemptBodyRef>;
  /** the stored bytes of a tenant's reference; null when the object is gone (or not the tenant's) */
  read(tenant: string, key: string): Promise<Uint8Array | null>;
  /** where bodies are stored, for messages */
  readonly location: string;
}

export interface AttemptBodiesOptions {
  /** the lake's object store at the bucket's (folder's) root, not under the lake prefix */
  store: ObjectStore;
  putTimeoutMs?: number;
}

export function createAttemptBodies(options: AttemptBodiesOptions): AttemptBodies {
  const { store } = options;
  const putTimeoutMs = options.putTimeoutMs ?? DEFAULT_BODY_PUT_TIMEOUT_MS;
  return {
    location: store.location,
    async save({ tenant, runId, attempt, at, body }) {
      const key = bodyKey(tenant, runId, attempt, at);
      const sha256 = createHash("sha256").update(body.bytes).digest("hex");
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`storing the body at ${key} took longer than ${putTimeoutMs} ms`)),
          putTimeoutMs,
        );
      });
      try {
        await Promise.race([
          store.put(key, body.bytes, body.contentType ?? "application/octet-stream"),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
      return {
        key,
        sha256,
        bytes: body.bytes.byteLength,
        contentType: body.contentType,
        truncated: body.truncated,
      };
    },
    async read(tenant, key) {
      if (!isBodyKeyOf(tenant, key)) return null;
      return store.get(key);
    },
  };
}
