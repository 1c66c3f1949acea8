/**
 * Which request headers of a job hold secrets, and how long a secret may be. The values of
 * these headers are stored sealed (`auth/header-secrets`: `enc:v1:<iv>.<ciphertext>.<tag>`),
 * which makes them longer than what the client sent; the definition rules check the plain
 * value against {@link SECRET_HEADER_VALUE_MAX} before it is sealed, so a client learns the
 * limit of what it sends, not of the ciphertext.
 */

export const SEALED_PREFIX = "enc:v1:";
export const MASK = "***";

const SENSITIVE = new Set(["authorization", "proxy-authorization", "cookie", "x-api-key"]);

export function isSensitiveHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SENSITIVE.has(lower) || /-(token|secret|key)$/.test(lower);
}

export const isSealed = (value: string) => value.startsWith(SEALED_PREFIX);

/** The limit of any stored header value (sealed ones included). */
export const HEADER_VALUE_MAX = 8192;

/**
 * The most UTF-8 bytes a secret header's plain value may have: its sealed form (prefix, 16
 * characters of IV, base64url of the bytes, 22 of tag, two dots) must fit {@link HEADER_VALUE_MAX}.
 * 8145 characters of base64url hold 6108 bytes; 6000 leaves room and reads well.
 */
export const SECRET_HEADER_VALUE_MAX = 6000;

const utf8 = new TextEncoder();

/** The problem with a header value, worded for `request.headers.<name>`, or null. */
export function headerValueProblem(name: string, value: string): string | null {
  if (isSensitiveHeader(name) && !isSealed(value)) {
    if (value.length > SECRET_HEADER_VALUE_MAX || utf8.encode(value).length > SECRET_HEADER_VALUE_MAX) {
      return `request.headers.${name} must be at most ${SECRET_HEADER_VALUE_MAX} bytes: it holds a secret, which is stored encrypted (and so longer, within the ${HEADER_VALUE_MAX}-character header limit)`;
    }
    return null;
  }
  if (value.length > HEADER_VALUE_MAX)
    return `request.headers.${name} must be at most ${HEADER_VALUE_MAX} characters`;
  return null;
}
