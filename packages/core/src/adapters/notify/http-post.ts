/**
 * POSTs to a notification endpoint (Slack, Teams, generic webhooks: JSON; Web Push: the
 * encrypted payload) under the same SSRF rules as job targets: the URL is checked (`checkTarget`, with the configured allow-list) and the name is
 * resolved at connect time through `guardedLookup`, so a URL that passed the check when the
 * preference was saved cannot be pointed at 127.0.0.1 or the metadata address later (DNS
 * rebinding). One undici `Agent` per post: nothing is reused across tenants; redirects are not
 * followed. Any non-2xx answer (or no answer in time) is a failed delivery.
 */
import { Agent, request } from "undici";
import { checkTarget, type TargetAllowList } from "../../domain/job/target-policy.ts";
import { guardedLookup, type ResolveHost, systemResolveHost } from "../http/guarded-lookup.ts";

/**
 * Posts `body` (JSON unless `headers` name another `content-type`); rejects on a refused
 * target, a network failure, a timeout or a non-2xx answer.
 */
export type PostJson = (
  url: string,
  body: string | Uint8Array,
  headers?: Record<string, string>,
) => Promise<void>;

export interface JsonPosterOptions {
  allowList: TargetAllowList;
  /** injectable so tests can play DNS */
  resolve?: ResolveHost;
  timeoutMs?: number;
}

export function createJsonPoster(options: JsonPosterOptions): PostJson {
  const { allowList } = options;
  const resolve = options.resolve ?? systemResolveHost;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (url, body, headers = {}) => {
    const target = new URL(url);
    const refused = checkTarget(target, allowList);
    if (refused) throw new Error(`${target.origin} may not be reached: ${refused}`);
    const agent = new Agent({
      connections: 1,
      connect: { lookup: guardedLookup(target, allowList, resolve), timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    try {
      const response = await request(target, {
        dispatcher: agent,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Jobledger-Notifier/1",
          // lower-cased, so a caller's Content-Type replaces the default instead of doubling it
          ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump();
      if (response.statusCode < 200 || response.statusCode >= 300) {
        throw new Error(`${target.origin} answered HTTP ${response.statusCode}`);
      }
    } finally {
      await agent.close();
    }
  };
}
