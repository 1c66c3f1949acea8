/**
 * Port for Idempotency-Key handling of POST commands: the first request with a key claims
 * it, its response is stored, and later requests with the same key get that response again.
 */

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type IdempotencyClaim =
  /** the caller owns the key and must later complete or release it */
  | { kind: "claimed" }
  /** the key was used before for the same request: send this response again */
  | { kind: "replay"; response: StoredResponse }
  /** another request with this key is still running */
  | { kind: "in-progress" }
  /** the key was used before for a different request */
  | { kind: "mismatch" };

export interface IdempotencyStore {
  /**
   * Claim `key` within `scope` (tenant) for a request whose method, path and body hash to
   * `fingerprint`. A claim left in progress longer than `lockSeconds` (a crashed request)
   * can be claimed again.
   */
  claim(scope: string, key: string, fingerprint: string, now: Date): Promise<IdempotencyClaim>;
  /** Store the response of a claimed key, to be replayed until it expires. */
  complete(scope: string, key: string, response: StoredResponse, now: Date): Promise<void>;
  /** Give a claimed key up (the request failed in a way worth retrying). */
  release(scope: string, key: string): Promise<void>;
}
