/**
 * Small pure helpers for literal IP addresses: canonical form, the 16 bytes of an IPv6
 * address, and the IPv4 address some IPv6 forms carry inside (mapped, compatible, NAT64,
 * 6to4). `node:net` validates (`isIP`); nothing here does I/O.
 */
import { isIP } from "node:net";

/** Removes URL brackets and an IPv6 zone ("fe80::1%eth0") from an address. */
export function bareAddress(address: string): string {
  const unbracketed = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const zone = unbracketed.indexOf("%");
  return zone === -1 ? unbracketed : unbracketed.slice(0, zone);
}

/** 4 or 6 for a literal IP address (brackets and zone allowed), 0 otherwise. */
export function ipFamily(address: string): 0 | 4 | 6 {
  return isIP(bareAddress(address)) as 0 | 4 | 6;
}

/** The 16 bytes of a valid IPv6 address (a trailing dotted IPv4 part allowed). */
export function ipv6Bytes(address: string): Uint8Array {
  const bare = bareAddress(address);
  if (isIP(bare) !== 6) throw new Error(`not an IPv6 address: ${address}`);
  let text = bare.toLowerCase();
  const bytes = new Uint8Array(16);
  // a dotted IPv4 tail becomes two hex groups
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const groups = (part: string | undefined) =>
    part ? part.split(":").map((g) => Number.parseInt(g, 16)) : [];
  const front = groups(head);
  const back = groups(rest);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

const dotted = (b: Uint8Array, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const allZero = (b: Uint8Array, from: number, to: number) => b.slice(from, to).every((x) => x === 0);

export type EmbeddingForm = "IPv4-mapped" | "IPv4-compatible" | "NAT64" | "6to4";

/** The IPv4 address an IPv6 address carries, and in which form; null when it carries none. */
export function embeddedIpv4(address: string): { ipv4: string; form: EmbeddingForm } | null {
  const b = ipv6Bytes(address);
  // ::ffff:a.b.c.d
  if (allZero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff)
    return { ipv4: dotted(b, 12), form: "IPv4-mapped" };
  // ::a.b.c.d (deprecated), but not :: and ::1 themselves
  if (allZero(b, 0, 12) && !allZero(b, 12, 15)) return { ipv4: dotted(b, 12), form: "IPv4-compatible" };
  // 64:ff9b::a.b.c.d (RFC 6052 well-known NAT64 prefix)
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && allZero(b, 4, 12)) {
    return { ipv4: dotted(b, 12), form: "NAT64" };
  }
  // 2002:aabb:ccdd::/48 (6to4)
  if (b[0] === 0x20 && b[1] === 0x02) return { ipv4: dotted(b, 2), form: "6to4" };
  return null;
}
