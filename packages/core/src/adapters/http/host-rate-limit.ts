/**
 * Per-host rate limit for outbound calls, shared by every runner because it lives in
 * DynamoDB: fixed one-second windows, one counter item per host and second
 * (`pk = "<host>#<epochSecond>"`), incremented with a conditional `UpdateItem` that fails
 * once the window holds `limit` calls. Items carry `expiresAt` (epoch seconds) for
 * DynamoDB TTL; nothing reads old windows, so a stand-in without TTL only keeps dead items.
 *
 * Limits: a default requests/second for every host and per-host overrides (exact host
 * names, lower case); `null` means unlimited.
 */
import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ensureTable } from "../dynamodb/event-store-table.ts";

export type RateLimitDecision = { ok: true } | { ok: false; retryAfterMs: number };

export interface HostRateLimiter {
  /** Takes one call's slot for `host` in the window holding `now`, or says how long to wait. */
  acquire(host: string, now: Date): Promise<RateLimitDecision>;
}

export interface HostRateLimits {
  /** requests per second for a host without override; null: unlimited */
  defaultPerSecond: number | null;
  /** host name (lower case) → requests per second; null: unlimited */
  perHost: Readonly<Record<string, number | null>>;
}

export const UNLIMITED: HostRateLimits = { defaultPerSecond: null, perHost: {} };

/** A limiter that always allows (no limits configured, or tests that do not exercise them). */
export const noHostRateLimit: HostRateLimiter = { acquire: async () => ({ ok: true }) };

export class InvalidHostRateLimit extends Error {
  override readonly name = "InvalidHostRateLimit";
}

function checkedLimit(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidHostRateLimit(`${what} must be a whole number of requests per second ≥ 1, got ${value}`);
  }
  return value;
}

/**
 * Parses overrides from configuration text: `host=limit` pairs separated by commas, e.g.
 * `api.example.com=5, slow.example.org=1`; `host=unlimited` lifts the default for a host.
 */
export function parseHostRateLimitOverrides(text: string): Record<string, number | null> {
  const overrides: Record<string, number | null> = {};
  for (const raw of text.split(",")) {
    const pair = raw.trim();
    if (pair === "") continue;
    const [host = "", limit = ""] = pair.split("=").map((s) => s.trim());
    if (host === "" || limit === "" || pair.split("=").length !== 2) {
      throw new InvalidHostRateLimit(`host rate limit "${pair}" must look like host=requestsPerSecond`);
    }
    overrides[host.toLowerCase()] =
      limit === "unlimited" ? null : checkedLimit(Number(limit), `the rate limit for ${host}`);
  }
  return overrides;
}

/** The limit for a host (null: unlimited). */
export function limitFor(limits: HostRateLimits, host: string): number | null {
  const key = host.toLowerCase();
  const limit = Object.hasOwn(limits.perHost, key) ? limits.perHost[key] : limits.defaultPerSecond;
  return limit === null || limit === undefined ? null : checkedLimit(limit, `the rate limit for ${key}`);
}

// ---- the table --------------------------------------------------------------------------------

/** The attribute DynamoDB TTL should be enabled on (infrastructure declares it). */
export const HOST_RATE_LIMIT_TTL_ATTRIBUTE = "expiresAt";
/** How long a window's item is kept after its second (for TTL). */
const KEEP_SECONDS = 60;

/** The CreateTable input for a host rate limit table of this name (TTL is set separately). */
export function hostRateLimitTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
  };
}

/** Creates the table if it is missing (local runtime and tests). */
export function ensureHostRateLimitTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return ensureTable(client, hostRateLimitTableDefinition(tableName));
}

export interface DynamoHostRateLimiterOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  limits: HostRateLimits;
}

/** The shared limiter: fixed one-second windows counted in DynamoDB. */
export function createDynamoHostRateLimiter(options: DynamoHostRateLimiterOptions): HostRateLimiter {
  const { doc, tableName, limits } = options;
  return {
    async acquire(host, now) {
      const limit = limitFor(limits, host);
      if (limit === null) return { ok: true };
      const epochSecond = Math.floor(now.getTime() / 1000);
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `${host.toLowerCase()}#${epochSecond}` },
            UpdateExpression: "ADD #count :one SET #expiresAt = :expiresAt",
            ConditionExpression: "attribute_not_exists(#count) OR #count < :limit",
            ExpressionAttributeNames: { "#count": "count", "#expiresAt": HOST_RATE_LIMIT_TTL_ATTRIBUTE },
            ExpressionAttributeValues: {
              ":one": 1,
              ":limit": limit,
              ":expiresAt": epochSecond + KEEP_SECONDS,
            },
          }),
        );
        return { ok: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // the window is full: the next one starts at the next whole second
        return { ok: false, retryAfterMs: (epochSecond + 1) * 1000 - now.getTime() };
      }
    },
  };
}
