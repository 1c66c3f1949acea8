/** SSRF target policy: a table of refused and allowed targets, IPv6 forms, and the allow-list. */
import { describe, expect, it } from "vitest";
import {
  checkResolvedAddress,
  checkTarget,
  EMPTY_ALLOW_LIST,
  forbiddenAddressReason,
  InvalidAllowListEntry,
  parseTargetAllowList,
} from "../src/domain/job/target-policy.ts";
import { embeddedIpv4, ipv6Bytes } from "../src/domain/net/ip-address.ts";

const check = (url: string, allow: string[] = []) =>
  checkTarget(new URL(url), allow.length ? parseTargetAllowList(allow) : EMPTY_ALLOW_LIST);

// [url, why it is refused]
const refused: [string, RegExp][] = [
  ["http://127.0.0.1/", /loopback/],
  ["http://127.8.9.10:8080/x", /loopback/],
  ["http://0x7f.1/", /loopback/], // hex shorthand, normalised by URL parsing
  ["http://2130706433/", /loopback/], // 127.0.0.1 as one number
  ["http://0177.0.0.1/", /loopback/], // octal
  ["http://10.1.2.3/", /private \(RFC 1918\)/],
  ["http://172.16.0.1/", /private/],
  ["http://172.31.255.255/", /private/],
  ["http://192.168.1.1/", /private/],
  ["http://169.254.169.254/latest/meta-data/", /link-local .*cloud metadata/],
  ["http://100.64.0.1/", /carrier-grade NAT/],
  ["http://100.127.255.254/", /carrier-grade NAT/],
  ["http://0.0.0.0/", /unspecified/],
  ["http://224.0.0.1/", /multicast/],
  ["http://239.255.255.250:1900/", /multicast/],
  ["http://255.255.255.255/", /broadcast/],
  ["http://[::1]/", /loopback/],
  ["http://[::]/", /unspecified/],
  ["http://[fc00::1]/", /unique-local/],
  ["http://[fd00:ec2::254]/", /unique-local .*cloud metadata/],
  ["http://[fe80::1]/", /link-local/],
  ["http://[febf:ffff::1]/", /link-local/],
  ["http://[ff02::1]/", /multicast/],
  ["http://[::ffff:127.0.0.1]/", /IPv4-mapped IPv6 form of a loopback address \(127\.0\.0\.1\)/],
  ["http://[::ffff:a9fe:a9fe]/", /IPv4-mapped .*link-local .*169\.254\.169\.254/],
  ["http://[::ffff:10.0.0.1]:8443/", /IPv4-mapped .*private/],
  ["http://[::127.0.0.1]/", /IPv4-compatible .*loopback/],
  ["http://[64:ff9b::192.168.0.1]/", /NAT64 .*private/],
  ["http://[2002:7f00:1::1]/", /6to4 .*loopback/],
  // special-purpose ranges a hand-kept list missed (issue 16, item 8), from ipaddr.js's table
  ["http://198.18.0.1/", /reserved .*benchmarking/], // 198.18.0.0/15, RFC 2544
  ["http://198.19.255.255/", /reserved/],
  ["http://192.0.0.192/", /reserved .*IETF protocol assignments/], // 192.0.0.0/24
  ["http://192.0.0.8/", /reserved/],
  ["http://192.0.2.10/", /reserved/], // TEST-NET-1
  ["http://203.0.113.7/", /reserved/], // TEST-NET-3
  ["http://192.88.99.1/", /reserved/], // 6to4 relay anycast
  ["http://[::ffff:198.18.0.1]/", /IPv4-mapped IPv6 form of a reserved .*\(198\.18\.0\.1\)/],
  ["http://[::ffff:c000:c0]/", /IPv4-mapped .*reserved .*\(192\.0\.0\.192\)/],
  ["http://[64:ff9b::c612:1]/", /NAT64 .*reserved .*198\.18\.0\.1/],
  ["http://[2002:c612:1::1]/", /6to4 .*reserved .*198\.18\.0\.1/],
  ["http://[2002:c000:c0::1]/", /6to4 .*reserved .*192\.0\.0\.192/],
  ["http://[2001:2::1]/", /benchmarking/], // the IPv6 benchmarking range, RFC 5180
  ["http://[2001:db8::1]/", /reserved/], // documentation
  ["http://[2001::1]/", /Teredo/],
  ["http://[100::1]/", /discard-only/],
  ["http://[fec0::1]/", /site-local/],
  ["http://[64:ff9b:1::1]/", /NAT64/], // local-use NAT64 prefix, RFC 8215
  ["http://localhost/", /loopback name/],
  ["http://LOCALHOST:3000/", /loopback name/],
  ["http://localhost./", /loopback name/],
  ["http://api.localhost/", /loopback name/],
  ["http://metadata.google.internal/computeMetadata/v1/", /cloud metadata name/],
  ["http://db.corp.internal/", /internal name/],
];

