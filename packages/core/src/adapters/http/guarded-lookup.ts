/**
 * DNS resolution at connect time with the SSRF check: a `net`/`tls` `lookup` function that
 * resolves the host, then refuses the connection when ANY address it resolved to is
 * forbidden by `checkResolvedAddress` (DNS rebinding: a name that passed the definition-time
 * check but now resolves to 127.0.0.1 or 169.254.169.254). Refusing on any forbidden answer
 * (not just skipping it) keeps a name that mixes public and private answers from being
 * reached at all.
 */
import { promises as dns } from "node:dns";
import type { LookupFunction } from "node:net";
import { checkResolvedAddress, type TargetAllowList } from "../../domain/job/target-policy.ts";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to its addresses (injectable so tests can play DNS). */
export type ResolveHost = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system resolver (`getaddrinfo`, as Node's HTTP clients use by default). */
export const systemResolveHost: ResolveHost = async (hostname) => {
  const answers = await dns.lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export const TARGET_REFUSED_CODE = "ERR_JOBLEDGER_TARGET_REFUSED";

/** Thrown from the lookup when the target may not be reached; becomes `refused-target`. */
export class TargetRefusedError extends Error {
  override readonly name = "TargetRefusedError";
  readonly code = TARGET_REFUSED_CODE;
}

function notFound(hostname: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${hostname} resolved to no usable address`);
  error.code = "ENOTFOUND";
  return error;
}

/** A `lookup` for `net.connect`/`tls.connect` that only hands out addresses `url` may reach. */
export function guardedLookup(url: URL, allow: TargetAllowList, resolve: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (answers) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : null;
        const addresses = answers.filter((a) => wanted === null || a.family === wanted);
        for (const a of answers) {
          const reason = checkResolvedAddress(url, a.address, allow);
          if (reason) return callback(new TargetRefusedError(reason), "", 0);
        }
        const first = addresses[0];
        if (!first) return callback(notFound(hostname), "", 0);
        if (options.all)
          return callback(
            null,
            addresses.map((a) => ({ ...a })),
          );
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };
}
