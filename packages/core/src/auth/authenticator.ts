/**
 * Turns the credentials of a request into a Principal: a bearer JWT (users) or an API key
 * (services, as `Authorization: Bearer jl_...` or `X-API-Key`). Throws AuthenticationError
 * for anything missing, malformed, forged, expired or revoked, and for a credential whose
 * claims cannot be stored (a subject or tenant holding NUL or a lone surrogate, ADR 0010):
 * they become the actor and tenant of events.
 */

import { isStorableText } from "../domain/text/storable-text.ts";
import { type Clock, systemClock } from "../ports/clock.ts";
import {
  type ApiKeyStore,
  apiKeyId,
  apiKeyMatches,
  LAST_USED_RESOLUTION_MS,
  looksLikeApiKey,
} from "./api-keys.ts";
import { AuthenticationError, isTenantId, type Principal } from "./principal.ts";

export type JwtVerifier = (token: string) => Promise<Principal>;

export interface Credentials {
  authorization?: string | undefined;
  apiKey?: string | undefined;
}

export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Principal>;
}

export function createAuthenticator(deps: {
  verifyJwt: JwtVerifier;
  apiKeys: ApiKeyStore;
  clock?: Clock;
}): Authenticator {
  const clock = deps.clock ?? systemClock;
  const byApiKey = async (key: string): Promise<Principal> => {
    const id = apiKeyId(key);
    if (!id) throw new AuthenticationError("malformed API key");
    const record = await deps.apiKeys.get(id);
    if (!record || !apiKeyMatches(key, record)) throw new AuthenticationError("unknown API key");
    if (record.revokedAt) throw new AuthenticationError("the API key was revoked");
    // written by this code with the creator's tenant; checked again as every tenant source is
    if (!isTenantId(record.tenant))
      throw new AuthenticationError("the API key's tenant is not a valid tenant id");
    // operators come only from the platform's identity provider (ADR 0012)
    if (record.role === "operator") throw new AuthenticationError("an API key cannot have the operator role");
    const now = clock.now();
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now.getTime()) {
      throw new AuthenticationError("the API key expired");
    }
    // at most one write a minute per key (checked here on the record just read, and in the store)
    const lastUsed = record.lastUsedAt === null ? null : Date.parse(record.lastUsedAt);
    if (lastUsed === null || now.getTime() - lastUsed >= LAST_USED_RESOLUTION_MS) {
      // a lost update of lastUsedAt must not refuse the request
      await deps.apiKeys.touch(record.id, now).catch(() => {});
    }
    return { tenant: record.tenant, subject: record.id, role: record.role, kind: "apiKey" };
  };
  return {
    async authenticate({ authorization, apiKey }) {
      if (apiKey !== undefined && apiKey !== "") return byApiKey(apiKey.trim());
      if (authorization === undefined || authorization === "") {
        throw new AuthenticationError("no credentials: send Authorization: Bearer <token> or X-API-Key");
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match?.[1]) throw new AuthenticationError("the Authorization header must be `Bearer <token>`");
      const token = match[1];
      return looksLikeApiKey(token) ? byApiKey(token) : storableClaims(await deps.verifyJwt(token));
    },
  };
}

/** The principal of a verified token, unless a claim it carries cannot be stored. */
function storableClaims(principal: Principal): Principal {
  for (const [claim, value] of [
    ["sub", principal.subject],
    ["tenant", principal.tenant],
    ["role", principal.role],
  ] as const) {
    if (typeof value !== "string" || !isStorableText(value)) {
      throw new AuthenticationError(
        `the token's ${claim} claim cannot be stored: it must be well-formed Unicode without NUL`,
      );
    }
  }
  return principal;
}
