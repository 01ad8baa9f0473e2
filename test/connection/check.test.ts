import { inspect } from "node:util";
import {
  assertPublicConnectionString,
  checkConnectionString,
  ConnectionStringError,
  displayName,
  parseConnectionString,
  PERCENT_ENCODE_USERINFO,
  resolveAndCheck,
  resolvingChecker,
} from "@ablo/connection";

const PW = "Kanary-9f3b1e";

/** A fake resolver: never touches the network. */
function fakeResolver(table: Record<string, readonly string[]>) {
  const calls: string[] = [];
  const resolve = async (host: string): Promise<readonly string[]> => {
    calls.push(host);
    const r = table[host];
    if (!r) throw new Error(`ENOTFOUND ${host}`);
    return r;
  };
  return { resolve, calls };
}

describe("allow-lists and allowPrivateHosts", () => {
  it("admits an allowed CIDR, also for mapped IPv6", () => {
    const opts = { allow: { cidrs: ["10.0.0.0/8"] } };
    expect(checkConnectionString(`postgres://a:${PW}@10.1.2.3/db`, opts)).toMatchObject({ ok: true, hosts: [{ admittedBy: "allow-cidr" }] });
    expect(checkConnectionString(`postgres://a:${PW}@[::ffff:10.1.2.3]/db`, opts)).toMatchObject({ ok: true });
    expect(checkConnectionString(`postgres://a:${PW}@012.1.2.3/db`, opts)).toMatchObject({ ok: true });
    expect(checkConnectionString(`postgres://a:${PW}@192.168.0.1/db`, opts)).toMatchObject({ ok: false, hostClass: "private-use" });
  });

  it("admits an allowed host name (exact or *.suffix), case- and trailing-dot-insensitive", () => {
    const opts = { allow: { hosts: ["DB.Internal.", "*.corp.example"] } };
    expect(checkConnectionString(`postgres://a:${PW}@db.internal/db`, opts)).toMatchObject({ ok: true, hosts: [{ admittedBy: "allow-host" }] });
    expect(checkConnectionString(`postgres://a:${PW}@pg.eu.corp.example/db`, opts)).toMatchObject({ ok: true });
    expect(checkConnectionString(`postgres://a:${PW}@other.internal/db`, opts)).toMatchObject({ ok: false });
  });

  it("treats an address in the host allow-list as a one-address CIDR", () => {
    const opts = { allow: { hosts: ["10.0.0.5", "[fd00::5]"] } };
    expect(checkConnectionString(`postgres://a:${PW}@10.0.0.5/db`, opts)).toMatchObject({ ok: true, hosts: [{ admittedBy: "allow-cidr" }] });
    expect(checkConnectionString(`postgres://a:${PW}@0xa000005/db`, opts)).toMatchObject({ ok: true });
    expect(checkConnectionString(`postgres://a:${PW}@[fd00::5]/db`, opts)).toMatchObject({ ok: true });
    expect(checkConnectionString(`postgres://a:${PW}@10.0.0.6/db`, opts)).toMatchObject({ ok: false });
  });

  it("never admits metadata endpoints, unix sockets or unreadable hosts", () => {
    const opts = { allow: { cidrs: ["169.254.0.0/16", "0.0.0.0/0"], hosts: ["metadata.google.internal"] }, allowPrivateHosts: true };
    expect(checkConnectionString(`postgres://a:${PW}@169.254.169.254/db`, opts)).toMatchObject({ ok: false, hostClass: "metadata" });
    expect(checkConnectionString(`postgres://a:${PW}@metadata.google.internal/db`, opts)).toMatchObject({ ok: false, hostClass: "metadata" });
    expect(checkConnectionString(`postgres://a:${PW}@/db`, opts)).toMatchObject({ ok: false, code: "unix_socket" });
    expect(checkConnectionString(`postgres://a:${PW}@1.2.3.4.5/db`, opts)).toMatchObject({ ok: false, code: "unparseable" });
  });

  it("allowPrivateHosts admits loopback only", () => {
    const opts = { allowPrivateHosts: true };
    expect(checkConnectionString(`postgres://a:${PW}@127.0.0.1:5433/db`, opts)).toMatchObject({ ok: true, hosts: [{ admittedBy: "allow-private-hosts" }] });
    expect(checkConnectionString(`postgres://a:${PW}@localhost/db`, opts)).toMatchObject({ ok: true });
    expect(checkConnectionString(`postgres://a:${PW}@[::1]/db`, opts)).toMatchObject({ ok: true });
    expect(checkConnectionString(`postgres://a:${PW}@10.0.0.1/db`, opts)).toMatchObject({ ok: false, hostClass: "private-use" });
    expect(checkConnectionString(`postgres://a:${PW}@[fe80::1]/db`, opts)).toMatchObject({ ok: false });
  });

  it("refuses an invalid allow-list as a programming error", () => {
    expect(() => checkConnectionString("postgres://db.example.com", { allow: { cidrs: ["10.1/8"] } })).toThrow(TypeError);
    expect(() => checkConnectionString("postgres://db.example.com", { allow: { cidrs: ["0x0a.0.0.0/8"] } })).toThrow(TypeError);
    expect(() => checkConnectionString("postgres://db.example.com", { allow: { hosts: ["bad host"] } })).toThrow(TypeError);
  });
});

