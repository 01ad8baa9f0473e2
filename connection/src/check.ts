import { ConnectionStringError, type ConnectionErrorCode } from "./errors";
import { classifyHost, type HostClassification, type HostType } from "./host-classifier";
import { CidrSet } from "./ip-ranges";
import { parseLibpqUri, toParsed, type ParsedConnection } from "./libpq-uri";
import { checkParam } from "./params";

/**
 * The public-host rule for a whole connection string: every host libpq would try must be public
 * (or explicitly allowed), no unix socket, no host=/hostaddr= redirect, only allow-listed query
 * parameters. Synchronous and offline; resolveAndCheck adds the DNS step.
 */

export interface AllowList {
  /** CIDRs whose addresses are admitted even if not public (IPv4 in four-part decimal). */
  cidrs?: readonly string[];
  /** Host names (or "*.suffix") admitted even if their name looks private. */
  hosts?: readonly string[];
}

export interface CheckOptions {
  allow?: AllowList;
  /** Admits loopback hosts (127.0.0.0/8, ::1, localhost) only: for local demos. */
  allowPrivateHosts?: boolean;
}

export type AdmittedBy = "public" | "allow-cidr" | "allow-host" | "allow-private-hosts";

export interface CheckedHost {
  /** 1-based position in the host list. */
  index: number;
  /** Normalized host: lowercase ASCII name, or canonical address. */
  host: string;
  port: number;
  type: HostType;
  /** Canonical address, when the target is an IP literal (hostaddr= wins over host). */
  address?: string;
  admittedBy: AdmittedBy;
}

export interface CheckFailure {
  ok: false;
  code: ConnectionErrorCode;
  /** Fixed wording plus host positions, classes and libpq keywords: never the input. */
  reason: string;
  hostClass?: string;
  hostIndex?: number;
  keyword?: string;
}

export interface CheckSuccess {
  ok: true;
  parsed: ParsedConnection;
  hosts: CheckedHost[];
}

export type CheckResult = CheckSuccess | CheckFailure;

class Policy {
  readonly cidrs: CidrSet;
  readonly exactHosts = new Set<string>();
  readonly suffixes: string[] = [];
  readonly allowPrivateHosts: boolean;

  constructor(opts: CheckOptions = {}) {
    const cidrs = [...(opts.allow?.cidrs ?? [])];
    for (const raw of opts.allow?.hosts ?? []) {
      const h = String(raw).trim();
      const wildcard = h.startsWith("*.");
      const c = classifyHost(wildcard ? h.slice(2) : h);
      if (c.kind === "private" && (c.host === undefined || c.hostClass === "unix-socket" || c.hostClass === "invalid-host")) {
        throw new TypeError(`invalid host name in allow-list: ${JSON.stringify(h.slice(0, 64))}`);
      }
      if (c.address !== undefined) {
        // An address in the host list is a one-address CIDR.
        if (wildcard) throw new TypeError(`invalid host name in allow-list: ${JSON.stringify(h.slice(0, 64))}`);
        cidrs.push(c.type === "ipv6" ? `${c.address}/128` : `${c.address}/32`);
        continue;
      }
      const norm = c.host as string;
      if (wildcard) this.suffixes.push(`.${norm}`);
      else this.exactHosts.add(norm);
    }
    this.cidrs = new CidrSet(cidrs);
    this.allowPrivateHosts = opts.allowPrivateHosts === true;
  }

  /** How a classified host is admitted, if at all. Metadata, sockets and unreadable hosts never are. */
  admit(c: HostClassification, viaName: boolean): AdmittedBy | undefined {
    if (c.kind === "public") return "public";
    if (c.hostClass === "metadata" || c.hostClass === "unix-socket" || c.hostClass === "invalid-host") return undefined;
    if (this.allowPrivateHosts && c.hostClass === "loopback") return "allow-private-hosts";
    if (c.address !== undefined && this.cidrs.contains(c.address)) return "allow-cidr";
    if (viaName && c.host !== undefined && (this.exactHosts.has(c.host) || this.suffixes.some((s) => (c.host as string).endsWith(s)))) {
      return "allow-host";
    }
    return undefined;
  }
}

