/// <reference path="../.sst/platform/config.d.ts" />
/**
 * Who may call the API. People sign in to a Cognito user pool whose users carry
 * `custom:tenant` and `custom:role`; the API verifies their ID tokens against the pool's JWKS
 * (issuer = the pool, audience = the console's app client). Services use API keys instead
 * (the `ApiKeys` table, stacks/event-store.ts). Users cannot change their own tenant or role:
 * the app client may not write those attributes, only an administrator can
 * (`aws cognito-idp admin-update-user-attributes`, see docs/deploy.md).
 */
import type { StackSettings } from "./settings.ts";

/** The custom attributes the API reads from a token (packages/core/src/adapters/auth/jwt-verifier.ts). */
export const USER_ATTRIBUTES = ["tenant", "role"] as const;

export function auth(settings: StackSettings) {
  const userPool = new aws.cognito.UserPool("Users", {
    name: `jobledger-${$app.stage}`,
    usernameAttributes: ["email"],
    autoVerifiedAttributes: ["email"],
    // accounts are created by an administrator, who assigns the tenant and role
    adminCreateUserConfig: { allowAdminCreateUserOnly: true },
    passwordPolicy: {
      minimumLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireNumbers: true,
      requireSymbols: false,
      temporaryPasswordValidityDays: 7,
    },
    mfaConfiguration: "OPTIONAL",
    softwareTokenMfaConfiguration: { enabled: true },
    schemas: USER_ATTRIBUTES.map((name) => ({
      name,
      attributeDataType: "String",
      mutable: true,
      developerOnlyAttribute: false,
      // the API accepts tenants of up to 63 characters (docs/security.md)
      stringAttributeConstraints: { minLength: "1", maxLength: "63" },
    })),
    deletionProtection: settings.production ? "ACTIVE" : "INACTIVE",
  });

  const client = new aws.cognito.UserPoolClient("ConsoleClient", {
    userPoolId: userPool.id,
    // a browser app: no client secret; SRP sign-in and refresh tokens only
    generateSecret: false,
    explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    preventUserExistenceErrors: "ENABLED",
    readAttributes: ["email", "email_verified", ...USER_ATTRIBUTES.map((a) => `custom:${a}`)],
    // tenant and role are not writable by the user
    writeAttributes: ["email"],
    idTokenValidity: 60,
    accessTokenValidity: 60,
    refreshTokenValidity: 30,
    tokenValidityUnits: { idToken: "minutes", accessToken: "minutes", refreshToken: "days" },
  });

  const region = aws.getRegionOutput().name;
  /** `iss` of the pool's tokens (JOBLEDGER_JWT_ISSUER) */
  const issuer = $interpolate`https://cognito-idp.${region}.amazonaws.com/${userPool.id}`;
  /** the pool's public keys (JOBLEDGER_JWKS_URL) */
  const jwksUrl = $interpolate`${issuer}/.well-known/jwks.json`;
  /** `aud` of the ID tokens the console sends (JOBLEDGER_JWT_AUDIENCE) */
  const audience = client.id;

  return { userPool, client, issuer, jwksUrl, audience };
}

export type AuthResources = ReturnType<typeof auth>;
