// Which addresses a source may point at. Feeds come from the public internet; an operator (or an
// attacker with a crafted URL) must not make us read loopback, the LAN or a cloud metadata service.
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

const ranges: Array<[string, number, "ipv4" | "ipv6", string]> = [
  ["0.0.0.0", 8, "ipv4", "unspecified"],
  ["10.0.0.0", 8, "ipv4", "private"],
  ["100.64.0.0", 10, "ipv4", "shared (CGNAT)"],
  ["127.0.0.0", 8, "ipv4", "loopback"],
  ["169.254.0.0", 16, "ipv4", "link-local"],
  ["172.16.0.0", 12, "ipv4", "private"],
  ["192.0.0.0", 24, "ipv4", "reserved"],
  ["192.168.0.0", 16, "ipv4", "private"],
  ["198.18.0.0", 15, "ipv4", "benchmarking"],
  ["224.0.0.0", 4, "ipv4", "multicast"],
  ["240.0.0.0", 4, "ipv4", "reserved"],
  ["::", 128, "ipv6", "unspecified"],
  ["::1", 128, "ipv6", "loopback"],
  ["64:ff9b::", 96, "ipv6", "NAT64"],
  ["fc00::", 7, "ipv6", "unique local"],
  ["fe80::", 10, "ipv6", "link-local"],
  ["ff00::", 8, "ipv6", "multicast"],
];
const rules = ranges.map(([net, prefix, family, label]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  return { list, family, label };
});

/** Why an IP address is not public, or null when it is. */
export function nonPublicReason(ip: string): string | null {
  const family = isIP(ip) === 6 ? "ipv6" : "ipv4";
  if (family === "ipv6") {
    // BlockList matches IPv4 rules against IPv4-mapped IPv6 addresses; name those by the IPv4 rule
    // they hit, and refuse the rest of ::ffff:0:0/96 too (a mapped public address is still a trick).
    const canonical = new URL(`http://[${ip}]/`).hostname;
    if (canonical.startsWith("[::ffff:")) {
      const v4 = rules.find((r) => r.family === "ipv4" && r.list.check(ip, "ipv6"));
      return v4?.label ?? "IPv4-mapped";
    }
  }
  return rules.find((r) => r.family === family && r.list.check(ip, family))?.label ?? null;
}

export class AddressRefusedError extends Error {
  override name = "AddressRefusedError";
}

const hint = "set FEEDLOOM_ALLOW_PRIVATE_NETWORKS=1 to allow private networks";

/** The refusal for connecting to `address` (an IP) on behalf of `host`, or null when it is public. */
export function addressRefusal(host: string, address: string): AddressRefusedError | null {
  const reason = nonPublicReason(address);
  return reason ? new AddressRefusedError(`refused: ${host} is a ${reason} address (${address}); ${hint}`) : null;
}

/**
 * The check made on every hop before requesting it: the scheme, and hosts written as IP literals
 * (the URL parser has already turned `2130706433` or `0x7f.1` into `127.0.0.1`). Names are checked
 * where they are resolved, when connecting (see agent.ts), so a second answer cannot slip past.
 */
export function urlRefusal(url: URL, allowPrivate: boolean): AddressRefusedError | null {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return new AddressRefusedError(`refused: only http and https URLs can be fetched, not ${url.protocol}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return allowPrivate || !isIP(host) ? null : addressRefusal(url.hostname, host);
}

/**
 * Refuse non-http(s) URLs always, and hosts resolving to non-public addresses unless allowed.
 * For early feedback (adding a source); fetching relies on the connect-time check instead.
 */
export async function assertFetchable(url: URL, allowPrivate: boolean): Promise<void> {
  const refused = urlRefusal(url, allowPrivate);
  if (refused) throw refused;
  if (allowPrivate || isIP(url.hostname.replace(/^\[|\]$/g, ""))) return;
  for (const { address } of await lookup(url.hostname, { all: true, verbatim: true })) {
    const refusal = addressRefusal(url.hostname, address);
    if (refusal) throw refusal;
  }
}
