/**
 * Target safety (SSRF): which hosts a job may call. Literal IPs in any special-purpose range
 * (loopback, private, link-local incl. cloud metadata, unspecified, CGNAT, multicast,
 * broadcast, benchmarking `198.18.0.0/15`, IETF protocol assignments `192.0.0.0/24`,
 * documentation, reserved, … and their IPv6 counterparts), IPv6 forms that carry such an
 * IPv4 address, and names like `localhost` or `*.internal` are refused unless an allow-list
 * entry (`host`, `host:port`, `*.suffix` or a CIDR) permits them. Only what `ipaddr.js`
 * classifies as plain `unicast` may be called: its range table follows the IANA
 * special-purpose address registries, so a range added there is refused here without a
 * hand-kept list (issue 16, item 8).
 *
 * `checkTarget` runs when a job is defined (names are not resolved: pure computation);
 * the runner calls `checkResolvedAddress` with the address it is about to connect to, which
 * catches names that resolve to forbidden addresses (DNS rebinding, `127.0.0.1.nip.io`).
 */
import { BlockList } from "node:net";
import ipaddr from "ipaddr.js";
import { bareAddress, embeddedIpv4, ipFamily } from "../net/ip-address.ts";

/** How `ipaddr.js`'s range names read in a refusal; unknown (newer) names get a generic one. */
const RANGE_WORDS: Record<string, string> = {
  unspecified: "an unspecified (this-network) address",
  broadcast: "the broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address (incl. cloud metadata)",
  loopback: "a loopback address",
  carrierGradeNat: "a carrier-grade NAT (RFC 6598) address",
  private: "a private (RFC 1918) address",
  reserved: "a reserved address (IETF protocol assignments, benchmarking, documentation or future use)",
  as112: "an AS112 (DNS sink) address",
  amt: "an AMT relay address",
  uniqueLocal: "a unique-local (private) address (incl. cloud metadata)",
  ipv4Mapped: "an IPv4-mapped address",
  deprecatedSiteLocal: "a site-local address",
  discard: "a discard-only address",
  rfc6145: "an IPv4-translated (RFC 6145) address",
  rfc6052: "a NAT64 (RFC 6052) address",
  "6to4": "a 6to4 address",
  teredo: "a Teredo tunnelling address",
  benchmarking: "a benchmarking address",
  as112v6: "an AS112 (DNS sink) address",
  deprecatedOrchid: "an ORCHID address",
  orchid2: "an ORCHID address",
  droneRemoteIdProtocolEntityTags: "a drone remote ID (DRIP) address",
  segmentRouting: "a segment-routing address",
};
const V6_WORDS: Record<string, string> = {
  unspecified: "the unspecified address",
  linkLocal: "a link-local address",
};

/** Why a literal IP address may not be a target by default, or null when it may. */
export function forbiddenAddressReason(address: string): string | null {
  const ip = bareAddress(address).toLowerCase();
  const family = ipFamily(ip);
  if (family === 0) return null;
  if (family === 6) {
    // an IPv6 form that carries an IPv4 address is judged by that address
    const embedded = embeddedIpv4(ip);
    if (embedded) {
      const inner = forbiddenAddressReason(embedded.ipv4);
      return inner ? `the ${embedded.form} IPv6 form of ${inner} (${embedded.ipv4})` : null;
    }
  }
  let range: string;
  try {
    range = ipaddr.parse(ip).range();
  } catch {
    return "an address that could not be classified"; // valid for node:net, not for ipaddr.js
  }
  if (range === "unicast") return null;
  return (
    (family === 6 ? V6_WORDS[range] : undefined) ??
    RANGE_WORDS[range] ??
    `a special-purpose (${range}) address`
  );
}

/** Why a host name may not be a target by default, or null when it may (names are not resolved). */
export function forbiddenHostnameReason(hostname: string): string | null {
  const name = hostname.toLowerCase().replace(/\.+$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return "a loopback name";
  if (name === "metadata.google.internal") return "a cloud metadata name";
  if (name === "internal" || name.endsWith(".internal")) return "an internal name (*.internal)";
  return null;
}

// ---- the allow-list ---------------------------------------------------------------------------

type AllowEntry =
  | { kind: "host"; host: string; port: number | null; text: string }
  | { kind: "suffix"; suffix: string; port: number | null; text: string }
  | { kind: "cidr"; list: BlockList; text: string };

/** A parsed allow-list; build one with `parseTargetAllowList`. */
export interface TargetAllowList {
  readonly entries: readonly AllowEntry[];
}

export const EMPTY_ALLOW_LIST: TargetAllowList = { entries: [] };

export class InvalidAllowListEntry extends Error {
  override readonly name = "InvalidAllowListEntry";
  constructor(
    readonly entry: string,
    reason: string,
  ) {
    super(`target allow-list entry "${entry}" is invalid: ${reason}`);
  }
}

/** Lower-cases and canonicalises a host the way URL parsing does (IPv6 compressed, no brackets). */
function canonicalHost(host: string): string | null {
  const forUrl = ipFamily(host) === 6 && !host.startsWith("[") ? `[${host}]` : host;
  try {
    const parsed = new URL(`http://${forUrl}/`);
    return parsed.port === "" && parsed.username === ""
      ? bareAddress(parsed.hostname).replace(/\.+$/, "")
      : null;
  } catch {
    return null;
  }
}

function parsePort(text: string, entry: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535) {
    throw new InvalidAllowListEntry(entry, `port "${text}" must be from 1 to 65535`);
  }
  return port;
}

