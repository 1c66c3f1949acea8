/**
 * The local runtime is its own token issuer: one ES256 key pair, made once and kept under
 * `<dataDir>/auth/`, signs tokens (dev token, `jobledger token mint`) and its public half
 * verifies them.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, SignJWT } from "jose";
import type { Role } from "../../auth/principal.ts";

export const LOCAL_ISSUER = "jobledger-local";
export const LOCAL_AUDIENCE = "jobledger";
const ALG = "ES256";

export interface LocalIssuer {
  issuer: string;
  audience: string;
  /** the public key set tokens are verified with */
  jwks: JSONWebKeySet;
  mint(claims: MintClaims): Promise<string>;
}

export interface MintClaims {
  tenant: string;
  role: Role;
  subject: string;
  /** lifetime in seconds */
  ttlSeconds: number;
  now?: Date;
}

const keyFile = (dataDir: string) => path.join(dataDir, "auth", "issuer-key.jwk.json");

/** Loads the key pair from the data folder, making it on first use. */
export async function localIssuer(dataDir: string, options: { create?: boolean } = {}): Promise<LocalIssuer> {
  const file = keyFile(dataDir);
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(await readFile(file, "utf8")) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" || options.create === false) throw error;
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), alg: ALG, kid: `local-${Date.now().toString(36)}` };
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      await writeFile(file, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600, flag: "wx" });
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code !== "EEXIST") throw writeError;
      privateJwk = JSON.parse(await readFile(file, "utf8")) as JWK; // another process won the race
    }
  }
  const { d: _private, ...publicJwk } = privateJwk;
  const signingKey = await importJWK(privateJwk, ALG);
  return {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    jwks: { keys: [{ ...publicJwk, use: "sig" }] },
    mint({ tenant, role, subject, ttlSeconds, now = new Date() }) {
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({ tenant, role })
        .setProtectedHeader({ alg: ALG, kid: privateJwk.kid ?? "local" })
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setSubject(subject)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSeconds)
        .sign(signingKey);
    },
  };
}

/** "90s", "15m", "1h", "30d" or plain seconds → seconds; null when unreadable. */
export function parseTtl(text: string): number | null {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) return null;
  const n = Number(match[1]);
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as "" | "s" | "m" | "h" | "d"];
  return n > 0 ? n * unit : null;
}
