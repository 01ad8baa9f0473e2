/**
 * Host names that never reach a customer's public database, whatever DNS says. Input: a lowercase
 * ASCII name without trailing dot whose labels are already validated.
 */

export type NameClass = "loopback" | "metadata" | "cluster-internal" | "special-use-name" | "single-label-name" | "wildcard-dns";

export interface NameVerdict {
  nameClass: NameClass;
  reason: string;
}

const METADATA_NAMES = new Set([
  "metadata.google.internal",
  "metadata.goog",
  "metadata",
  "instance-data",
  "instance-data.ec2.internal",
  "metadata.tencentyun.com",
]);

// Top-level labels that are special-use (RFC 6761, RFC 6762, RFC 7686, RFC 8375, RFC 9476, ICANN's
// .internal) or commonly used on private networks and never delegated in the public DNS.
const SPECIAL_TLDS: ReadonlyMap<string, string> = new Map([
  ["local", "multicast DNS name .local (RFC 6762)"],
  ["internal", "private-use name .internal (ICANN)"],
  ["localdomain", "private-use name .localdomain"],
  ["test", "special-use name .test (RFC 6761)"],
  ["example", "special-use name .example (RFC 6761)"],
  ["invalid", "special-use name .invalid (RFC 6761)"],
  ["onion", "special-use name .onion (RFC 7686)"],
  ["alt", "special-use name .alt (RFC 9476)"],
  ["arpa", "infrastructure name .arpa"],
  ["lan", "private-network name .lan"],
  ["home", "private-network name .home"],
  ["corp", "private-network name .corp"],
  ["intranet", "private-network name .intranet"],
  ["private", "private-network name .private"],
]);

// Kubernetes: *.svc, *.svc.cluster.local, *.cluster.local, and namespace-relative names such as
// kubernetes.default that resolve through the pod's search domains.
const CLUSTER_SUFFIXES = ["svc", "cluster.local", "svc.cluster.local", "default"];

// Public wildcard-DNS services that answer with whatever address the name spells (nip.io:
// 10.0.0.1.nip.io → 10.0.0.1) or always with loopback (localtest.me, lvh.me, …).
const LOOPBACK_DOMAINS = ["localtest.me", "lvh.me", "vcap.me", "localhost.direct", "lacolhost.com", "fuf.me", "readme.localhost"];
const WILDCARD_DOMAINS = ["nip.io", "sslip.io", "xip.io", "traefik.me", "nip.direct", "backname.io", "ip.addr.tools"];

const endsWithDomain = (name: string, domain: string): boolean => name === domain || name.endsWith(`.${domain}`);

export function classifyName(name: string): NameVerdict | undefined {
  const labels = name.split(".");
  const tld = labels[labels.length - 1] as string;
  if (name === "localhost" || tld === "localhost" || name === "localhost.localdomain") {
    return { nameClass: "loopback", reason: "localhost name (RFC 6761)" };
  }
  if (METADATA_NAMES.has(name)) return { nameClass: "metadata", reason: "cloud instance metadata name" };
  if (labels.length === 1) {
    return { nameClass: "single-label-name", reason: "single-label name, resolved through search domains or local name services" };
  }
  for (const s of CLUSTER_SUFFIXES) {
    if (endsWithDomain(name, s) && name !== s) return { nameClass: "cluster-internal", reason: `cluster-internal name (*.${s})` };
  }
  if (name === "home.arpa" || name.endsWith(".home.arpa")) return { nameClass: "special-use-name", reason: "home network name .home.arpa (RFC 8375)" };
  const special = SPECIAL_TLDS.get(tld);
  if (special) return { nameClass: "special-use-name", reason: special };
  for (const d of LOOPBACK_DOMAINS) {
    if (endsWithDomain(name, d)) return { nameClass: "loopback", reason: "public name that resolves to loopback by design" };
  }
  for (const d of WILDCARD_DOMAINS) {
    if (endsWithDomain(name, d)) return { nameClass: "wildcard-dns", reason: "wildcard-DNS name that resolves to an address spelled in the name" };
  }
  return undefined;
}
