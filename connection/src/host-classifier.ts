import { domainToASCII } from "node:url";
import { parseIPv4Loose, parseIPv4Strict, parseIPv6 } from "./ip-parse";
import { classifyIPv4, classifyIPv6, type IpClass, type IpVerdict } from "./ip-ranges";
import { classifyName, type NameClass } from "./host-names";

/**
 * Is a host public? The host is what libpq hands to getaddrinfo (after URI percent-decoding),
 * read in every way a resolver or URL parser would read it; if any reading is not public, or the
 * host cannot be read unambiguously, it is refused (fail closed).
 *
 * Why `url.domainToASCII` is not the whole answer (Node 24, ada): it implements the WHATWG host
 * parser, so it maps fullwidth digits and ideographic dots (１２７．０．０．１ → 127.0.0.1),
 * lowercases, percent-decodes and reads 0x7f.1 / 127.1 as IPv4, but it returns "" for bracketless
 * IPv6 and for zone ids, it does not know libpq's unix-socket spellings (/dir, @abstract, empty),
 * and libpq/getaddrinfo never apply IDNA mapping themselves. We use it only for non-ASCII input and
 * as a second reading of ASCII names.
 */

export type HostClass = IpClass | NameClass | "unix-socket" | "invalid-host" | "scoped-address";

export type HostType = "ipv4" | "ipv6" | "name";

export interface PublicHost {
  kind: "public";
  type: HostType;
  /** Normalized host: lowercase ASCII name without trailing dot, or canonical IP address. */
  host: string;
  /** Canonical IP address, for IP literals. */
  address?: string;
}

export interface PrivateHost {
  kind: "private";
  hostClass: HostClass;
  /** Fixed wording (registry block, name rule): never contains the input. */
  reason: string;
  type?: HostType;
  host?: string;
  address?: string;
}

export type HostClassification = PublicHost | PrivateHost;

const MAX_HOST_LENGTH = 1024;
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

const invalid = (reason: string): PrivateHost => ({ kind: "private", hostClass: "invalid-host", reason });
const unixSocket = (reason: string): PrivateHost => ({ kind: "private", hostClass: "unix-socket", reason });

function fromIp(v: IpVerdict, type: "ipv4" | "ipv6"): HostClassification {
  if (v.public) return { kind: "public", type, host: v.address, address: v.address };
  return { kind: "private", hostClass: v.ipClass, reason: v.reason, type, host: v.address, address: v.address };
}

/** Strict percent-decoding as libpq's conninfo_uri_decode: %XX only, %00 forbidden. */
export function percentDecode(s: string): string | undefined {
  if (!s.includes("%")) return s;
  if (/%(?![0-9a-fA-F]{2})/.test(s) || /%00/.test(s)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "%") {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, "utf8")) bytes.push(b);
    }
  }
  const out = Buffer.from(bytes);
  const text = out.toString("utf8");
  // Invalid UTF-8 decodes to U+FFFD: a host we could not read the way the resolver would.
  return Buffer.from(text, "utf8").equals(out) ? text : undefined;
}

function classifyIPv6Literal(s: string): HostClassification {
  const p = parseIPv6(s);
  if (!p) return invalid("not a valid IPv6 address");
  const v = fromIp(classifyIPv6(p.parts), "ipv6");
  if (v.kind === "public" && p.zone !== undefined) {
    return {
      kind: "private",
      hostClass: "scoped-address",
      reason: "IPv6 address with a zone id (scoped to a local interface)",
      type: "ipv6",
      address: v.address,
      host: v.host,
    };
  }
  return v;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/;

function classifyAsciiName(raw: string): HostClassification {
  const lower = raw.toLowerCase();
  const name = lower.endsWith(".") ? lower.slice(0, -1) : lower;
  if (name === "") return invalid("empty host name");
  const labels = name.split(".");
  if (labels.some((l) => l === "")) return invalid("host name with an empty label");
  // WHATWG "ends in a number" rule, also what getaddrinfo does: a numeric last label makes the
  // whole host an IPv4 literal in inet_aton syntax (decimal, octal, hex, 1-4 parts), or nothing.
  if (NUMERIC_LABEL.test(labels[labels.length - 1] as string)) {
    const v4 = parseIPv4Loose(name);
    if (!v4) return invalid("numeric host that is not a valid IPv4 address");
    return fromIp(classifyIPv4(v4), "ipv4");
  }
  if (name.length > 253 || !labels.every((l) => LABEL.test(l))) return invalid("not a valid host name");
  // Second reading by the WHATWG host parser; if it sees an IPv4 address, judge that one.
  const whatwg = domainToASCII(raw);
  if (whatwg !== "" && whatwg !== name) {
    const v4 = parseIPv4Strict(whatwg);
    if (v4) {
      const v = fromIp(classifyIPv4(v4), "ipv4");
      return v.kind === "private" ? v : invalid("host name that a URL parser reads as an IPv4 address");
    }
  }
  const special = classifyName(name);
  if (special) return { kind: "private", hostClass: special.nameClass, reason: special.reason, type: "name", host: name };
  return { kind: "public", type: "name", host: name };
}

export function classifyHost(host: string): HostClassification {
  return classify(host, 0);
}

function classify(raw: string, depth: number): HostClassification {
  if (typeof raw !== "string") return invalid("host is not a string");
  if (depth > 2) return invalid("host needs more than one decoding step");
  if (raw.length > MAX_HOST_LENGTH) return invalid("host is too long");
  if (raw === "") return unixSocket("empty host: libpq connects to its default unix-domain socket");
  if (raw.startsWith("/")) return unixSocket("absolute path: a unix-domain socket directory");
  if (raw.startsWith("@")) return unixSocket("@name: an abstract unix-domain socket");
  if (/^[A-Za-z]:[\\/]/.test(raw) || raw.startsWith("\\")) return unixSocket("Windows path: a local socket directory");
  if (CONTROL_OR_SPACE.test(raw)) return invalid("host contains whitespace or control characters");
  if (raw.startsWith("[")) {
    // URI brackets (libpq strips them and keeps what is inside, IPv4 or IPv6 alike).
    if (!raw.endsWith("]") || raw.length < 3) return invalid("unbalanced brackets");
    const inner = raw.slice(1, -1);
    if (/[[\]]/.test(inner)) return invalid("nested brackets");
    return classify(inner, depth + 1);
  }
  if (/[[\]]/.test(raw)) return invalid("unbalanced brackets");
  if (raw.includes(":")) {
    const v = classifyIPv6Literal(raw);
    if (v.kind === "private" && v.hostClass === "invalid-host" && raw.includes("%")) return viaPercent(raw, depth);
    return v;
  }
  if (raw.includes("%")) return viaPercent(raw, depth);
  if (/[^\x00-\x7f]/.test(raw)) {
    // Unicode spellings (fullwidth digits, ideographic full stops, compatibility forms) read the
    // way a URL parser would; a public result is reported in its ASCII (punycode) form.
    const ascii = domainToASCII(raw);
    if (ascii === "") return invalid("not a valid internationalized host name");
    return classify(ascii, depth + 1);
  }
  return classifyAsciiName(raw);
}

function viaPercent(raw: string, depth: number): HostClassification {
  const decoded = percentDecode(raw);
  if (decoded === undefined) return invalid("invalid percent-encoding in host");
  const inner = classify(decoded, depth + 1);
  // A host that still holds percent-encoding after libpq's own decoding is no host name a resolver
  // accepts: refuse it, reporting the decoded reading's class when that is not public.
  return inner.kind === "private" ? inner : invalid("percent-encoded host");
}
