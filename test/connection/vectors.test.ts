import { inspect } from "node:util";
import { checkConnectionString, classifyHost, parseConnectionString, ConnectionStringError } from "@ablo/connection";

// A canary password: it must never appear in any reason, error or printed object.
const PW = "Kanary-9f3b1e";
const u = (host: string, rest = "/db"): string => `postgres://app:${PW}@${host}${rest}`;

type Expect = "accept" | { code: string; hostClass?: string };
const R = (code: string, hostClass?: string): Expect => (hostClass === undefined ? { code } : { code, hostClass });
const NP = (hostClass: string): Expect => R("host_not_public", hostClass);

const VECTORS: Array<[string, Expect]> = [
  // ---- accepted, some of them private-looking ------------------------------------------------
  [u("db.example.com:5432", "/shop"), "accept"],
  [`postgresql://app:${PW}@db.example.com/shop?sslmode=verify-full`, "accept"],
  [u("172.32.0.1"), "accept"],
  [u("100.128.0.1"), "accept"],
  [u("192.169.0.1"), "accept"],
  [u("8.8.8.8"), "accept"],
  [u("[2606:4700::1111]:5432"), "accept"],
  [u("172.15.255.255"), "accept"],
  [u("11.0.0.1"), "accept"],
  [u("126.255.255.255"), "accept"],
  [u("128.0.0.1"), "accept"],
  [u("169.253.1.1"), "accept"],
  [u("100.63.255.255"), "accept"],
  [u("198.20.0.1"), "accept"],
  [u("0127.0.0.1"), "accept"], // octal 0127 = 87: 87.0.0.1
  [u("0x8.0x8.0x8.0x8"), "accept"],
  [u("134744072"), "accept"], // 8.8.8.8
  [u("h1.example.com:5432,h2.example.com:5433"), "accept"],
  [u("DB.Example.COM.", "/shop"), "accept"],
  [`postgres://app:p%40ss%23w%2Fd@db.example.com/shop`, "accept"],
  [u("[::ffff:8.8.8.8]"), "accept"],
  [u("[64:ff9b::808:808]"), "accept"],
  [u("[2002:808:808::1]"), "accept"],
  [u("[2001:0:4136:e378:8000:63bf:f7f7:f7f7]"), "accept"], // Teredo: server 65.54.227.120, client 8.8.8.8
  [u("db.example.com", "/shop?sslmode=require&connect_timeout=10&application_name=ablo"), "accept"],
  [u("db.example.com", "/shop?ssl=true"), "accept"],
  ["postgresql://app@db.example.com", "accept"],
  [u("bücher.example.com"), "accept"],
  [u("my-db.eu-west-1.rds.amazonaws.com:5432", "/prod"), "accept"],
  [u("db.example.com", "/shop?host=db.example.com"), "accept"],
  [`postgresql:///shop?host=db.example.com&user=app&password=${PW}`, "accept"],
  [u("[2001:4860:4860::8888]"), "accept"],
  [u("192.31.196.1"), "accept"], // AS112: globally reachable
  [u("8.8.8.8", "/db?hostaddr=8.8.8.8"), "accept"],
  [u("db.example.com", "/shop?target_session_attrs=read-write&sslmode=verify-ca"), "accept"],

  // ---- loopback, every spelling ---------------------------------------------------------------
  [u("127.0.0.1"), NP("loopback")],
  [u("localhost"), NP("loopback")],
  [u("LOCALHOST."), NP("loopback")],
  [u("api.localhost"), NP("loopback")],
  [u("2130706433"), NP("loopback")],
  [u("0177.0.0.1"), NP("loopback")],
  [u("0x7f.1"), NP("loopback")],
  [u("127.1"), NP("loopback")],
  [u("0x7F000001"), NP("loopback")],
  [u("017700000001"), NP("loopback")],
  [u("127.000.000.001"), NP("loopback")],
  [u("127.0.0.1."), NP("loopback")],
  [u("127.0.1"), NP("loopback")],
  [u("[::1]"), NP("loopback")],
  [u("[0:0:0:0:0:0:0:1]"), NP("loopback")],
  [u("[0000:0000:0000:0000:0000:0000:0000:0001]"), NP("loopback")],
  [u("[::ffff:127.0.0.1]"), NP("loopback")],
  [u("[::FFFF:7f00:1]"), NP("loopback")],
  [u("[::ffff:0:7f00:1]"), NP("loopback")],
  [u("[64:ff9b::7f00:1]"), NP("loopback")],
  [u("[2002:7f00:1::]"), NP("loopback")],
  [u("[2001:0:4136:e378:8000:63bf:80ff:fffe]"), NP("loopback")], // Teredo client 127.0.0.1
  [u("[::127.0.0.1]"), NP("loopback")],
  [u("[127.0.0.1]"), NP("loopback")],
  [u("%31%32%37.0.0.1"), NP("loopback")],
  [u("１２７．０．０．１"), NP("loopback")],
  [u("127。0。0。1"), NP("loopback")],
  [u("ｌｏｃａｌｈｏｓｔ"), NP("loopback")],
  [u("localtest.me"), NP("loopback")],
  [u("[::1%25lo]"), NP("loopback")],
  // ---- this network / unspecified -------------------------------------------------------------
  [u("0"), NP("this-network")],
  [u("0.0.0.0"), NP("this-network")],
  [u("[::]"), NP("unspecified")],
  // ---- private-use -----------------------------------------------------------------------------
  [u("10.0.0.1"), NP("private-use")],
  [u("10.255.255.255"), NP("private-use")],
  [u("012.0.0.1"), NP("private-use")],
  [u("0xa.0.0.1"), NP("private-use")],
  [u("167772161"), NP("private-use")],
  [u("172.16.0.1"), NP("private-use")],
  [u("172.31.255.255"), NP("private-use")],
  [u("0xac.0x10.0.1"), NP("private-use")],
  [u("192.168.1.1"), NP("private-use")],
  [u("192.168.1"), NP("private-use")],
  [u("3232235777"), NP("private-use")],
  [u("0300.0250.1.1"), NP("private-use")],
  [u("[::ffff:10.0.0.1]"), NP("private-use")],
  [u("[::ffff:a00:1]"), NP("private-use")],
  [u("[::ffff:192.168.0.1]"), NP("private-use")],
  [u("[fd00::1]"), NP("unique-local")],
  [u("[fc00::1]"), NP("unique-local")],
  [u("[64:ff9b:1::a00:1]"), NP("private-use")],
  // ---- link-local and metadata ----------------------------------------------------------------
  [u("169.254.169.254"), NP("metadata")],
  [u("0xa9fea9fe"), NP("metadata")],
  [u("[::ffff:169.254.169.254]"), NP("metadata")],
  [u("[fd00:ec2::254]"), NP("metadata")],
  [u("metadata.google.internal"), NP("metadata")],
  [u("168.63.129.16"), NP("metadata")],
  [u("169.254.1.1"), NP("link-local")],
  [u("[fe80::1]"), NP("link-local")],
  [u("[fe80::1%25eth0]"), NP("link-local")],
  [u("[fec0::1]"), NP("site-local")],
  // ---- shared, documentation, benchmarking, multicast, reserved -------------------------------
  [u("100.64.0.1"), NP("shared-address")],
  [u("100.127.255.255"), NP("shared-address")],
  [u("192.0.2.1"), NP("documentation")],
  [u("198.51.100.7"), NP("documentation")],
  [u("203.0.113.9"), NP("documentation")],
  [u("[2001:db8::1]"), NP("documentation")],
  [u("[3fff::1]"), NP("documentation")],
  [u("198.18.0.1"), NP("benchmarking")],
  [u("[2001:2::1]"), NP("benchmarking")],
  [u("224.0.0.1"), NP("multicast")],
  [u("239.255.255.250"), NP("multicast")],
  [u("[ff02::1]"), NP("multicast")],
  [u("240.0.0.1"), NP("reserved")],
  [u("255.255.255.255"), NP("broadcast")],
  [u("192.0.0.1"), NP("reserved")],
  [u("[100::1]"), NP("reserved")],
  [u("[5f00::1]"), NP("reserved")],
  [u("[1::]"), NP("reserved")],
  [u("[2001:10::1]"), NP("reserved")],
  [u("[2606:4700::1111%25eth0]"), NP("scoped-address")],
  // ---- names -----------------------------------------------------------------------------------
  [u("db.local"), NP("special-use-name")],
  [u("db.internal"), NP("special-use-name")],
  [u("router.home.arpa"), NP("special-use-name")],
  [u("db.localdomain"), NP("special-use-name")],
  [u("db.test"), NP("special-use-name")],
  [u("postgres"), NP("single-label-name")],
  [u("postgres.default.svc.cluster.local"), NP("cluster-internal")],
  [u("postgres.prod.svc"), NP("cluster-internal")],
  [u("db.cluster.local"), NP("cluster-internal")],
  [u("kubernetes.default"), NP("cluster-internal")],
  [u("10.0.0.1.nip.io"), NP("wildcard-dns")],
  // ---- unix sockets ------------------------------------------------------------------------------
  [`postgres://app:${PW}@/db`, R("unix_socket", "unix-socket")],
  ["postgres:///db", R("unix_socket", "unix-socket")],
  [u("%2Fvar%2Frun%2Fpostgresql"), R("unix_socket", "unix-socket")],
  [u("%40abstract"), R("unix_socket", "unix-socket")],
  ["postgresql:///db?host=/var/run/postgresql", R("unix_socket", "unix-socket")],
  ["postgresql:///db?host=%2Ftmp", R("unix_socket", "unix-socket")],
  [u("db.example.com,"), R("unix_socket", "unix-socket")],
  [u("db.example.com,,db2.example.com"), R("unix_socket", "unix-socket")],
  // ---- multi-host: every host must be public ----------------------------------------------------
  [u("db.example.com:5432,127.0.0.1:5433"), NP("loopback")],
  [u("db.example.com%2C10.0.0.1"), NP("private-use")],
  [u("[2606:4700::1111],[::1]"), NP("loopback")],
  // ---- host / hostaddr parameters ----------------------------------------------------------------
  [u("db.example.com", "/db?host=127.0.0.1"), R("host_param_conflict")],
  [u("db.example.com", "/db?hostaddr=10.0.0.1"), R("host_param_conflict")],
  [u("db.example.com", "/db?hostaddr=8.8.8.8"), R("host_param_conflict")],
  [u("db.example.com", "/db?host=%31%32%37.0.0.1"), R("host_param_conflict")],
  ["postgresql:///db?hostaddr=127.0.0.1", NP("loopback")],
  ["postgresql:///db?host=localhost", NP("loopback")],
  // ---- query parameters ----------------------------------------------------------------------------
  [u("db.example.com", "/db?sslrootcert=/etc/passwd"), R("param_not_allowed")],
  [u("db.example.com", "/db?sslcert=/etc/ssl/x.crt"), R("param_not_allowed")],
  [u("db.example.com", "/db?sslkey=/root/.ssh/id_rsa"), R("param_not_allowed")],
  [u("db.example.com", "/db?sslcrl=/etc/x"), R("param_not_allowed")],
  [u("db.example.com", "/db?passfile=/root/.pgpass"), R("param_not_allowed")],
  [u("db.example.com", "/db?service=internal"), R("param_not_allowed")],
  [u("db.example.com", "/db?servicefile=/tmp/s.conf"), R("param_not_allowed")],
  [u("db.example.com", "/db?options=-c%20search_path%3Devil"), R("param_not_allowed")],
  [u("db.example.com", "/db?sslkeylogfile=/tmp/keys"), R("param_not_allowed")],
  [u("db.example.com", "/db?oauth_issuer=http%3A%2F%2F169.254.169.254"), R("param_not_allowed")],
  [u("db.example.com", "/db?replication=database"), R("param_not_allowed")],
  [u("db.example.com", "/db?sslmode=bogus"), R("param_not_allowed")],
  [u("db.example.com", "/db?application_name=%0Aevil"), R("param_not_allowed")],
  [u("db.example.com", "/db?foo=bar"), R("unparseable")],
  [u("db.example.com", "/db?sslmode=require&sslmode=disable"), R("unparseable")],
  [u("db.example.com", "/db?sslmode"), R("unparseable")],
  [u("db.example.com", "/db?sslmode=a=b"), R("unparseable")],
  [u("db.example.com", "/dbname%3Dx%20host%3D127.0.0.1"), R("unparseable")],
  // ---- userinfo tricks ------------------------------------------------------------------------------
  [`postgres://app:${PW}@evil@127.0.0.1/db`, R("unparseable")],
  [`postgres://app:${PW}@127.0.0.1@db.example.com/db`, R("unparseable")],
  ["postgres://db.example.com?x=@127.0.0.1/db", R("unparseable")],
  ["postgres://127.0.0.1#@db.example.com/db", R("unparseable")],
  ["postgres://db.example.com#@127.0.0.1/db", R("unparseable")],
  [`postgres://app:${PW}\\@127.0.0.1/db`, R("unparseable")],
  ["postgres://db.example.com\\@127.0.0.1/db", R("unparseable")],
  [`postgres://app:${PW}[x]@db.example.com/db`, R("unparseable")],
  [`postgres://app:${PW} x@db.example.com/db`, R("unparseable")],
  [u("db.example.com\t"), R("unparseable")],
  [u("db.example.com", "/db%00"), R("unparseable")],
  [u("db.example.com", "/db?sslmode=require%ZZ"), R("unparseable")],
  [u("[fe80::1%eth0]"), R("unparseable")],
  [u("[::ffff:0177.0.0.1]"), R("unparseable", "invalid-host")],
  [u("1.2.3.4.5"), R("unparseable", "invalid-host")],
  [u("4294967296"), R("unparseable", "invalid-host")],
  [u("09.1.1.1"), R("unparseable", "invalid-host")],
  [u("db.example.123"), R("unparseable", "invalid-host")],
  [u("-db.example.com"), R("unparseable", "invalid-host")],
  [u("db..example.com"), R("unparseable", "invalid-host")],
  [u("[::1"), R("unparseable")],
  [u("[]"), R("unparseable")],
  [u("[::1]x"), R("unparseable")],
  // ---- scheme ---------------------------------------------------------------------------------------
  [`POSTGRES://app:${PW}@db.example.com/db`, R("invalid_scheme")],
  [`mysql://app:${PW}@db.example.com/db`, R("invalid_scheme")],
  [`postgres:/db.example.com/db`, R("invalid_scheme")],
  [`jdbc:postgresql://db.example.com/db`, R("invalid_scheme")],
  [`https://db.example.com/db`, R("invalid_scheme")],
  [` postgres://app:${PW}@db.example.com/db`, R("invalid_scheme")],
  [`host=db.example.com password=${PW}`, R("invalid_scheme")],
  // ---- ports ------------------------------------------------------------------------------------------
  [u("db.example.com:99999"), R("invalid_port")],
  [u("db.example.com:0"), R("invalid_port")],
  [u("db.example.com:abc"), R("invalid_port")],
  [u("db.example.com:5432:5433"), R("invalid_port")],
  [u("h1.example.com,h2.example.com", "/db?port=1,2,3"), R("invalid_port")],
];

