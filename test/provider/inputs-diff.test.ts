import { randomBytes, scryptSync } from "node:crypto";
import { checkInputs, datasourceProvider, diffDatasource, fingerprint, matchesFingerprint, metadataPatch, toOutputs, UNKNOWN } from "@ablo/provider";

const CANARY = "canary-Pw-7f3a9c";
const url = (over: Partial<{ user: string; pw: string; host: string; port: number; db: string }> = {}) =>
  `postgres://${over.user ?? "app"}:${over.pw ?? CANARY}@${over.host ?? "db.example.com"}:${over.port ?? 5432}/${over.db ?? "shop"}?sslmode=require`;

describe("check", () => {
  test("valid inputs pass, kept as given: defaults are applied where used, not stored in state", () => {
    const { inputs, failures } = checkInputs({ connectionString: url() });
    expect(failures).toEqual([]);
    expect(inputs).toEqual({ connectionString: url() });
  });

  test.each([
    [{}, "connectionString"],
    [{ connectionString: "mysql://app:pw@db.example.com/shop" }, "connectionString"],
    [{ connectionString: `postgres://app:${CANARY}@10.0.0.1:99999/shop` }, "connectionString"],
    [{ connectionString: url(), schema: "bad schema;" }, "schema"],
    [{ connectionString: url(), metadata: { ["k".repeat(41)]: "v" } }, "metadata"],
    [{ connectionString: url(), metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) }, "metadata"],
    [{ connectionString: url(), waitForVerification: "yes" }, "waitForVerification"],
    [{ connectionString: url(), adoptId: "not-an-id" }, "adoptId"],
  ])("bad input %# fails naming %s, without the password", (news, property) => {
    const { failures } = checkInputs(news);
    expect(failures.map((f) => f.property.split(".")[0])).toContain(property);
    expect(JSON.stringify(failures)).not.toContain(CANARY);
  });

  test.each([
    ["an empty label", url({ host: "a..b" })],
    ["a lone surrogate", url({ host: "\ud800" })],
    ["a numeric name that is no IPv4 address", url({ host: "1.2.3.999" })],
    ["a label starting with a hyphen", url({ host: "-db.example.com" })],
    ["an unreadable second host", `postgres://app:${CANARY}@db.example.com:5432,a..b:5432/shop`],
    ["an unreadable hostaddr", `postgres://app:${CANARY}@db.example.com/shop?hostaddr=a..b`],
  ])("a host the classifier cannot read (%s) fails at preview, naming connectionString, without the password or the host", (_what, cs) => {
    const { failures } = checkInputs({ connectionString: cs });
    expect(failures).toEqual([{ property: "connectionString", reason: expect.stringMatching(/cannot be read unambiguously \(.+\)$/) }]);
    expect(JSON.stringify(failures)).not.toContain(CANARY);
    expect(failures[0]!.reason).not.toMatch(/a\.\.b|\ud800|999|-db/);
  });

  test.each([
    ["a public name", "db.example.com"],
    ["a public address", "8.8.8.8"],
    ["an underscore in a label", "db_1.example.com"],
    ["a private address", "10.0.0.1"],
    ["loopback", "127.0.0.1"],
    ["loopback, hex short form", "0x7f.1"],
    ["localhost", "localhost"],
    ["a private-use name", "db.internal"],
    ["IPv6 loopback", "[::1]"],
    ["a fullwidth address", "１２７．０．０．１"],
    ["a unix-socket directory", "%2Fvar%2Frun%2Fpostgresql"],
  ])("a readable host passes check, private ones too (%s: the policy pack's business, not check's)", (_what, host) => {
    expect(checkInputs({ connectionString: url({ host }) }).failures).toEqual([]);
  });

  test.each([
    ["the password", { note: `rotated to ${CANARY}` }, "metadata.note", "the connection string's password"],
    ["the whole connection string", { source: url() }, "metadata.source", "the connection string's password"],
    [
      "another connection string with a password",
      { replica: "postgresql://ro:other-secret@replica.example.com/shop" },
      "metadata.replica",
      "a connection string with a password",
    ],
    ["the password, as a key (not quoted)", { [CANARY]: "x" }, "metadata.<key>", "the connection string's password"],
  ])("metadata holding %s fails at preview, naming the key, never quoting the value", (_what, metadata, property, found) => {
    const { failures } = checkInputs({ connectionString: url(), metadata });
    expect(failures).toEqual([{ property, reason: expect.stringContaining(`holds ${found}: metadata is kept and shown in plain text`) }]);
    expect(JSON.stringify(failures)).not.toMatch(new RegExp(`${CANARY}|other-secret`));
  });

  test("with a credential in metadata, no failure names the whole map, whose value the engine would print", () => {
    const metadata = { ...Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])), note: CANARY };
    const { failures } = checkInputs({ connectionString: url(), metadata });
    expect(failures.map((f) => f.property).sort()).toEqual(["metadata.*", "metadata.note"]);
  });

  test.each([
    ["a URL without a password", { docs: "postgres://db.example.com/shop" }],
    ["a short password's letters in an ordinary word", { team: "admin" }],
    ["an unrelated value", { team: "data", env: "prod" }],
  ])("metadata without a credential passes (%s)", (_what, metadata) => {
    expect(checkInputs({ connectionString: url({ pw: "admin" }), metadata }).failures).toEqual([]);
  });

  test("an adoptId of the other mode than the key is a failure; the id is shown only when it has the shape of an id", async () => {
    const saved = process.env.ABLO_API_KEY;
    process.env.ABLO_API_KEY = "sk_test_inputsdiff";
    try {
      const reasons = async (adoptId: string) =>
        ((await datasourceProvider.check({}, { connectionString: url(), adoptId })).failures ?? [])
          .filter((f) => f.property === "adoptId")
          .map((f) => f.reason);
      const id = `ds_${"a1B2".repeat(4)}`;
      expect(await reasons(id)).toEqual([`adoptId ${id} is a live datasource but ablo:apiKey is a test key; use a live key or a test id`]);
      for (const junk of [`ds_${"x".repeat(1 << 20)}\u0000`, `ds_\u001b[2J${CANARY}`, "ds_a\nb", `ds_${"a".repeat(65)}`]) {
        const rs = await reasons(junk);
        expect(rs).toContain("adoptId is a live datasource but ablo:apiKey is a test key; use a live key or a test id");
        for (const r of rs) {
          expect(r.length).toBeLessThan(200);
          expect(r).not.toMatch(/[\u0000-\u001f]/);
          expect(r).not.toContain(CANARY);
        }
      }
    } finally {
      if (saved === undefined) delete process.env.ABLO_API_KEY;
      else process.env.ABLO_API_KEY = saved;
    }
  });

  test("unknown values are left for apply", () => {
    const { inputs, failures } = checkInputs({ connectionString: UNKNOWN, metadata: UNKNOWN });
    expect(failures).toEqual([]);
    expect(inputs.connectionString).toBe(UNKNOWN);
  });
});

