import { inspect } from "node:util";
import { PERCENT_ENCODE_USERINFO } from "./advice";
import { ConnectionStringError } from "./errors";
import { percentDecode } from "./host-classifier";

/**
 * A libpq connection URI read the way libpq reads it (fe-connect.c, conninfo_uri_parse_options):
 * - the scheme prefix is compared case-sensitively: `postgresql://` or `postgres://`;
 * - userinfo is whatever precedes the FIRST `@` met before any `/` (so `u:p@x@h` is user u,
 *   password p, host "x@h"); the user ends at the first `:`;
 * - hosts are `host[:port]` items separated by `,`, `[…]` brackets around an address; the pieces
 *   are joined with `,` and percent-decoded afterwards, then split again at connect time, so an
 *   encoded `%2C` adds a host and `%2F` makes a unix-socket path;
 * - `/dbname`, then `?k=v&…`: keys and values percent-decoded (`%00` and bad escapes are errors),
 *   unknown keys are errors, `ssl=true` means `sslmode=require`, the last duplicate wins, and query
 *   values override the ones from the authority (`?host=` replaces the URI's host).
 * On top of libpq we refuse what other parsers (WHATWG URL, i.e. node-postgres'
 * pg-connection-string) would read differently, so that whoever connects sees the hosts we checked:
 * raw `#`, `\`, whitespace or control characters anywhere, `?` `[` `]` inside the userinfo, and a
 * second `@` before the path.
 */

export type Scheme = "postgres" | "postgresql";

export interface HostSpec {
  /** Host as libpq sees it (percent-decoded); "" means the default unix socket. */
  host: string;
  port: number;
  /** hostaddr=, when given: libpq connects here and uses `host` only for TLS and passwords. */
  hostaddr?: string;
}

export const DEFAULT_PORT = 5432;
export const MAX_CONNECTION_STRING_LENGTH = 4096;

/** Every keyword libpq (PostgreSQL 18) accepts in a URI query. */
export const LIBPQ_KEYWORDS: ReadonlySet<string> = new Set([
  "host",
  "hostaddr",
  "port",
  "dbname",
  "user",
  "password",
  "passfile",
  "require_auth",
  "channel_binding",
  "connect_timeout",
  "client_encoding",
  "options",
  "application_name",
  "fallback_application_name",
  "keepalives",
  "keepalives_idle",
  "keepalives_interval",
  "keepalives_count",
  "tcp_user_timeout",
  "replication",
  "sslmode",
  "sslnegotiation",
  "sslcompression",
  "sslcert",
  "sslkey",
  "sslpassword",
  "sslcertmode",
  "sslrootcert",
  "sslcrl",
  "sslcrldir",
  "sslsni",
  "sslkeylogfile",
  "requirepeer",
  "ssl_min_protocol_version",
  "ssl_max_protocol_version",
  "min_protocol_version",
  "max_protocol_version",
  "gssencmode",
  "krbsrvname",
  "gsslib",
  "gssdelegation",
  "service",
  "servicefile",
  "target_session_attrs",
  "load_balance_hosts",
  "scram_client_key",
  "scram_server_key",
  "oauth_issuer",
  "oauth_client_id",
  "oauth_client_secret",
  "oauth_scope",
]);

/** Keywords folded into ParsedConnection's own fields rather than `params`. */
const FIELD_KEYWORDS = new Set(["host", "hostaddr", "port", "dbname", "user", "password"]);

/** The raw libpq reading, before hosts and ports are paired. */
export interface LibpqUri {
  scheme: Scheme;
  user?: string;
  password?: string;
  /** Decoded host list from the authority, joined by "," (libpq's hostbuf); undefined if empty. */
  authorityHost?: string;
  authorityPort?: string;
  path?: string;
  /** Decoded query parameters, last one wins. */
  query: Map<string, string>;
  /** Keywords given more than once (only recognised keywords, safe to print). */
  duplicates: string[];
}

const fail = (reason: string, code: "unparseable" | "invalid_port" | "invalid_scheme" | "too_long" = "unparseable", keyword?: string): never => {
  throw new ConnectionStringError(code, reason, keyword !== undefined ? { keyword } : {});
};

const SECOND_AT = `more than one '@' before the path: parsers disagree on where the host starts; ${PERCENT_ENCODE_USERINFO}`;

function decode(s: string, what: string, hint = ""): string {
  const d = percentDecode(s);
  if (d === undefined) fail(`invalid percent-encoding in the ${what}${hint}`);
  return d as string;
}

