/**
 * The one table that says which role each API route needs. The API middleware applies it to
 * every /v1 request before any route runs; nothing else checks roles.
 */
import type { Role } from "./principal.ts";

export interface PolicyRule {
  /** HTTP methods, or "*" for any */
  methods: readonly string[] | "*";
  /** matches the request path */
  path: RegExp;
  role: Role;
}

/** First match wins. */
export const POLICY: readonly PolicyRule[] = [
  { methods: "*", path: /^\/v1\/api-keys(\/.*)?$/, role: "admin" },
  // parked change records: what a consumer could not handle, and retrying it after a fix
  { methods: "*", path: /^\/v1\/system\/parked(\/.*)?$/, role: "admin" },
  { methods: ["GET", "HEAD", "OPTIONS"], path: /^\/v1(\/.*)?$/, role: "viewer" },
  { methods: "*", path: /^\/v1(\/.*)?$/, role: "editor" },
];

/** The role a request needs; null when the path is public (not under /v1). */
export function requiredRole(method: string, path: string): Role | null {
  const m = method.toUpperCase();
  for (const rule of POLICY) {
    if (!rule.path.test(path)) continue;
    if (rule.methods === "*" || rule.methods.includes(m)) return rule.role;
  }
  return null;
}