describe("resolveAndCheck (injected resolver, no DNS)", () => {
  it("returns the checked addresses to connect to", async () => {
    const { resolve, calls } = fakeResolver({ "db.example.com": ["93.184.216.34", "2606:2800:220:1::248", "93.184.216.34"] });
    const r = await resolveAndCheck(`postgres://a:${PW}@DB.Example.com.:6543/db`, { resolve });
    expect(r).toMatchObject({ ok: true, hosts: [{ host: "db.example.com", port: 6543, addresses: ["93.184.216.34", "2606:2800:220:1::248"] }] });
    expect(calls).toEqual(["db.example.com"]);
  });

  it("does not resolve IP literals", async () => {
    const { resolve, calls } = fakeResolver({});
    const r = await resolveAndCheck(`postgres://a:${PW}@8.8.8.8/db`, { resolve });
    expect(r).toMatchObject({ ok: true, hosts: [{ addresses: ["8.8.8.8"] }] });
    expect(calls).toEqual([]);
  });

  it.each([
    [["10.0.0.5"], "private-use"],
    [["93.184.216.34", "127.0.0.1"], "loopback"],
    [["::ffff:169.254.169.254"], "metadata"],
    [["fd12::1"], "unique-local"],
  ])("refuses a public name that resolves to %j", async (addresses, hostClass) => {
    const { resolve } = fakeResolver({ "db.example.com": addresses });
    const r = await resolveAndCheck(`postgres://a:${PW}@db.example.com/db`, { resolve });
    expect(r).toMatchObject({ ok: false, code: "host_not_public", hostClass });
    expect(JSON.stringify(r)).not.toContain(PW);
  });

  it("checks every host of a multi-host string", async () => {
    const { resolve } = fakeResolver({ "a.example.com": ["8.8.8.8"], "b.example.com": ["192.168.1.1"] });
    const r = await resolveAndCheck(`postgres://u:${PW}@a.example.com,b.example.com/db`, { resolve });
    expect(r).toMatchObject({ ok: false, hostIndex: 2, hostClass: "private-use" });
  });

  it("fails closed on resolver errors, empty answers, non-addresses and timeouts", async () => {
    const s = `postgres://u:${PW}@db.example.com/db`;
    await expect(resolveAndCheck(s, fakeResolver({}))).resolves.toMatchObject({ ok: false, code: "resolution_failed" });
    await expect(resolveAndCheck(s, fakeResolver({ "db.example.com": [] }))).resolves.toMatchObject({ ok: false, code: "resolution_failed" });
    await expect(resolveAndCheck(s, fakeResolver({ "db.example.com": ["other.example.com"] }))).resolves.toMatchObject({
      ok: false,
      code: "resolution_failed",
    });
    await expect(resolveAndCheck(s, { resolve: () => new Promise(() => undefined), timeoutMs: 20 })).resolves.toMatchObject({
      ok: false,
      code: "resolution_failed",
    });
  });

  it("answers synchronously when the resolver does (a static map), failures included", async () => {
    const check = resolvingChecker({ resolve: (h) => (h === "db.example.com" ? ["93.184.216.34"] : ["10.0.0.1"]) });
    const ok = check(`postgres://u:${PW}@db.example.com/db`);
    expect(ok).not.toBeInstanceOf(Promise);
    expect(ok).toMatchObject({ ok: true, hosts: [{ addresses: ["93.184.216.34"] }] });
    expect(check(`postgres://u:${PW}@other.example.com/db`)).toMatchObject({ ok: false, code: "host_not_public", hostClass: "private-use" });
    const throwing = resolvingChecker({
      resolve: () => {
        throw new Error("no such host");
      },
    });
    expect(throwing(`postgres://u:${PW}@db.example.com/db`)).toMatchObject({ ok: false, code: "resolution_failed" });
    // An asynchronous resolver gives a promise, as resolveAndCheck always does.
    const later = resolvingChecker({ resolve: async () => ["93.184.216.34"] })(`postgres://u:${PW}@db.example.com/db`);
    expect(later).toBeInstanceOf(Promise);
    await expect(later).resolves.toMatchObject({ ok: true });
  });

  it("an allowed host name does not admit private addresses without an allowed CIDR", async () => {
    const { resolve } = fakeResolver({ "db.internal": ["10.0.0.7"] });
    const s = `postgres://u:${PW}@db.internal/db`;
    await expect(resolveAndCheck(s, { resolve, allow: { hosts: ["db.internal"] } })).resolves.toMatchObject({ ok: false, hostClass: "private-use" });
    await expect(resolveAndCheck(s, { resolve, allow: { hosts: ["db.internal"], cidrs: ["10.0.0.0/24"] } })).resolves.toMatchObject({
      ok: true,
      hosts: [{ addresses: ["10.0.0.7"] }],
    });
  });

  it("returns the syntax failure without calling the resolver", async () => {
    const { resolve, calls } = fakeResolver({});
    await expect(resolveAndCheck(`postgres://u:${PW}@localhost/db`, { resolve })).resolves.toMatchObject({ ok: false, hostClass: "loopback" });
    expect(calls).toEqual([]);
  });
});

