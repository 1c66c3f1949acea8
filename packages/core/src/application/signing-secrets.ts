/**
 * The runner's source of per-tenant signing secrets: each tenant's secret is derived from the
 * master key (`tenantSigningSecret`, see docs/signing.md) and remembered, so a busy runner
 * does not recompute an HMAC per attempt. While the master key is being rotated, pass the new
 * key first and the old one after it: each call is then signed with both secrets.
 */
import { tenantSigningSecret } from "../adapters/http/signature.ts";

/** The secret(s) a tenant's calls are signed with, newest first. */
export type SigningSecretSource = (tenant: string) => string | readonly string[];

/** Remembers at most this many tenants (oldest forgotten first). */
const MAX_REMEMBERED = 10_000;

/**
 * A `SigningSecretSource` over one master key, or several (newest first) during a rotation.
 * Throws at once when no key, or an empty key, is given.
 */
export function createSigningSecrets(masterKeys: string | readonly string[]): SigningSecretSource {
  const keys = typeof masterKeys === "string" ? [masterKeys] : [...masterKeys];
  if (keys.length === 0 || keys.some((key) => key.length === 0)) {
    throw new Error("signing needs a non-empty master key (signing.masterKey)");
  }
  const remembered = new Map<string, string | readonly string[]>();
  return (tenant) => {
    let secrets = remembered.get(tenant);
    if (secrets === undefined) {
      const derived = keys.map((key) => tenantSigningSecret(key, tenant));
      secrets = derived.length === 1 ? derived[0]! : Object.freeze(derived);
      if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
      remembered.set(tenant, secrets);
    }
    return secrets;
  };
}