const where = (i: number, n: number): string => (n > 1 ? `host ${i} of ${n}` : "the host");

/**
 * classifyHost is a pure function of its input and costs microseconds (two readings of every
 * name): servers check the same few hosts and resolved addresses over and over. A small cache,
 * keyed by the host string as written (no credentials), dropped whole when full; results are
 * frozen so that no caller can change what the next one reads.
 */
const CLASSIFY_CACHE_MAX = 512;
const CLASSIFY_KEY_MAX = 256;
const classified = new Map<string, HostClassification>();

function classifyCached(host: string): HostClassification {
  if (host.length > CLASSIFY_KEY_MAX) return classifyHost(host);
  let c = classified.get(host);
  if (c === undefined) {
    c = Object.freeze(classifyHost(host));
    if (classified.size >= CLASSIFY_CACHE_MAX) classified.clear();
    classified.set(host, c);
  }
  return c;
}

function failureFor(c: Extract<HostClassification, { kind: "private" }>, index: number, count: number): CheckFailure {
  const w = where(index, count);
  if (c.hostClass === "unix-socket") {
    return { ok: false, code: "unix_socket", hostClass: c.hostClass, hostIndex: index, reason: `${w} is a unix-domain socket (${c.reason})` };
  }
  if (c.hostClass === "invalid-host") {
    return { ok: false, code: "unparseable", hostClass: c.hostClass, hostIndex: index, reason: `${w} cannot be read unambiguously (${c.reason})` };
  }
  return { ok: false, code: "host_not_public", hostClass: c.hostClass, hostIndex: index, reason: `${w} is not public: ${c.hostClass} (${c.reason})` };
}

const normalizeHostList = (s: string): string =>
  s
    .split(",")
    .map((h) => {
      const c = classifyCached(h);
      return c.host ?? `\u0000${h}`;
    })
    .join(",");

export function checkConnectionString(s: string, opts: CheckOptions = {}): CheckResult {
  return checkWithPolicy(s, new Policy(opts));
}