function parseEntry(raw: string): AllowEntry {
  const text = raw.trim();
  if (text === "") throw new InvalidAllowListEntry(raw, "it is empty");
  if (text.includes("/")) {
    const [network = "", prefixText = ""] = text.split("/");
    const family = ipFamily(network);
    const prefix = Number(prefixText);
    const maxPrefix = family === 4 ? 32 : 128;
    if (family === 0 || network !== bareAddress(network))
      throw new InvalidAllowListEntry(raw, "a CIDR needs an IP address");
    if (!/^\d{1,3}$/.test(prefixText) || prefix > maxPrefix) {
      throw new InvalidAllowListEntry(raw, `the prefix length must be from 0 to ${maxPrefix}`);
    }
    const list = new BlockList();
    list.addSubnet(network, prefix, family === 4 ? "ipv4" : "ipv6");
    return { kind: "cidr", list, text };
  }
  let host = text;
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] ?? "";
    if (bracketed[2] !== undefined) port = parsePort(bracketed[2], raw);
  } else if (ipFamily(text) !== 6 && text.includes(":")) {
    const at = text.lastIndexOf(":");
    host = text.slice(0, at);
    port = parsePort(text.slice(at + 1), raw);
  }
  if (host.startsWith("*.")) {
    const suffix = canonicalHost(host.slice(2));
    if (!suffix || ipFamily(suffix) !== 0)
      throw new InvalidAllowListEntry(raw, "a wildcard needs a domain (*.example.com)");
    return { kind: "suffix", suffix, port, text };
  }
  const canonical = canonicalHost(host);
  if (!canonical) throw new InvalidAllowListEntry(raw, "it is not a host, host:port or CIDR");
  return { kind: "host", host: canonical, port, text };
}

/** Parses allow-list entries (`host`, `host:port`, `[v6]:port`, `*.suffix`, `a.b.c.d/n`, `v6/n`). */
export function parseTargetAllowList(entries: readonly string[]): TargetAllowList {
  return { entries: entries.map(parseEntry) };
}

function addressAllowed(allow: TargetAllowList, address: string): boolean {
  const ip = bareAddress(address).toLowerCase();
  const family = ipFamily(ip);
  if (family === 0) return false;
  const inner = family === 6 ? embeddedIpv4(ip)?.ipv4 : undefined;
  return allow.entries.some(
    (e) =>
      e.kind === "cidr" &&
      (e.list.check(ip, family === 4 ? "ipv4" : "ipv6") ||
        (inner !== undefined && e.list.check(inner, "ipv4"))),
  );
}

function hostAllowed(allow: TargetAllowList, host: string, port: number): boolean {
  return allow.entries.some((e) => {
    if (e.kind === "host") return e.host === host && (e.port === null || e.port === port);
    if (e.kind === "suffix") return host.endsWith(`.${e.suffix}`) && (e.port === null || e.port === port);
    return false;
  });
}

function targetOf(url: URL): { host: string; port: number } {
  const host = bareAddress(url.hostname.toLowerCase()).replace(/\.+$/, "");
  const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return { host, port };
}

const advice = "unless the target allow-list permits it";

/**
 * Null when a job may call `url`, otherwise why not. Literal IPs and well-known internal
 * names are checked; other names are left to `checkResolvedAddress` at connect time.
 */
export function checkTarget(url: URL, allow: TargetAllowList): string | null {
  if (url.protocol !== "http:" && url.protocol !== "https:") return "only http and https targets are allowed";
  const { host, port } = targetOf(url);
  const reason = ipFamily(host) === 0 ? forbiddenHostnameReason(host) : forbiddenAddressReason(host);
  if (reason === null) return null;
  if (hostAllowed(allow, host, port) || addressAllowed(allow, host)) return null;
  return `${url.host} is ${reason}, which jobs may not target ${advice}`;
}

/**
 * For the runner, at connect time: null when `url` may be reached at `address` (what its
 * host resolved to), otherwise why not. An allow-list entry for the URL's host (and port)
 * or a CIDR holding the address permits a forbidden address.
 */
export function checkResolvedAddress(url: URL, address: string, allow: TargetAllowList): string | null {
  const byName = checkTarget(url, allow);
  if (byName) return byName;
  const reason = forbiddenAddressReason(address);
  if (reason === null) return null;
  const { host, port } = targetOf(url);
  if (hostAllowed(allow, host, port) || addressAllowed(allow, address)) return null;
  return `${url.host} resolves to ${bareAddress(address)}, ${reason}, which jobs may not target ${advice}`;
}
