/**
 * Verifies user JWTs with jose: signature against a JWKS (remote, e.g. a Cognito user pool,
 * with key rotation handled by jose's cache; or a local key set), issuer, audience, expiry
 * with a clock tolerance, and no `iat` in the future beyond it. Tenant and role come from claims: `custom:tenant` or `tenant`,
 * `custom:role` or `role`.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
} from "jose";
import type { JwtVerifier } from "../../auth/authenticator.ts";
import { AuthenticationError, isRole, isTenantId, type Principal } from "../../auth/principal.ts";

export interface JwtVerifierOptions {
  /** a JWKS URL (AWS), or */
  jwksUrl?: string | undefined;
  /** a key set held in memory (the local runtime's own public key) */
  jwks?: JSONWebKeySet | undefined;
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  /** when a token has no tenant claim (e.g. single-tenant deployments); null: refuse */
  defaultTenant?: string | null;
}

const claim = (payload: JWTPayload, ...names: string[]): unknown => {
  for (const name of names) if (payload[name] !== undefined) return payload[name];
  return undefined;
};

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const keys = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl))
    : options.jwks
      ? createLocalJWKSet(options.jwks)
      : null;
  return async (token: string): Promise<Principal> => {
    if (!keys) throw new AuthenticationError("no JWKS is configured: only API keys are accepted");
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ["sub", "exp"],
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError) {
        throw new AuthenticationError(
          error instanceof errors.JWTExpired ? "the token has expired" : `invalid token (${error.code})`,
        );
      }
      throw error;
    }
    // jose checks `iat` against the clock only together with maxTokenAge (which would also
    // make `iat` required and cap every token's age): a token issued beyond the tolerance in
    // the future was minted by a wrong clock or to outlive its expiry checks; refuse it
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat === "number" && payload.iat > now + options.clockToleranceSeconds) {
      throw new AuthenticationError("the token was issued in the future (iat beyond the clock tolerance)");
    }
    const tenant = claim(payload, "custom:tenant", "tenant") ?? options.defaultTenant ?? undefined;
    const role = claim(payload, "custom:role", "role");
    if (!isTenantId(tenant)) {
      throw new AuthenticationError("the token has no valid tenant claim");
    }
    if (!isRole(role)) throw new AuthenticationError("the token has no valid role claim");
    return { tenant, subject: String(payload.sub), role, kind: "user" };
  };
}