export function parseLibpqUri(input: string): LibpqUri {
  if (typeof input !== "string") fail("connection string must be a string");
  if (input.length > MAX_CONNECTION_STRING_LENGTH) fail(`connection string is longer than ${MAX_CONNECTION_STRING_LENGTH} characters`, "too_long");
  let prefixLength: number;
  let scheme: Scheme;
  if (input.startsWith("postgresql://")) {
    scheme = "postgresql";
    prefixLength = "postgresql://".length;
  } else if (input.startsWith("postgres://")) {
    scheme = "postgres";
    prefixLength = "postgres://".length;
  } else if (/^postgres(?:ql)?:\/\//i.test(input)) {
    return fail("scheme must be written in lowercase: postgres:// or postgresql://", "invalid_scheme");
  } else {
    return fail("connection string must start with postgres:// or postgresql://", "invalid_scheme");
  }
  if (/[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(input)) {
    fail("connection string contains whitespace or control characters (percent-encode them)");
  }
  // A '#' or a second '@' is most often a password's: the messages say how to write one.
  if (input.includes("#")) fail(`connection string contains an unencoded '#' (URL parsers read a fragment; libpq does not); ${PERCENT_ENCODE_USERINFO}`);
  if (input.includes("\\")) fail("connection string contains an unencoded backslash (write it as %5C)");

  const rest = input.slice(prefixLength);
  let p = 0;
  let user: string | undefined;
  let password: string | undefined;
  // Look ahead for the userinfo designator: the first '@' before any '/'.
  let q = 0;
  while (q < rest.length && rest[q] !== "@" && rest[q] !== "/") q++;
  if (rest[q] === "@") {
    const userinfo = rest.slice(0, q);
    if (/[?[\]]/.test(userinfo)) {
      fail(`userinfo contains '?', '[' or ']': parsers disagree on where the host starts; ${PERCENT_ENCODE_USERINFO}, [ as %5B, ] as %5D`);
    }
    const colon = userinfo.indexOf(":");
    const rawUser = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    if (rawUser !== "") user = decode(rawUser, "user name", `; ${PERCENT_ENCODE_USERINFO}`);
    if (colon >= 0) {
      const rawPassword = userinfo.slice(colon + 1);
      if (rawPassword !== "") password = decode(rawPassword, "password", `; ${PERCENT_ENCODE_USERINFO}`);
    }
    p = q + 1;
  }

  // netloc: host[:port] items separated by ','.
  const hostPieces: string[] = [];
  const portPieces: string[] = [];
  let terminator: string;
  for (;;) {
    let host: string;
    if (rest[p] === "[") {
      const start = ++p;
      while (p < rest.length && rest[p] !== "]") p++;
      if (p >= rest.length) fail("missing ']' after an IPv6 address");
      if (p === start) fail("empty IPv6 address in brackets");
      host = rest.slice(start, p);
      p++;
      const c = rest[p];
      if (c !== undefined && c !== ":" && c !== "/" && c !== "?" && c !== ",") fail("unexpected character after ']'");
    } else {
      const start = p;
      while (p < rest.length && !":/?,".includes(rest[p] as string)) p++;
      host = rest.slice(start, p);
    }
    if (host.includes("@")) fail(SECOND_AT);
    hostPieces.push(host);
    terminator = rest[p] ?? "";
    let port = "";
    if (terminator === ":") {
      const start = ++p;
      while (p < rest.length && !"/?,".includes(rest[p] as string)) p++;
      port = rest.slice(start, p);
      if (port.includes("@")) fail(SECOND_AT); // `u:p@ss:w@h`: the host ends at the first ':' after the first '@'
      terminator = rest[p] ?? "";
    }
    portPieces.push(port);
    if (terminator !== ",") break;
    p++;
  }
  const hostJoined = hostPieces.join(",");
  const portJoined = portPieces.join(",");
  const authorityHost = hostJoined !== "" ? decode(hostJoined, "host") : undefined;
  const authorityPort = portJoined !== "" ? decode(portJoined, "port") : undefined;

  let path: string | undefined;
  if (terminator === "/") {
    const start = ++p;
    while (p < rest.length && rest[p] !== "?") p++;
    const rawPath = rest.slice(start, p);
    if (rawPath !== "") path = decode(rawPath, "database name");
    terminator = rest[p] ?? "";
  }

  const query = new Map<string, string>();
  const duplicates: string[] = [];
  if (terminator === "?") {
    const qs = rest.slice(p + 1);
    let i = 0;
    while (i < qs.length) {
      let amp = qs.indexOf("&", i);
      if (amp < 0) amp = qs.length;
      const pair = qs.slice(i, amp);
      const eq = pair.indexOf("=");
      if (eq < 0) fail("query parameter without '='");
      if (pair.indexOf("=", eq + 1) >= 0) fail("query parameter with more than one '='");
      let key = decode(pair.slice(0, eq), "query");
      let value = decode(pair.slice(eq + 1), "query");
      if (key === "ssl" && value === "true") {
        key = "sslmode";
        value = "require";
      }
      if (!LIBPQ_KEYWORDS.has(key)) fail("unknown query parameter (libpq refuses it)");
      if (query.has(key)) duplicates.push(key);
      query.set(key, value);
      i = amp + 1;
    }
  }
  const out: LibpqUri = { scheme, query, duplicates };
  if (user !== undefined) out.user = user;
  if (password !== undefined) out.password = password;
  if (authorityHost !== undefined) out.authorityHost = authorityHost;
  if (authorityPort !== undefined) out.authorityPort = authorityPort;
  if (path !== undefined) out.path = path;
  return out;
}

function parsePort(s: string): number {
  if (s === "") return DEFAULT_PORT;
  if (!/^[0-9]{1,10}$/.test(s)) return fail("port is not a number", "invalid_port");
  const n = Number(s);
  if (n < 1 || n > 65535) fail("port is outside 1-65535", "invalid_port");
  return n;
}

/** Pairs hosts, hostaddrs and ports as libpq's connectOptions2 does. */
function pairHosts(uri: LibpqUri): HostSpec[] {
  const hostStr = uri.query.get("host") ?? uri.authorityHost ?? "";
  const addrStr = uri.query.get("hostaddr") ?? "";
  const portStr = uri.query.get("port") ?? uri.authorityPort ?? "";
  const hosts = hostStr === "" ? [] : hostStr.split(",");
  const addrs = addrStr === "" ? [] : addrStr.split(",");
  if (hosts.length > 0 && addrs.length > 0 && hosts.length !== addrs.length) {
    fail("the numbers of host names and hostaddr values differ");
  }
  const n = Math.max(hosts.length, addrs.length, 1);
  const ports = portStr === "" ? [] : portStr.split(",");
  if (ports.length > 1 && ports.length !== n) fail("the numbers of ports and hosts differ", "invalid_port");
  const out: HostSpec[] = [];
  for (let i = 0; i < n; i++) {
    const spec: HostSpec = {
      host: hosts[i] ?? "",
      port: parsePort(ports.length === 0 ? "" : ports.length === 1 ? (ports[0] as string) : (ports[i] as string)),
    };
    const a = addrs[i];
    if (a !== undefined && a !== "") spec.hostaddr = a;
    out.push(spec);
  }
  return out;
}

export interface ParsedConnectionInit {
  scheme: Scheme;
  hosts: HostSpec[];
  database?: string;
  user?: string;
  password?: string;
  params: Record<string, string>;
}

/**
 * The parsed connection. The password lives in a private field behind a getter on the prototype:
 * JSON.stringify, util.inspect, console.log, object spread and Object.keys never show it.
 */
export class ParsedConnection {
  readonly scheme: Scheme;
  readonly hosts: readonly Readonly<HostSpec>[];
  readonly database?: string;
  readonly user?: string;
  /** Query parameters other than host, hostaddr, port, dbname, user, password. */
  readonly params: Readonly<Record<string, string>>;
  readonly #password: string | undefined;

  constructor(init: ParsedConnectionInit) {
    this.scheme = init.scheme;
    this.hosts = Object.freeze(init.hosts.map((h) => Object.freeze({ ...h })));
    if (init.database !== undefined) this.database = init.database;
    if (init.user !== undefined) this.user = init.user;
    this.params = Object.freeze({ ...init.params });
    this.#password = init.password;
    Object.freeze(this);
  }

  get password(): string | undefined {
    return this.#password;
  }

  get hasPassword(): boolean {
    return this.#password !== undefined;
  }

  /** The database libpq connects to: `dbname`, or else the user name (libpq's default). */
  get databaseOrDefault(): string | undefined {
    return this.database ?? this.user;
  }

  toJSON(): Record<string, unknown> {
    return {
      scheme: this.scheme,
      hosts: this.hosts,
      database: this.database,
      user: this.user,
      password: this.#password === undefined ? undefined : "[redacted]",
      params: this.params,
    };
  }

  [inspect.custom](_depth: number, options: object): string {
    return `ParsedConnection ${inspect(this.toJSON(), options)}`;
  }

  toString(): string {
    return "[ParsedConnection]";
  }
}

/** Parse a libpq URI; throws ConnectionStringError (whose message never quotes the input). */
export function parseConnectionString(s: string): ParsedConnection {
  return toParsed(parseLibpqUri(s));
}

export function toParsed(uri: LibpqUri): ParsedConnection {
  const hosts = pairHosts(uri);
  const params: Record<string, string> = {};
  for (const [k, v] of uri.query) if (!FIELD_KEYWORDS.has(k)) params[k] = v;
  const init: ParsedConnectionInit = { scheme: uri.scheme, hosts, params };
  const database = uri.query.get("dbname") ?? uri.path;
  if (database !== undefined && database !== "") init.database = database;
  const user = uri.query.get("user") ?? uri.user;
  if (user !== undefined && user !== "") init.user = user;
  const password = uri.query.get("password") ?? uri.password;
  if (password !== undefined) init.password = password;
  return new ParsedConnection(init);
}