/** The check the module replaces: WHATWG URL hostname plus a regex. */
function naiveAccepts(s: string): boolean {
  try {
    const h = new URL(s).hostname;
    return !/^(?:127\.|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|localhost$)/i.test(h);
  } catch {
    return false;
  }
}

describe("connection-string vectors", () => {
  it("has at least 100 vectors", () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(100);
  });

  it.each(VECTORS.map(([s, e], i) => [i, s, e] as const))("vector %i", (_i, s, expected) => {
    const r = checkConnectionString(s);
    if (expected === "accept") {
      expect(r).toMatchObject({ ok: true });
    } else {
      expect(r).toMatchObject({ ok: false, ...expected });
    }
    const printed = JSON.stringify(r) + inspect(r, { depth: 10 });
    expect(printed).not.toContain(PW);
    if (!r.ok) expect(r.reason).not.toContain(s);
  });

  it("counts what a naive new URL() + regex check gets wrong", () => {
    const wrong = VECTORS.filter(([s, e]) => naiveAccepts(s) !== (e === "accept"));
    const falseAccepts = wrong.filter(([, e]) => e !== "accept").length;
    const byCode = new Map<string, number>();
    for (const [, e] of wrong) {
      const k = e === "accept" ? "accept" : e.code;
      byCode.set(k, (byCode.get(k) ?? 0) + 1);
    }

    console.log(
      `naive new URL().hostname + regex check: ${wrong.length} of ${VECTORS.length} vectors wrong ` +
        `(${falseAccepts} unsafe accepts, ${wrong.length - falseAccepts} false rejects); by expected outcome: ` +
        JSON.stringify(Object.fromEntries(byCode)),
    );
    expect(wrong.length).toBeGreaterThan(50);
  });
});