function checkWithPolicy(s: string, policy: Policy): CheckResult {
  let parsed: ParsedConnection;
  let uri;
  try {
    uri = parseLibpqUri(s);
    parsed = toParsed(uri);
  } catch (e) {
    if (e instanceof ConnectionStringError) return errorToFailure(e);
    return { ok: false, code: "unparseable", reason: "connection string could not be parsed" };
  }
  if (uri.duplicates.length > 0) {
    const k = uri.duplicates[0] as string;
    return { ok: false, code: "unparseable", keyword: k, reason: `query parameter ${k} is given more than once (parsers disagree on which one wins)` };
  }
  for (const [k, v] of uri.query) {
    if (k === "host" || k === "hostaddr" || k === "port" || k === "user" || k === "password") continue;
    if (k === "dbname") continue;
    const verdict = checkParam(k, v);
    if (!verdict.ok) return { ok: false, code: "param_not_allowed", keyword: k, reason: verdict.reason };
  }
  if (parsed.database !== undefined && (parsed.database.includes("=") || /^postgres(?:ql)?:/i.test(parsed.database))) {
    return { ok: false, code: "unparseable", keyword: "dbname", reason: "database name looks like a connection string (libpq may expand it)" };
  }
  const hostParam = uri.query.get("host");
  if (hostParam !== undefined && uri.authorityHost !== undefined && normalizeHostList(hostParam) !== normalizeHostList(uri.authorityHost)) {
    return { ok: false, code: "host_param_conflict", keyword: "host", reason: "query parameter host points somewhere other than the URI's host" };
  }

  const n = parsed.hosts.length;
  const checked: CheckedHost[] = [];
  for (let i = 0; i < n; i++) {
    const spec = parsed.hosts[i] as (typeof parsed.hosts)[number];
    const index = i + 1;
    const hostC = spec.host === "" && spec.hostaddr !== undefined ? undefined : classifyCached(spec.host);
    if (spec.hostaddr !== undefined) {
      const addrC = classifyCached(spec.hostaddr);
      if (addrC.type !== "ipv4" && addrC.type !== "ipv6") {
        return { ok: false, code: "unparseable", keyword: "hostaddr", hostIndex: index, reason: `hostaddr of ${where(index, n)} is not a numeric address` };
      }
      if (hostC !== undefined && hostC.address !== addrC.address) {
        return {
          ok: false,
          code: "host_param_conflict",
          keyword: "hostaddr",
          hostIndex: index,
          reason: `hostaddr of ${where(index, n)} points somewhere other than its host name`,
        };
      }
      const by = policy.admit(addrC, false);
      if (!by) return failureFor(addrC as Extract<HostClassification, { kind: "private" }>, index, n);
      checked.push({ index, host: addrC.host as string, port: spec.port, type: addrC.type, address: addrC.address, admittedBy: by });
      continue;
    }
    const c = hostC as HostClassification;
    const by = policy.admit(c, c.type === "name");
    if (!by) return failureFor(c as Extract<HostClassification, { kind: "private" }>, index, n);
    const entry: CheckedHost = { index, host: c.host as string, port: spec.port, type: c.type as HostType, admittedBy: by };
    if (c.address !== undefined) entry.address = c.address;
    checked.push(entry);
  }
  return { ok: true, parsed, hosts: checked };
}

function errorToFailure(e: ConnectionStringError): CheckFailure {
  const f: CheckFailure = { ok: false, code: e.code, reason: e.message };
  if (e.hostClass !== undefined) f.hostClass = e.hostClass;
  if (e.hostIndex !== undefined) f.hostIndex = e.hostIndex;
  if (e.keyword !== undefined) f.keyword = e.keyword;
  return f;
}

export function failureToError(f: CheckFailure): ConnectionStringError {
  const d: { hostClass?: string; hostIndex?: number; keyword?: string } = {};
  if (f.hostClass !== undefined) d.hostClass = f.hostClass;
  if (f.hostIndex !== undefined) d.hostIndex = f.hostIndex;
  if (f.keyword !== undefined) d.keyword = f.keyword;
  return new ConnectionStringError(f.code, f.reason, d);
}

/** checkConnectionString that throws a ConnectionStringError instead of returning a failure. */
export function assertPublicConnectionString(s: string, opts: CheckOptions = {}): CheckSuccess {
  const r = checkConnectionString(s, opts);
  if (!r.ok) throw failureToError(r);
  return r;
}

// ---------------------------------------------------------------------------------------------
// DNS step

export interface ResolveOptions extends CheckOptions {
  /**
   * Returns every address (A and AAAA) of a name. Injected: this module never queries DNS itself.
   * Resolve the name as absolute (dns.promises.resolve4/resolve6, or append "."): a resolver that
   * applies search domains (getaddrinfo in a Kubernetes pod) reads "db.prod" as a cluster service.
   */
  resolve: (host: string) => readonly string[] | Promise<readonly string[]>;
  /** Per-name timeout, default 5000 ms. */
  timeoutMs?: number;
}

export interface ResolvedHost extends CheckedHost {
  /**
   * Checked addresses to connect to. Connect to one of these, not to the name (a second lookup
   * could answer differently: DNS rebinding), and keep the name for TLS: libpq `host=<name>
   * hostaddr=<address>`, node-postgres `{ host: address, ssl: { servername: name } }`.
   */
  addresses: string[];
}

export interface ResolveSuccess {
  ok: true;
  parsed: ParsedConnection;
  hosts: ResolvedHost[];
}

const MAX_ADDRESSES = 64;

