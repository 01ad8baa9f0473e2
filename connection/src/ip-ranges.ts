import ipaddr from "ipaddr.js";

/**
 * Which IP addresses are public. Tables from IANA's IPv4 and IPv6 Special-Purpose Address
 * Registries (every block whose "Globally Reachable" is False), multicast, and the cloud metadata
 * endpoints. ipaddr.js (2.5.x) supplies the address objects and CIDR matching; its own `range()`
 * is not enough on its own:
 * - it answers 'ipv4Mapped' / 'rfc6052' / '6to4' / 'teredo' for IPv6 addresses that embed an IPv4
 *   address, without looking at that address: ::ffff:127.0.0.1 and 64:ff9b::a00:1 are "not
 *   unicast" but carry no class, and 2002:7f00:1:: (6to4 of 127.0.0.1) is plain 'unicast'. We
 *   judge such addresses by the embedded IPv4 address.
 * - it has no IPv4-compatible ::a.b.c.d (deprecated ::/96), no dummy prefix 100:0:0:1::/64, no
 *   cloud metadata addresses (169.254.169.254, fd00:ec2::254, 168.63.129.16, …).
 * - it lumps IANA's "globally reachable" anycast blocks (AS112, AMT) with reserved ones.
 * IPv6 is public only inside 2000::/3 (global unicast); everything else is refused.
 */

export type IpClass =
  | "loopback"
  | "private-use"
  | "unique-local"
  | "link-local"
  | "site-local"
  | "shared-address"
  | "this-network"
  | "unspecified"
  | "broadcast"
  | "multicast"
  | "documentation"
  | "benchmarking"
  | "reserved"
  | "metadata"
  | "translation";

export type IpVerdict = { public: true; address: string } | { public: false; address: string; ipClass: IpClass; reason: string };

interface Block {
  cidr: string;
  ipClass: IpClass;
  reason: string;
}

// Order matters: the first match wins, so specific entries (metadata) come before their blocks.
const IPV4_BLOCKS: readonly Block[] = [
  { cidr: "169.254.169.254/32", ipClass: "metadata", reason: "cloud instance metadata endpoint (AWS, GCP, Azure, OCI)" },
  { cidr: "169.254.170.2/32", ipClass: "metadata", reason: "AWS ECS task metadata endpoint" },
  { cidr: "169.254.170.23/32", ipClass: "metadata", reason: "AWS EKS pod identity endpoint" },
  { cidr: "100.100.100.200/32", ipClass: "metadata", reason: "Alibaba Cloud metadata endpoint" },
  { cidr: "168.63.129.16/32", ipClass: "metadata", reason: "Azure platform (WireServer) endpoint" },
  { cidr: "255.255.255.255/32", ipClass: "broadcast", reason: "limited broadcast address (RFC 919)" },
  { cidr: "0.0.0.0/8", ipClass: "this-network", reason: '"this network" block 0.0.0.0/8 (RFC 791); 0.0.0.0 reaches the local host' },
  { cidr: "10.0.0.0/8", ipClass: "private-use", reason: "private-use block 10.0.0.0/8 (RFC 1918)" },
  { cidr: "100.64.0.0/10", ipClass: "shared-address", reason: "shared address space 100.64.0.0/10 (carrier-grade NAT, RFC 6598)" },
  { cidr: "127.0.0.0/8", ipClass: "loopback", reason: "loopback block 127.0.0.0/8 (RFC 1122)" },
  { cidr: "169.254.0.0/16", ipClass: "link-local", reason: "link-local block 169.254.0.0/16 (RFC 3927)" },
  { cidr: "172.16.0.0/12", ipClass: "private-use", reason: "private-use block 172.16.0.0/12 (RFC 1918)" },
  // IANA marks 192.0.0.9 and 192.0.0.10 (PCP/TURN anycast) reachable; no database lives there.
  { cidr: "192.0.0.0/24", ipClass: "reserved", reason: "IETF protocol assignments 192.0.0.0/24 (RFC 6890)" },
  { cidr: "192.0.2.0/24", ipClass: "documentation", reason: "documentation block TEST-NET-1 (RFC 5737)" },
  { cidr: "192.88.99.0/24", ipClass: "reserved", reason: "deprecated 6to4 relay anycast 192.88.99.0/24 (RFC 7526)" },
  { cidr: "192.168.0.0/16", ipClass: "private-use", reason: "private-use block 192.168.0.0/16 (RFC 1918)" },
  { cidr: "198.18.0.0/15", ipClass: "benchmarking", reason: "benchmarking block 198.18.0.0/15 (RFC 2544)" },
  { cidr: "198.51.100.0/24", ipClass: "documentation", reason: "documentation block TEST-NET-2 (RFC 5737)" },
  { cidr: "203.0.113.0/24", ipClass: "documentation", reason: "documentation block TEST-NET-3 (RFC 5737)" },
  { cidr: "224.0.0.0/4", ipClass: "multicast", reason: "multicast block 224.0.0.0/4 (RFC 5771)" },
  { cidr: "240.0.0.0/4", ipClass: "reserved", reason: "reserved block 240.0.0.0/4 (RFC 1112)" },
];