describe("parseConnectionString", () => {
  it("reads a libpq URI", () => {
    const p = parseConnectionString(`postgresql://app:${PW}@h1.example.com:5432,[2606:4700::1]:5433/shop?sslmode=require&application_name=x`);
    expect(p.scheme).toBe("postgresql");
    expect(p.hosts).toEqual([
      { host: "h1.example.com", port: 5432 },
      { host: "2606:4700::1", port: 5433 },
    ]);
    expect(p.database).toBe("shop");
    expect(p.user).toBe("app");
    expect(p.password).toBe(PW);
    expect(p.params).toEqual({ sslmode: "require", application_name: "x" });
  });

  it("follows libpq: query values override the authority, the last duplicate wins, ssl=true", () => {
    const p = parseConnectionString(`postgres://a:b@h.example.com/d1?dbname=d2&user=u2&password=p2&port=6543&sslmode=disable&ssl=true`);
    expect(p.database).toBe("d2");
    expect(p.user).toBe("u2");
    expect(p.password).toBe("p2");
    expect(p.hosts).toEqual([{ host: "h.example.com", port: 6543 }]);
    expect(p.params.sslmode).toBe("require");
  });

  it("reads userinfo up to the first '@' and percent-decodes after splitting", () => {
    expect(parseConnectionString("postgres://u:p%40q@h.example.com/d").password).toBe("p@q");
    expect(parseConnectionString("postgres://u:a:b@h.example.com/d").password).toBe("a:b");
    expect(parseConnectionString("postgres://h1.example.com%2Ch2.example.com/d").hosts.map((h) => h.host)).toEqual(["h1.example.com", "h2.example.com"]);
    expect(parseConnectionString("postgres://h1.example.com,h2.example.com:5433/d").hosts).toEqual([
      { host: "h1.example.com", port: 5432 },
      { host: "h2.example.com", port: 5433 },
    ]);
    expect(parseConnectionString("postgres://h1.example.com,h2.example.com:6000/d?port=7000").hosts.map((h) => h.port)).toEqual([7000, 7000]);
  });

  it("the database defaults to the user name, as in libpq", () => {
    expect(parseConnectionString("postgres://app:pw@db.example.com/shop").databaseOrDefault).toBe("shop");
    expect(parseConnectionString("postgres://app:pw@db.example.com").databaseOrDefault).toBe("app");
    expect(parseConnectionString("postgres://db.example.com").databaseOrDefault).toBeUndefined();
  });

  it("never shows the password when printed", () => {
    const p = parseConnectionString(`postgres://app:${PW}@db.example.com/shop`);
    for (const shown of [
      JSON.stringify(p),
      inspect(p),
      inspect(p, { showHidden: true, depth: 5 }),
      String(p),
      // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the stringification is what is tested
      `${p}`,
      JSON.stringify({ ...p }),
      Object.keys(p).join(),
    ]) {
      expect(shown).not.toContain(PW);
    }
  });

  it("throws ConnectionStringError whose every rendering is safe", () => {
    const inputs = [
      `mysql://app:${PW}@db.example.com/db`,
      `postgres://app:${PW}@db.example.com:${PW}/db`,
      `postgres://app:${PW}@db.example.com/db?${PW}=1`,
      `postgres://app:${PW}@db.example.com/db?x=%${PW}`,
      `postgres://app:${PW}#@db.example.com/db`,
      `postgres://app:${PW}@db.example.com/db?port=${PW}`,
    ];
    for (const s of inputs) {
      let caught: unknown;
      try {
        parseConnectionString(s);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ConnectionStringError);
      const e = caught as ConnectionStringError;
      expect(e.param).toBe("connectionString");
      expect(e.field).toBe("connectionString");
      for (const shown of [e.message, String(e), JSON.stringify(e), inspect(e), inspect(e, { showHidden: true }), e.stack ?? ""]) {
        expect(shown).not.toContain(PW);
      }
    }
  });
});

describe("classifyHost", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["db.example.com", "public"],
    ["[2606:4700::1111]", "public"],
    ["2606:4700::1111", "public"],
    ["127.0.0.1", "loopback"],
    ["0x7f.1", "loopback"],
    ["fe80::1%eth0", "link-local"],
    ["", "unix-socket"],
    ["/tmp", "unix-socket"],
    ["@pg", "unix-socket"],
    ["C:\\pg", "unix-socket"],
    ["%2Ftmp", "unix-socket"],
    ["%31%30.0.0.1", "private-use"],
    ["db.example.com%2e", "invalid-host"],
    ["metadata.google.internal.", "metadata"],
    ["METADATA.GOOGLE.INTERNAL", "metadata"],
    ["１０.０.０.１", "private-use"],
    ["①②⑦.0.0.1", "loopback"],
    ["db.svc.cluster.local", "cluster-internal"],
    ["db\u0000.example.com", "invalid-host"],
    ["db example.com", "invalid-host"],
    ["db.example.com..", "invalid-host"],
  ])("%j → %s", (host, expected) => {
    const c = classifyHost(host);
    expect(c.kind === "public" ? "public" : c.hostClass).toBe(expected);
  });
});