describe("assertPublicConnectionString", () => {
  it("throws a safe ConnectionStringError", () => {
    let e: unknown;
    try {
      assertPublicConnectionString(`postgres://u:${PW}@[::ffff:7f00:1]/db`);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(ConnectionStringError);
    expect(e).toMatchObject({ code: "host_not_public", hostClass: "loopback", param: "connectionString" });
    expect(inspect(e) + String(e) + JSON.stringify(e)).not.toContain(PW);
  });
});

describe("a reserved character in the user or password", () => {
  it.each([
    ["'@'", `postgres://app:${PW}@x@db.example.com/shop`],
    ["'@' then ':' (the port holds the '@')", `postgres://app:${PW}@x:y@db.example.com:5432/shop`],
    ["'#'", `postgres://app:${PW}#x@db.example.com/shop`],
    ["'?'", `postgres://app:${PW}?x@db.example.com/shop`],
    ["a bare '%'", `postgres://app:${PW}%zz@db.example.com/shop`],
    ["a bare '%' in the user", `postgres://a%pp:${PW}@db.example.com/shop`],
  ])("%s: refused as unparseable, saying how to percent-encode it, without quoting it", (_what, s) => {
    const r = checkConnectionString(s);
    expect(r).toMatchObject({ ok: false, code: "unparseable" });
    const reason = (r as { reason: string }).reason;
    expect(reason).toContain(PERCENT_ENCODE_USERINFO);
    expect(reason).toContain("@ as %40, # as %23");
    expect(reason).not.toContain(PW);
    expect(reason).not.toMatch(/zz|x@|a%pp/);
  });

  it("percent-encoded, the same password reads back", () => {
    expect(parseConnectionString(`postgres://app:p%40x%23y%3Fz%2Fw%3Av%25@db.example.com/shop`).password).toBe("p@x#y?z/w:v%");
  });
});

describe("displayName", () => {
  it.each([
    [`postgres://app:${PW}@db.example.com:5432/shop`, "app@db.example.com:5432/shop"],
    [`postgres://app:${PW}@db.example.com/shop`, "app@db.example.com:5432/shop"],
    [`postgres://app:${PW}@h1.example.com,h2.example.com:5433/shop`, "app@h1.example.com:5432,h2.example.com:5433/shop"],
    [`postgres://app:${PW}@[2606:4700::1111]/shop`, "app@[2606:4700::1111]:5432/shop"],
    ["postgres://db.example.com", "db.example.com:5432"],
    [`postgres://app:${PW}@db.example.com/shop?password=other&sslmode=require`, "app@db.example.com:5432/shop"],
  ])("%s", (s, expected) => {
    const name = displayName(parseConnectionString(s));
    expect(name).toBe(expected);
    expect(name).not.toContain(PW);
  });
});
