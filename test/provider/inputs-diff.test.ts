import { checkInputs, diffDatasource, fingerprint, matchesFingerprint, metadataPatch, toOutputs, UNKNOWN } from "@ablo/provider";

const CANARY = "canary-Pw-7f3a9c";
const url = (over: Partial<{ user: string; pw: string; host: string; port: number; db: string }> = {}) =>
  `postgres://${over.user ?? "app"}:${over.pw ?? CANARY}@${over.host ?? "db.example.com"}:${over.port ?? 5432}/${over.db ?? "shop"}?sslmode=require`;

describe("check", () => {
  test("valid inputs pass and get defaults", () => {
    const { inputs, failures } = checkInputs({ connectionString: url() });
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({ schema: "public", metadata: {}, waitForVerification: true, verificationTimeoutSeconds: 300 });
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
    const { failures } = checkInputs(news as Record<string, unknown>);
    expect(failures.map((f) => f.property.split(".")[0])).toContain(property);
    expect(JSON.stringify(failures)).not.toContain(CANARY);
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
    expect(a).toMatch(/^scrypt:32768:8:1:/);
    await expect(matchesFingerprint(url(), a)).resolves.toBe(true);
    await expect(matchesFingerprint(url({ pw: "other" }), a)).resolves.toBe(false);
    await expect(matchesFingerprint(url(), "garbage")).resolves.toBe(false);
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
      expect(await diffDatasource(olds, news({ connectionString: cs }))).toMatchObject({ changes: true, replaces: [], updates: ["connectionString"], rotation: true });
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

test("outputs are camelCased and carry no id or credential", () => {
  const out = toOutputs(
    { object: "datasource", id: "ds_test_1", connection: "direct", status: "active", livemode: false, metadata: {}, created: 1, provider: "postgresql", host: "h", database: "d", schema: "public", display_name: "app@h:5432/d", last_error: null },
    { port: 5432, fingerprint: "scrypt:…" },
  );
  expect(out).toMatchObject({ displayName: "app@h:5432/d", lastError: null, port: 5432 });
  expect(out).not.toHaveProperty("id");
});