function withTimeout<T>(p: PromiseLike<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the resolver's own reason, passed through
        reject(e);
      },
    );
  });
}

/**
 * checkConnectionString, then resolve every host name with the injected resolver: every address
 * must be public, inside an allowed CIDR, or loopback under allowPrivateHosts. An allow-listed
 * host name does not admit its addresses: to admit a private name, list its network too.
 */
export async function resolveAndCheck(s: string, opts: ResolveOptions): Promise<ResolveSuccess | CheckFailure> {
  return resolvingChecker(opts)(s);
}

/**
 * resolveAndCheck with its options read once (allow-list, policy), for a server that checks many
 * strings. When every answer is synchronous (IP literals, a static map) the result is too: no
 * timer, no promise, no extra turn of the event loop on a server's hot path.
 */
export function resolvingChecker(opts: ResolveOptions): (s: string) => ResolveSuccess | CheckFailure | Promise<ResolveSuccess | CheckFailure> {
  if (typeof opts?.resolve !== "function") throw new TypeError("resolveAndCheck needs a resolve function");
  const policy = new Policy(opts);
  const { resolve } = opts;
  const timeoutMs = opts.timeoutMs ?? 5000;

  /** The addresses of one host, checked; a failure names the host's position only. */
  const admitAddresses = (h: CheckedHost, n: number, raw: unknown): ResolvedHost | CheckFailure => {
    if (!Array.isArray(raw) || raw.length === 0) {
      return { ok: false, code: "resolution_failed", hostIndex: h.index, reason: `${where(h.index, n)} resolved to no address` };
    }
    const addresses: string[] = [];
    for (const a of raw.slice(0, MAX_ADDRESSES) as unknown[]) {
      const c = typeof a === "string" ? classifyCached(a) : undefined;
      if (!c || (c.type !== "ipv4" && c.type !== "ipv6")) {
        return {
          ok: false,
          code: "resolution_failed",
          hostIndex: h.index,
          reason: `the resolver returned something other than an address for ${where(h.index, n)}`,
        };
      }
      if (!policy.admit(c, false)) {
        const f = failureFor(c as Extract<HostClassification, { kind: "private" }>, h.index, n);
        return { ...f, reason: `${where(h.index, n)} resolves to an address that is not public: ${f.hostClass} (${(c as { reason: string }).reason})` };
      }
      if (!addresses.includes(c.address as string)) addresses.push(c.address as string);
    }
    return { ...h, addresses };
  };
  const unresolved = (h: CheckedHost, n: number): CheckFailure => ({
    ok: false,
    code: "resolution_failed",
    hostIndex: h.index,
    reason: `${where(h.index, n)} could not be resolved`,
  });

  const conclude = (r: CheckSuccess, settled: readonly unknown[]): ResolveSuccess | CheckFailure => {
    const n = r.hosts.length;
    const results = r.hosts.map((h, i) => (settled[i] === FAILED ? unresolved(h, n) : admitAddresses(h, n, settled[i])));
    const failed = results.find((x): x is CheckFailure => "ok" in x && x.ok === false);
    if (failed) return failed;
    return { ok: true, parsed: r.parsed, hosts: results as ResolvedHost[] };
  };

  return (s) => {
    const r = checkWithPolicy(s, policy);
    if (!r.ok) return r;
    // Ask for every name at once; only answers that are promises need waiting (with a timeout).
    const answers = r.hosts.map((h): unknown => {
      if (h.address !== undefined) return [h.address];
      try {
        const a = resolve(h.host);
        return isThenable(a) ? withTimeout(a, timeoutMs).catch(() => FAILED) : a;
      } catch {
        return FAILED;
      }
    });
    return answers.some(isThenable) ? Promise.all(answers).then((settled) => conclude(r, settled)) : conclude(r, answers);
  };
}

const FAILED = Symbol("resolution failed");
const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | null)?.then === "function";