const IPV6_BLOCKS: readonly Block[] = [
  { cidr: "fd00:ec2::254/128", ipClass: "metadata", reason: "AWS instance metadata endpoint (IPv6)" },
  { cidr: "::1/128", ipClass: "loopback", reason: "IPv6 loopback ::1 (RFC 4291)" },
  { cidr: "::/128", ipClass: "unspecified", reason: "IPv6 unspecified address :: (RFC 4291)" },
  { cidr: "100::/64", ipClass: "reserved", reason: "discard-only block 100::/64 (RFC 6666)" },
  { cidr: "100:0:0:1::/64", ipClass: "reserved", reason: "dummy IPv6 prefix 100:0:0:1::/64 (RFC 9780)" },
  { cidr: "64:ff9b:1::/48", ipClass: "translation", reason: "local-use IPv4/IPv6 translation prefix 64:ff9b:1::/48 (RFC 8215)" },
  { cidr: "2001:db8::/32", ipClass: "documentation", reason: "documentation block 2001:db8::/32 (RFC 3849)" },
  { cidr: "3fff::/20", ipClass: "documentation", reason: "documentation block 3fff::/20 (RFC 9637)" },
  { cidr: "2001:2::/48", ipClass: "benchmarking", reason: "benchmarking block 2001:2::/48 (RFC 5180)" },
  // Teredo 2001::/32 is judged by its embedded addresses before this table is consulted. The rest
  // of 2001::/23 (IETF protocol assignments: ORCHID, anycast, AMT, …) is refused wholesale: stricter
  // than IANA for a few anycast blocks, none of which hosts a customer database.
  { cidr: "2001::/23", ipClass: "reserved", reason: "IETF protocol assignments 2001::/23 (RFC 2928)" },
  { cidr: "fc00::/7", ipClass: "unique-local", reason: "unique-local block fc00::/7 (RFC 4193)" },
  { cidr: "fe80::/10", ipClass: "link-local", reason: "link-local block fe80::/10 (RFC 4291)" },
  { cidr: "fec0::/10", ipClass: "site-local", reason: "deprecated site-local block fec0::/10 (RFC 3879)" },
  { cidr: "ff00::/8", ipClass: "multicast", reason: "IPv6 multicast block ff00::/8 (RFC 4291)" },
  { cidr: "5f00::/16", ipClass: "reserved", reason: "SRv6 SIDs block 5f00::/16 (RFC 9602)" },
];

type Compiled = { net: ipaddr.IPv4 | ipaddr.IPv6; bits: number; block: Block };
const compile = (blocks: readonly Block[]): Compiled[] =>
  blocks.map((block) => {
    const [net, bits] = ipaddr.parseCIDR(block.cidr);
    return { net, bits, block };
  });
const V4 = compile(IPV4_BLOCKS);
const V6 = compile(IPV6_BLOCKS);
const GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3") as [ipaddr.IPv6, number];

/** Exposed for tests and documentation. */
export const SPECIAL_BLOCKS = { ipv4: IPV4_BLOCKS, ipv6: IPV6_BLOCKS } as const;

export function classifyIPv4(octets: readonly number[]): IpVerdict {
  const addr = new ipaddr.IPv4([...octets]);
  const address = addr.toString();
  for (const c of V4) {
    if (addr.match(c.net, c.bits)) {
      return { public: false, address, ipClass: c.block.ipClass, reason: c.block.reason };
    }
  }
  return { public: true, address };
}