const allowed = [
  "https://example.com/",
  "https://api.example.com:8443/hook",
  "http://8.8.8.8/",
  "http://172.15.255.255/", // just below 172.16/12
  "http://172.32.0.1/", // just above
  "http://100.63.255.255/", // just below 100.64/10
  "http://100.128.0.1/", // just above
  "http://169.255.0.1/",
  "http://192.169.0.1/",
  "http://[2001:4860:4860::8888]/",
  "http://[::ffff:8.8.8.8]/",
  "http://[64:ff9b::8.8.8.8]/",
  "http://[2002:0808:0808::1]/",
  "http://198.17.255.255/", // just below 198.18.0.0/15
  "http://198.20.0.1/", // just above
  "http://192.0.1.1/", // beside 192.0.0.0/24
  "http://[2001:4860::1]/", // just above 2001::/23 (protocol assignments)
  "http://[2a00:1450:4001::1]/",
  "http://localhost.example.com/",
  "http://internal.example.com/",
  "http://myinternal/",
];

describe("checkTarget refuses by default", () => {
  it.each(refused)("%s", (url, why) => {
    const reason = check(url);
    expect(reason).toMatch(why);
    expect(reason).toContain("unless the target allow-list permits it");
  });
});

describe("checkTarget allows public targets", () => {
  it.each(allowed)("%s", (url) => {
    expect(check(url)).toBeNull();
  });

  it("refuses schemes other than http and https", () => {
    expect(check("ftp://example.com/")).toBe("only http and https targets are allowed");
  });
});

describe("the allow-list", () => {
  const cases: [entries: string[], url: string, ok: boolean][] = [
    [["localhost:8080"], "http://localhost:8080/", true],
    [["localhost:8080"], "http://localhost:9090/", false],
    [["localhost"], "http://localhost:9090/", true],
    [["LocalHost"], "http://localhost/", true],
    [["127.0.0.1:80"], "http://127.0.0.1/", true], // default port of http
    [["127.0.0.1:80"], "https://127.0.0.1/", false], // https is 443
    [["10.0.0.0/8"], "http://10.200.3.4:5000/", true],
    [["10.0.0.0/8"], "http://[::ffff:10.1.2.3]/", true], // the mapped form of an allowed address
    [["10.0.0.0/8"], "http://192.168.1.1/", false],
    [["10.0.0.0/8"], "http://localhost/", false], // a CIDR never allows a name
    [["fd00::/8"], "http://[fd12:3456::1]/", true],
    [["fd00::/8"], "http://[fc00::1]/", false],
    [["[::1]:3000"], "http://[::1]:3000/", true],
    [["[::1]:3000"], "http://[::1]:3001/", false],
    [["::1"], "http://[::1]:4000/", true],
    [["0:0:0:0:0:0:0:1"], "http://[::1]/", true], // canonicalised like URLs are
    [["*.internal"], "http://api.internal/", true],
    [["*.corp.internal:443"], "https://db.corp.internal/", true],
    [["*.corp.internal:443"], "http://db.corp.internal/", false],
    [["169.254.169.254/32", "localhost"], "http://169.254.169.254/", true],
    [["198.18.0.0/15"], "http://198.19.1.2/", true], // a lab network on benchmarking addresses
    [["198.18.0.0/15"], "http://[::ffff:198.18.0.1]/", true],
    [["198.18.0.0/15"], "http://192.0.0.192/", false],
    [["192.0.0.192/32"], "http://192.0.0.192/", true],
    [["2001:2::/48"], "http://[2001:2::5]/", true],
  ];
  it.each(cases)("%j with %s → allowed %s", (entries, url, ok) => {
    const reason = check(url, entries);
    if (ok) expect(reason).toBeNull();
    else expect(reason).toMatch(/may not target/);
  });

  it("refuses malformed entries with a message naming the entry", () => {
    for (const entry of [
      "",
      "10.0.0.0/33",
      "::/129",
      "host:0",
      "host:99999",
      "example.com/8",
      "*.10.0.0.1",
      "http://x",
    ]) {
      expect(() => parseTargetAllowList([entry]), entry).toThrow(InvalidAllowListEntry);
    }
    expect(() => parseTargetAllowList(["10.0.0.0/33"])).toThrow(
      'target allow-list entry "10.0.0.0/33" is invalid',
    );
  });
});

