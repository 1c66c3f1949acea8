/**
 * Secrets in job definitions: the values of sensitive request headers (Authorization, Cookie,
 * X-API-Key, names ending in -token/-secret/-key, …) are encrypted before a job's events are
 * appended, so the event store, the stream and every read model hold only `enc:v1:…`; the API
 * shows them as "***"; the runner opens them just before the call.
 *
 * AES-256-GCM with a key per tenant derived by HKDF-SHA256 from one master key
 * (JOBLEDGER_SECRETS_KEY, else the signing master key); the tenant and header name are the
 * additional authenticated data, so a value cannot be moved to another tenant or header.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

import { isSealed, isSensitiveHeader, MASK, SEALED_PREFIX } from "../domain/job/sensitive-headers.ts";

export { isSealed, isSensitiveHeader, MASK, SEALED_PREFIX };

export type Headers = Record<string, string>;

export interface HeaderSecrets {
  /**
   * Encrypts the sensitive values of `headers`. A value of "***" (a masked value sent back) or
   * the plaintext of the previous value keeps the previous ciphertext of that header.
   */
  seal(tenant: string, headers: Headers, previous?: Headers): Headers;
  /** Decrypts every sealed value (the runner, just before sending). */
  open(tenant: string, headers: Headers): Headers;
}

/** Masks sealed (and any other sensitive) values for API responses. */
export function maskHeaders(headers: Headers): Headers {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      isSealed(value) || isSensitiveHeader(name) ? MASK : value,
    ]),
  );
}

export class HeaderSecretError extends Error {
  override readonly name = "HeaderSecretError";
}

export function createHeaderSecrets(masterKey: string | undefined): HeaderSecrets {
  const keys = new Map<string, Buffer>();
  const keyFor = (tenant: string): Buffer => {
    if (!masterKey)
      throw new HeaderSecretError("no secrets key (JOBLEDGER_SECRETS_KEY or the signing master key)");
    let key = keys.get(tenant);
    if (!key) {
      key = Buffer.from(hkdfSync("sha256", masterKey, "jobledger/header-secrets/v1", `tenant:${tenant}`, 32));
      if (keys.size > 10_000) keys.clear();
      keys.set(tenant, key);
    }
    return key;
  };
  const aad = (tenant: string, name: string) => Buffer.from(`${tenant}\n${name.toLowerCase()}`);

  const encrypt = (tenant: string, name: string, plaintext: string): string => {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", keyFor(tenant), iv);
    cipher.setAAD(aad(tenant, name));
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${SEALED_PREFIX}${iv.toString("base64url")}.${data.toString("base64url")}.${cipher.getAuthTag().toString("base64url")}`;
  };
  const decrypt = (tenant: string, name: string, sealed: string): string => {
    const [iv, data, tag] = sealed.slice(SEALED_PREFIX.length).split(".");
    if (iv === undefined || data === undefined || tag === undefined) {
      throw new HeaderSecretError(`header ${name}: malformed sealed value`);
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", keyFor(tenant), Buffer.from(iv, "base64url"));
      decipher.setAAD(aad(tenant, name));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    } catch (error) {
      if (error instanceof HeaderSecretError) throw error;
      throw new HeaderSecretError(`header ${name}: cannot be decrypted with this tenant's key`);
    }
  };

  return {
    seal(tenant, headers, previous = {}) {
      const before = new Map(Object.entries(previous).map(([n, v]) => [n.toLowerCase(), v]));
      const out: Headers = {};
      for (const [name, value] of Object.entries(headers)) {
        if (!isSensitiveHeader(name) || isSealed(value)) {
          out[name] = value;
          continue;
        }
        const old = before.get(name.toLowerCase());
        const oldSealed = old !== undefined && isSealed(old) ? old : undefined;
        if (value === MASK && oldSealed) out[name] = oldSealed;
        else if (oldSealed && decrypt(tenant, name, oldSealed) === value) out[name] = oldSealed;
        else out[name] = encrypt(tenant, name, value);
      }
      return out;
    },
    open(tenant, headers) {
      const out: Headers = {};
      for (const [name, value] of Object.entries(headers)) {
        out[name] = isSealed(value) ? decrypt(tenant, name, value) : value;
      }
      return out;
    },
  };
}