describe("fingerprint", () => {
  test("is salted, verifiable, and never the string or a bare hash", async () => {
    const a = await fingerprint(url());
    const b = await fingerprint(url());
    expect(a).not.toBe(b);
    expect(a).not.toContain(CANARY);
    expect(a).toMatch(/^sha256:[\w-]{16}:[\w-]{22}$/);
    await expect(matchesFingerprint(url(), a)).resolves.toBe(true);
    await expect(matchesFingerprint(url({ pw: "other" }), a)).resolves.toBe(false);
    await expect(matchesFingerprint(url(), "garbage")).resolves.toBe(false);
    await expect(matchesFingerprint(url(), "sha256:AAAA")).resolves.toBe(false);
  });

  test("a fingerprint of the earlier format (scrypt) never matches: the next up rotates the credentials in place once", async () => {
    const salt = randomBytes(16);
    const hash = scryptSync(url(), salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const legacy = ["scrypt", 1 << 15, 8, 1, salt.toString("base64"), hash.toString("base64")].join(":");
    await expect(matchesFingerprint(url(), legacy)).resolves.toBe(false);
    const olds = { host: "db.example.com", port: 5432, database: "shop", schema: "public", metadata: {}, fingerprint: legacy };
    expect(await diffDatasource(olds, { connectionString: url(), schema: "public", metadata: {} })).toMatchObject({
      changes: true,
      replaces: [],
      updates: ["connectionString"],
      rotation: true,
    });
  });
});

describe("diff", () => {
  let olds: Record<string, unknown>;
  beforeAll(async () => {
    olds = { host: "db.example.com", port: 5432, database: "shop", schema: "public", metadata: { team: "a" }, fingerprint: await fingerprint(url()) };
  });
  const news = (over: Record<string, unknown> = {}) => ({ connectionString: url(), schema: "public", metadata: { team: "a" }, ...over });

  test("nothing changed: no changes", async () => {
    expect(await diffDatasource(olds, news())).toMatchObject({ changes: false, replaces: [], updates: [] });
  });
  test("new password or user for the same host/port/db: in-place rotation", async () => {
    for (const cs of [url({ pw: "rotated" }), url({ user: "app2" })]) {
      expect(await diffDatasource(olds, news({ connectionString: cs }))).toMatchObject({
        changes: true,
        replaces: [],
        updates: ["connectionString"],
        rotation: true,
      });
    }
  });
  test.each([[{ host: "other.example.com" }], [{ port: 6432 }], [{ db: "billing" }]])("%o: replacement", async (over) => {
    expect(await diffDatasource(olds, news({ connectionString: url(over) }))).toMatchObject({ changes: true, replaces: ["connectionString"] });
  });
  test("schema: replacement; metadata: in place", async () => {
    expect((await diffDatasource(olds, news({ schema: "sales" }))).replaces).toEqual(["schema"]);
    expect(await diffDatasource(olds, news({ metadata: { team: "b" } }))).toMatchObject({ replaces: [], updates: ["metadata"] });
  });
  test("host compared without case or trailing dot: another spelling is no replacement", async () => {
    expect((await diffDatasource(olds, news({ connectionString: url({ host: "DB.Example.com." }) }))).replaces).toEqual([]);
  });
});

test("metadataPatch removes keys with an empty string (Stripe semantics)", () => {
  expect(metadataPatch({ a: "1", b: "2" }, { a: "3" })).toEqual({ a: "3", b: "" });
});

test("outputs are camelCased and carry no id, credential, constant field or owner mark", () => {
  const out = toOutputs(
    {
      object: "datasource",
      id: "ds_test_1",
      connection: "direct",
      status: "active",
      livemode: false,
      metadata: { team: "a", pulumi_owner: "x".repeat(32) },
      created: 1,
      provider: "postgresql",
      host: "h",
      database: "d",
      schema: "public",
      display_name: "app@h:5432/d",
      last_error: null,
    },
    { port: 5432, fingerprint: "sha256:…" },
  );
  expect(out).toEqual({
    status: "active",
    livemode: false,
    metadata: { team: "a" },
    created: 1,
    host: "h",
    database: "d",
    schema: "public",
    displayName: "app@h:5432/d",
    lastError: null,
    port: 5432,
    fingerprint: "sha256:…",
  });
});