describe("checkResolvedAddress (for the runner at connect time)", () => {
  const url = new URL("https://hooks.example.com/x");
  it("refuses a public name that resolves to a forbidden address", () => {
    expect(checkResolvedAddress(url, "127.0.0.1", EMPTY_ALLOW_LIST)).toMatch(
      /hooks\.example\.com resolves to 127\.0\.0\.1, a loopback address/,
    );
    expect(checkResolvedAddress(url, "::ffff:10.0.0.1", EMPTY_ALLOW_LIST)).toMatch(/IPv4-mapped .*private/);
    expect(checkResolvedAddress(url, "fe80::1%eth0", EMPTY_ALLOW_LIST)).toMatch(/link-local/);
    expect(checkResolvedAddress(url, "198.18.0.1", EMPTY_ALLOW_LIST)).toMatch(
      /resolves to 198\.18\.0\.1, a reserved/,
    );
    expect(checkResolvedAddress(url, "192.0.0.192", EMPTY_ALLOW_LIST)).toMatch(/resolves to 192\.0\.0\.192/);
    expect(checkResolvedAddress(url, "2001:2::1", EMPTY_ALLOW_LIST)).toMatch(/benchmarking/);
    expect(checkResolvedAddress(url, "198.18.0.1", parseTargetAllowList(["198.18.0.0/15"]))).toBeNull();
  });
  it("lets public addresses through, and forbidden ones the allow-list names", () => {
    expect(checkResolvedAddress(url, "93.184.216.34", EMPTY_ALLOW_LIST)).toBeNull();
    expect(checkResolvedAddress(url, "10.0.0.1", parseTargetAllowList(["hooks.example.com"]))).toBeNull();
    expect(checkResolvedAddress(url, "10.0.0.1", parseTargetAllowList(["10.0.0.0/24"]))).toBeNull();
    expect(checkResolvedAddress(url, "10.0.1.1", parseTargetAllowList(["10.0.0.0/24"]))).toMatch(/private/);
  });
  it("still applies the name rules", () => {
    expect(checkResolvedAddress(new URL("http://localhost/"), "8.8.8.8", EMPTY_ALLOW_LIST)).toMatch(
      /loopback name/,
    );
  });
});

describe("IP address helpers", () => {
  it("expands IPv6 addresses, with a dotted IPv4 tail too", () => {
    expect([...ipv6Bytes("::1")]).toEqual([...new Array(15).fill(0), 1]);
    expect([...ipv6Bytes("[::ffff:1.2.3.4]")].slice(10)).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect([...ipv6Bytes("2001:db8::8:800:200c:417a")]).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0x08, 0x08, 0, 0x20, 0x0c, 0x41, 0x7a,
    ]);
    expect(() => ipv6Bytes("1.2.3.4")).toThrow("not an IPv6 address");
  });
  it("finds the IPv4 address inside mapped, compatible, NAT64 and 6to4 forms", () => {
    expect(embeddedIpv4("::ffff:7f00:1")).toEqual({ ipv4: "127.0.0.1", form: "IPv4-mapped" });
    expect(embeddedIpv4("::a00:1")).toEqual({ ipv4: "10.0.0.1", form: "IPv4-compatible" });
    expect(embeddedIpv4("64:ff9b::c0a8:1")).toEqual({ ipv4: "192.168.0.1", form: "NAT64" });
    expect(embeddedIpv4("2002:a9fe:a9fe::")).toEqual({ ipv4: "169.254.169.254", form: "6to4" });
    expect(embeddedIpv4("::1")).toBeNull();
    expect(embeddedIpv4("2001:db8::1")).toBeNull();
  });
  it("forbiddenAddressReason is null for names and public addresses", () => {
    expect(forbiddenAddressReason("example.com")).toBeNull();
    expect(forbiddenAddressReason("1.1.1.1")).toBeNull();
    expect(forbiddenAddressReason("[fd00:ec2::254]")).toMatch(/unique-local/);
  });
});