function embedded(parts: readonly number[], hi: number): [number, number, number, number] {
  const a = parts[hi] as number;
  const b = parts[hi + 1] as number;
  return [a >> 8, a & 0xff, b >> 8, b & 0xff];
}

function viaEmbedded(address: string, v4: readonly number[], how: string): IpVerdict {
  const inner = classifyIPv4(v4);
  if (inner.public) return { public: true, address };
  return { public: false, address, ipClass: inner.ipClass, reason: `${how} embeds ${inner.reason}` };
}

const eq = (parts: readonly number[], prefix: readonly number[]): boolean => prefix.every((p, i) => parts[i] === p);

export function classifyIPv6(parts: readonly number[]): IpVerdict {
  const addr = new ipaddr.IPv6([...parts]);
  const address = addr.toRFC5952String();
  // Forms that carry an IPv4 address: judged by that address.
  if (eq(parts, [0, 0, 0, 0, 0, 0xffff])) return viaEmbedded(address, embedded(parts, 6), "IPv4-mapped address");
  if (eq(parts, [0, 0, 0, 0, 0xffff, 0])) return viaEmbedded(address, embedded(parts, 6), "IPv4-translated address (RFC 2765)");
  if (eq(parts, [0x64, 0xff9b, 0, 0, 0, 0])) return viaEmbedded(address, embedded(parts, 6), "NAT64 address 64:ff9b::/96");
  if (eq(parts, [0, 0, 0, 0, 0, 0]) && !eq(parts, [0, 0, 0, 0, 0, 0, 0])) {
    // ::a.b.c.d, IPv4-compatible (deprecated); ::1 and :: fall through to the table.
    const v = viaEmbedded(address, embedded(parts, 6), "IPv4-compatible address ::/96");
    return v.public ? { public: false, address, ipClass: "reserved", reason: "deprecated IPv4-compatible address ::/96" } : v;
  }
  if (eq(parts, [0x64, 0xff9b, 1])) {
    // Local-use NAT64 prefix: never public; say which IPv4 address it carries when that is private.
    const v = viaEmbedded(address, embedded(parts, 6), "local-use NAT64 address");
    if (!v.public) return v;
  }
  if (parts[0] === 0x2002) return viaEmbedded(address, embedded(parts, 1), "6to4 address 2002::/16");
  if (parts[0] === 0x2001 && parts[1] === 0) {
    // Teredo: server IPv4 in bits 32-63, client IPv4 (bit-inverted) in bits 96-127.
    const server = viaEmbedded(address, embedded(parts, 2), "Teredo address (server)");
    if (!server.public) return server;
    const client = embedded(
      parts.map((p) => p ^ 0xffff),
      6,
    );
    return viaEmbedded(address, client, "Teredo address (client)");
  }
  for (const c of V6) {
    if (addr.match(c.net, c.bits)) {
      return { public: false, address, ipClass: c.block.ipClass, reason: c.block.reason };
    }
  }
  if (!addr.match(GLOBAL_UNICAST[0], GLOBAL_UNICAST[1])) {
    return { public: false, address, ipClass: "reserved", reason: "outside global unicast 2000::/3" };
  }
  return { public: true, address };
}

/** A CIDR list (allow-list) compiled once. IPv4 CIDRs must be written four-part decimal. */
export class CidrSet {
  private readonly nets: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  constructor(cidrs: readonly string[] = []) {
    for (const raw of cidrs) {
      const c = raw.trim();
      const v4 = ipaddr.IPv4.isValidCIDRFourPartDecimal(c);
      if (!v4 && !(c.includes(":") && ipaddr.IPv6.isValidCIDR(c))) {
        throw new TypeError(`invalid CIDR in allow-list: ${JSON.stringify(c.slice(0, 64))}`);
      }
      this.nets.push(ipaddr.parseCIDR(c));
    }
  }
  get size(): number {
    return this.nets.length;
  }
  /** IPv4-mapped IPv6 addresses also match IPv4 CIDRs. */
  contains(address: string): boolean {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.parse(address);
    } catch {
      return false;
    }
    const forms: Array<ipaddr.IPv4 | ipaddr.IPv6> = [addr];
    if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) forms.push((addr as ipaddr.IPv6).toIPv4Address());
    return this.nets.some(([net, bits]) => forms.some((f) => f.kind() === net.kind() && f.match(net, bits)));
  }
}
