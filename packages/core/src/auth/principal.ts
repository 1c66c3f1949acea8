/**
 * Who is calling: the tenant and role come only from a verified credential (a JWT or an API
 * key), never from the request body or a header the caller controls.
 */

/**
 * `viewer ⊂ editor ⊂ admin` act in one tenant. `operator` is the platform's own staff (ADR
 * 0012): admin in its own tenant, and the only role that sees system-wide figures and every
 * tenant's parked records. It comes only from a JWT of the platform's issuer, never from an
 * API key (a tenant admin must not mint a key that crosses tenants).
 */
export const ROLES = ["viewer", "editor", "admin", "operator"] as const;
export type Role = (typeof ROLES)[number];

/** The roles an API key may have: a tenant's admin creates them, so none crosses tenants. */
export const TENANT_ROLES = ["viewer", "editor", "admin"] as const satisfies readonly Role[];

export type PrincipalKind = "user" | "apiKey";

export interface Principal {
  tenant: string;
  /** the JWT `sub`, or the API key's id */
  subject: string;
  role: Role;
  kind: PrincipalKind;
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** true when `role` grants at least what `required` grants (admin ⊃ editor ⊃ viewer) */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** Whose system-wide data a principal sees: null = every tenant's (an operator), else one tenant's. */
export function tenantScope(principal: Principal): string | null {
  return principal.role === "operator" ? null : principal.tenant;
}

/** The actor recorded in events: `user:<sub>` or `apikey:<id>`. */
export function actorOf(principal: Principal): string {
  return principal.kind === "apiKey" ? `apikey:${principal.subject}` : `user:${principal.subject}`;
}

/**
 * The one grammar of tenant ids, wherever a tenant comes from (a JWT claim, an API key's
 * record, JOBLEDGER_DEFAULT_TENANT, `token mint --tenant`): they are part of every key, so a
 * safe alphabet. Case is significant: `acme` and `Acme` are two tenants, and every store keeps
 * the case in its keys (the notifications table did not; see notify/migrate-key-casing.ts).
 */
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function isTenantId(value: unknown): value is string {
  return typeof value === "string" && TENANT_PATTERN.test(value);
}

/** Why a credential was refused; the API answers 401 for every one of these. */
export class AuthenticationError extends Error {
  override readonly name = "AuthenticationError";
}
