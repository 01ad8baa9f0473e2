import { stat } from "node:fs/promises";
import { join } from "node:path";
import { DatasourceListSchema, DatasourceSchema, DeletedDatasourceSchema } from "@ablo/api";
import { startAbloLocal, type AbloLocal } from "@ablo/harness";
import { CANARY, client, eventually, filesContaining } from "./helpers";

// The contract against one running server (verification off: nothing is dialed; public names
// come from a static DNS map, never from real DNS).
const DNS = {
  "db.example.com": ["93.184.216.34"],
  "replica.example.com": ["93.184.216.35"],
  "private.example.com": ["10.1.2.3"],
  "mixed.example.com": ["93.184.216.36", "127.0.0.1"],
  "metadata.example.com": ["169.254.169.254"],
};
const cs = (host = "db.example.com", db = "shop", user = "app", port = 5432) => `postgres://${user}:${CANARY}@${host}:${port}/${db}`;

let api: AbloLocal;
let testKey: string; // org acme, sandbox
let liveKey: string; // org acme, live
let otherKey: string; // org globex, sandbox
let readOnly: string; // acme sandbox capability: read
let writeOnly: string; // acme sandbox capability: write
let liveRead: string; // acme live capability: read + write
const { call, transcript } = client(() => api.baseUrl);
const create = (token: string, body: unknown, headers?: Record<string, string>) =>
  call("POST", "/v1/datasources", { token, body, ...(headers ? { headers } : {}) });

beforeAll(async () => {
  api = await startAbloLocal({ verification: false, dnsMap: DNS, rateLimit: 0 });
  [testKey, liveKey, otherKey, readOnly, writeOnly, liveRead] = await Promise.all([
    api.createKey("acme", "test"),
    api.createKey("acme", "live"),
    api.createKey("globex", "test"),
    api.createKey("acme", "test", ["datasources:read"]),
    api.createKey("acme", "test", ["datasources:write"]),
    api.createKey("acme", "live", ["datasources:read", "datasources:write"]),
  ]);
});

afterAll(async () => {
  // Nothing the server wrote or answered may carry the password or a token.
  const secrets = [CANARY, testKey, liveKey, otherKey, readOnly, writeOnly, liveRead];
  try {
    for (const s of secrets) {
      expect({ secret: s.slice(0, 8), inLogs: api.logs().includes(s) }).toEqual({ secret: s.slice(0, 8), inLogs: false });
      expect({ secret: s.slice(0, 8), inDataDir: await filesContaining(api.dataDir, s) }).toEqual({ secret: s.slice(0, 8), inDataDir: [] });
    }
    expect(transcript.filter((t) => t.includes(CANARY))).toEqual([]);
  } finally {
    await api.stop();
  }
});

describe("keys and tokens", () => {
  test("keys have the contract's shapes", () => {
    expect(testKey).toMatch(/^sk_test_[A-Za-z0-9]{40}$/);
    expect(liveKey).toMatch(/^sk_live_[A-Za-z0-9]{40}$/);
    expect(readOnly).toMatch(/^cap_test_/);
    expect(liveRead).toMatch(/^cap_live_/);
  });

  test("the master key file is private to its owner", async () => {
    expect((await stat(join(api.dataDir, "master.key"))).mode & 0o777).toBe(0o600);
  });
});

describe("openapi", () => {
  test("GET /v1/openapi.json is OpenAPI 3.1 generated from the schemas, without auth", async () => {
    const r = await call("GET", "/v1/openapi.json");
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe("3.1.0");
    expect(Object.keys(r.json.paths)).toEqual(["/v1/datasources", "/v1/datasources/{id}"]);
    expect(Object.keys(r.json.paths["/v1/datasources/{id}"])).toEqual(["get", "post", "delete"]);
    const createSchema = r.json.components.schemas.CreateDatasourceParams;
    expect(createSchema.required).toEqual(["connectionString"]);
    expect(createSchema.additionalProperties).toBe(false);
    expect(r.json.components.schemas.Datasource.oneOf ?? r.json.components.schemas.Datasource.anyOf).toHaveLength(2);
  });
});

describe("create, retrieve, list, update, delete", () => {
  test("create answers the datasource: every contract field, no credential", async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await create(testKey, { connectionString: cs(), metadata: { team: "data" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    const ds = DatasourceSchema.parse(r.json);
    expect(r.json).toEqual({
      object: "datasource",
      id: expect.stringMatching(/^ds_test_[A-Za-z0-9]+$/),
      connection: "direct",
      status: "unverified",
      livemode: false,
      metadata: { team: "data" },
      created: expect.any(Number),
      provider: "postgresql",
      host: "db.example.com",
      database: "shop",
      schema: "public",
      display_name: "app@db.example.com:5432/shop",
      last_error: null,
    });
    expect(ds.created).toBeGreaterThanOrEqual(before);
    const got = await call("GET", `/v1/datasources/${ds.id}`, { token: testKey });
    expect(got.status).toBe(200);
    expect(got.text).toBe(r.text);
  });

  test("a live key creates live records (ds_, livemode true); schema and connection are honoured", async () => {
    const r = await create(liveKey, { connectionString: cs("8.8.8.8", "crm"), connection: "direct", schema: "analytics" });
    expect(r.status).toBe(200);
    expect(r.json.id).toMatch(/^ds_(?!test_)[A-Za-z0-9]+$/);
    expect(r.json).toMatchObject({ livemode: true, host: "8.8.8.8", database: "crm", schema: "analytics", metadata: {} });
  });

  test("list is newest first and paginates with limit and starting_after", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(otherKey, { connectionString: cs(), metadata: { n: String(i) } })).json.id);
    const newestFirst = [...ids].reverse();
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 3; page++) {
      const r = await call("GET", `/v1/datasources?limit=2${after ? `&starting_after=${after}` : ""}`, { token: otherKey });
      expect(r.status).toBe(200);
      const list = DatasourceListSchema.parse(r.json);
      expect(list.url).toBe("/v1/datasources");
      seen.push(...list.data.map((d) => d.id));
      expect(list.has_more).toBe(page < 2);
      after = list.data.at(-1)?.id;
    }
    expect(seen).toEqual(newestFirst);
    const all = await call("GET", "/v1/datasources", { token: otherKey });
    expect(all.json.data.map((d: { id: string }) => d.id)).toEqual(newestFirst); // default limit 10
  });

  test.each([
    ["limit=0", "limit", "parameter_invalid"],
    ["limit=101", "limit", "parameter_invalid"],
    ["limit=abc", "limit", "parameter_invalid"],
    ["limit=1&limit=2", "limit", "parameter_invalid"],
    ["colour=red", "colour", "parameter_unknown"],
  ])("list rejects ?%s", async (q, param, code) => {
    const r = await call("GET", `/v1/datasources?${q}`, { token: testKey });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: "invalid_request_error", code, param });
  });

  test("query parameters anywhere but the list are unknown parameters", async () => {
    const { id } = (await create(testKey, { connectionString: cs() })).json;
    for (const [m, p] of [
      ["GET", `/v1/datasources/${id}?expand=x`],
      ["DELETE", `/v1/datasources/${id}?force=1`],
      ["POST", "/v1/datasources?dry_run=1"],
    ] as const) {
      const r = await call(m, p, { token: testKey, ...(m === "POST" ? { body: { connectionString: cs() } } : {}) });
      expect({ m, status: r.status, code: r.json.error?.code }).toEqual({ m, status: 400, code: "parameter_unknown" });
    }
    expect((await call("GET", `/v1/datasources/${id}`, { token: testKey })).status).toBe(200);
  });

  test("list with an unknown starting_after is 404", async () => {
    const r = await call("GET", "/v1/datasources?starting_after=ds_test_nope", { token: testKey });
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ type: "invalid_request_error", code: "resource_missing", param: "starting_after" });
  });

  test("update merges metadata (an empty string removes a key)", async () => {
    const { id } = (await create(testKey, { connectionString: cs(), metadata: { a: "1", b: "2" } })).json;
    const r = await call("POST", `/v1/datasources/${id}`, { token: testKey, body: { metadata: { b: "", c: "3" } } });
    expect(r.status).toBe(200);
    expect(r.json.metadata).toEqual({ a: "1", c: "3" });
    expect(r.json.status).toBe("unverified");
    expect((await call("GET", `/v1/datasources/${id}`, { token: testKey })).json.metadata).toEqual({ a: "1", c: "3" });
    const noop = await call("POST", `/v1/datasources/${id}`, { token: testKey, body: { schema: "public" } });
    expect(noop.status).toBe(200);
    expect(noop.json.metadata).toEqual({ a: "1", c: "3" });
  });

  test("rotation keeps host, port and database; other targets or schemas are 400", async () => {
    const { id } = (await create(testKey, { connectionString: cs() })).json;
    const rotated = await call("POST", `/v1/datasources/${id}`, {
      token: testKey,
      body: { connectionString: `postgresql://app_v2:${CANARY}x@DB.example.com:5432/shop?sslmode=require` },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.json).toMatchObject({ id, status: "unverified", host: "db.example.com", display_name: "app_v2@DB.example.com:5432/shop" });
    for (const [what, body, param] of [
      ["host", { connectionString: cs("replica.example.com") }, "connectionString"],
      ["port", { connectionString: cs("db.example.com", "shop", "app", 6543) }, "connectionString"],
      ["database", { connectionString: cs("db.example.com", "billing") }, "connectionString"],
      ["schema", { schema: "other" }, "schema"],
    ] as const) {
      const r = await call("POST", `/v1/datasources/${id}`, { token: testKey, body });
      expect({ what, status: r.status, param: r.json.error?.param, type: r.json.error?.type }).toEqual({
        what,
        status: 400,
        param,
        type: "invalid_request_error",
      });
    }
    const unknown = await call("POST", `/v1/datasources/${id}`, { token: testKey, body: { host: "x" } });
    expect(unknown.json.error).toMatchObject({ code: "parameter_unknown", param: "host" });
    const privateRotation = await call("POST", `/v1/datasources/${id}`, { token: testKey, body: { connectionString: cs("10.0.0.1") } });
    expect(privateRotation.json.error).toMatchObject({ code: "host_not_public", param: "connectionString" });
  });

  test("delete answers {object, id, deleted}; then everything on that id is 404", async () => {
    const { id } = (await create(testKey, { connectionString: cs() })).json;
    const del = await call("DELETE", `/v1/datasources/${id}`, { token: testKey });
    expect(del.status).toBe(200);
    expect(DeletedDatasourceSchema.parse(del.json)).toEqual({ object: "datasource", id, deleted: true });
    expect(del.text).toBe(JSON.stringify({ object: "datasource", id, deleted: true }));
    for (const [method, body] of [
      ["DELETE", undefined],
      ["GET", undefined],
      ["POST", { metadata: { a: "b" } }],
    ] as const) {
      const r = await call(method, `/v1/datasources/${id}`, { token: testKey, ...(body ? { body } : {}) });
      expect({ method, status: r.status, code: r.json.error?.code }).toEqual({ method, status: 404, code: "resource_missing" });
    }
  });

  test("unknown routes and methods are JSON 404s", async () => {
    for (const [m, p] of [
      ["GET", "/v1/nothing"],
      ["PUT", "/v1/datasources"],
      ["PATCH", "/v1/datasources/ds_test_x"],
      ["GET", "/_admin/faults"],
      ["GET", "/_bench/empty"],
    ]) {
      const r = await call(m!, p!, { token: testKey });
      expect({ m, p, status: r.status, code: r.json.error.code }).toEqual({ m, p, status: 404, code: "unrecognized_request_url" });
    }
  });
});

describe("validation at registration", () => {
  test.each([
    ["missing connectionString", {}, 400, "parameter_missing", "connectionString"],
    ["connectionString not a string", { connectionString: 5 }, 400, "parameter_invalid", "connectionString"],
    ["unknown field", { connectionString: cs(), colour: "red" }, 400, "parameter_unknown", "colour"],
    ["connection endpoint", { connectionString: cs(), connection: "endpoint" }, 400, "parameter_invalid", "connection"],
    ["bad schema name", { connectionString: cs(), schema: "bad-name" }, 400, "parameter_invalid", "schema"],
    ["metadata not an object", { connectionString: cs(), metadata: "x" }, 400, "parameter_invalid", "metadata"],
    ["metadata value not a string", { connectionString: cs(), metadata: { a: 1 } }, 400, "parameter_invalid", "metadata[a]"],
    ["metadata key too long", { connectionString: cs(), metadata: { ["k".repeat(41)]: "v" } }, 400, "parameter_invalid", `metadata[${"k".repeat(41)}]`],
    ["metadata value too long", { connectionString: cs(), metadata: { k: "v".repeat(501) } }, 400, "parameter_invalid", "metadata[k]"],
    [
      "51 metadata keys",
      { connectionString: cs(), metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) },
      400,
      "parameter_invalid",
      "metadata",
    ],
    ["mysql scheme", { connectionString: `mysql://app:${CANARY}@db.example.com/shop` }, 400, "invalid_scheme", "connectionString"],
    ["not a URI", { connectionString: `host=db.example.com password=${CANARY}` }, 400, "invalid_scheme", "connectionString"],
    ["loopback", { connectionString: cs("127.0.0.1") }, 400, "host_not_public", "connectionString"],
    ["localhost", { connectionString: cs("localhost") }, 400, "host_not_public", "connectionString"],
    ["decimal loopback", { connectionString: cs("2130706433") }, 400, "host_not_public", "connectionString"],
    ["private 10/8", { connectionString: cs("10.0.0.1") }, 400, "host_not_public", "connectionString"],
    ["IPv6 loopback", { connectionString: cs("[::1]") }, 400, "host_not_public", "connectionString"],
    ["IPv4-mapped IPv6", { connectionString: cs("[::ffff:10.0.0.1]") }, 400, "host_not_public", "connectionString"],
    ["metadata address", { connectionString: cs("169.254.169.254") }, 400, "host_not_public", "connectionString"],
    ["name resolving to private", { connectionString: cs("private.example.com") }, 400, "host_not_public", "connectionString"],
    ["name resolving to public and loopback", { connectionString: cs("mixed.example.com") }, 400, "host_not_public", "connectionString"],
    ["name resolving to the metadata address", { connectionString: cs("metadata.example.com") }, 400, "host_not_public", "connectionString"],
    ["unresolvable name", { connectionString: cs("nowhere.example.com") }, 400, "resolution_failed", "connectionString"],
    [
      "multi-host with a private one",
      { connectionString: `postgres://app:${CANARY}@db.example.com:5432,10.0.0.2:5432/shop` },
      400,
      "host_not_public",
      "connectionString",
    ],
    ["unix socket", { connectionString: `postgres://app:${CANARY}@%2Fvar%2Frun%2Fpostgresql/shop` }, 400, "unix_socket", "connectionString"],
    ["host= redirect", { connectionString: `${cs()}?host=10.0.0.1` }, 400, "host_param_conflict", "connectionString"],
    ["file parameter", { connectionString: `${cs()}?sslrootcert=/etc/passwd` }, 400, "param_not_allowed", "connectionString"],
  ])("%s", async (_what, body, status, code, param) => {
    const r = await create(testKey, body);
    expect(r.status).toBe(status);
    expect(r.json.error).toMatchObject({ type: "invalid_request_error", code, param });
    expect(r.json.error.message).not.toContain(CANARY);
  });

  test("public addresses and multi-host strings of public hosts are accepted", async () => {
    const multi = await create(testKey, {
      connectionString: `postgres://app:${CANARY}@db.example.com:5432,replica.example.com:5433/shop?target_session_attrs=read-write`,
    });
    expect(multi.status).toBe(200);
    expect(multi.json).toMatchObject({ host: "db.example.com,replica.example.com", display_name: "app@db.example.com:5432,replica.example.com:5433/shop" });
    const v6 = await create(testKey, { connectionString: `postgresql://app:${CANARY}@[2606:4700:4700::1111]:5432/shop` });
    expect(v6.status).toBe(200);
  });
});

describe("malformed requests: JSON 4xx, never a stack trace, never 500", () => {
  const post = (raw: string | Buffer, headers: Record<string, string>) => call("POST", "/v1/datasources", { token: testKey, raw, headers });
  test.each([
    ["truncated JSON", `{"connectionString":"${cs()}`, { "content-type": "application/json" }, 400, "invalid_json"],
    ["not JSON at all", "hello", { "content-type": "application/json" }, 400, "invalid_json"],
    ["a JSON array", "[1,2]", { "content-type": "application/json" }, 400, "parameter_invalid"],
    ["JSON null", "null", { "content-type": "application/json" }, 400, "parameter_invalid"],
    ["__proto__ member", `{"connectionString":"${cs()}","metadata":{"__proto__":{"x":"y"}}}`, { "content-type": "application/json" }, 400, "parameter_invalid"],
    ["text/plain", JSON.stringify({ connectionString: cs() }), { "content-type": "text/plain" }, 415, "unsupported_content_type"],
    ["form encoded", `connectionString=${encodeURIComponent(cs())}`, { "content-type": "application/x-www-form-urlencoded" }, 415, "unsupported_content_type"],
    ["JSON in latin1", JSON.stringify({ connectionString: cs() }), { "content-type": "application/json; charset=latin1" }, 415, "unsupported_content_type"],
  ])("%s", async (_what, raw, headers, status, code) => {
    const r = await post(raw, headers);
    expect(r.status).toBe(status);
    expect(r.json.error).toMatchObject({ type: "invalid_request_error", code });
    expect(r.text).not.toMatch(/at .*\.js:\d+/);
    expect(r.text).not.toContain(CANARY);
  });

  test("invalid UTF-8 is a 400", async () => {
    const r = await post(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { "content-type": "application/json" });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("invalid_json");
  });

  test("a body over 64 KiB is 413", async () => {
    const r = await post(JSON.stringify({ connectionString: cs(), metadata: { a: "x".repeat(70_000) } }), { "content-type": "application/json" });
    expect(r.status).toBe(413);
    expect(r.json.error).toMatchObject({ type: "invalid_request_error", code: "body_too_large" });
  });

  test("application/json with a charset parameter is fine", async () => {
    const r = await post(JSON.stringify({ connectionString: cs() }), { "content-type": "application/json; charset=UTF-8" });
    expect(r.status).toBe(200);
  });
});

describe("authentication and scopes", () => {
  test.each([
    ["no Authorization header", {}, "api_key_missing"],
    ["an unknown secret key", { authorization: "Bearer sk_test_0000000000000000000000000000000000000000" }, "api_key_invalid"],
    ["garbage", { authorization: "Bearer nonsense" }, "api_key_invalid"],
    ["Basic auth", { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` }, "api_key_invalid"],
  ])("%s is 401", async (_what, headers, code) => {
    for (const [m, p] of [
      ["GET", "/v1/datasources"],
      ["POST", "/v1/datasources"],
      ["GET", "/v1/datasources/ds_test_x"],
      ["DELETE", "/v1/datasources/ds_test_x"],
    ]) {
      const r = await call(m!, p!, { headers });
      expect({ m, p, status: r.status, type: r.json.error.type, code: r.json.error.code }).toEqual({ m, p, status: 401, type: "authentication_error", code });
    }
  });

  test("a read capability reads but cannot write (403)", async () => {
    const { id } = (await create(testKey, { connectionString: cs() })).json;
    expect((await call("GET", `/v1/datasources/${id}`, { token: readOnly })).status).toBe(200);
    expect((await call("GET", "/v1/datasources", { token: readOnly })).status).toBe(200);
    for (const r of [
      await create(readOnly, { connectionString: cs() }),
      await call("POST", `/v1/datasources/${id}`, { token: readOnly, body: { metadata: { a: "b" } } }),
      await call("DELETE", `/v1/datasources/${id}`, { token: readOnly }),
    ]) {
      expect(r.status).toBe(403);
      expect(r.json.error).toMatchObject({ type: "permission_error", code: "scope_missing" });
    }
  });

  test("a write capability writes but cannot read (403); a live capability works in live mode", async () => {
    const made = await create(writeOnly, { connectionString: cs() });
    expect(made.status).toBe(200);
    expect(made.json.id).toMatch(/^ds_test_/);
    expect((await call("GET", `/v1/datasources/${made.json.id}`, { token: writeOnly })).status).toBe(403);
    expect((await call("DELETE", `/v1/datasources/${made.json.id}`, { token: writeOnly })).status).toBe(200);
    const live = await create(liveRead, { connectionString: cs() });
    expect(live.json).toMatchObject({ livemode: true, id: expect.stringMatching(/^ds_(?!test_)/) });
    expect((await call("GET", `/v1/datasources/${live.json.id}`, { token: liveKey })).status).toBe(200);
  });
});

describe("isolation", () => {
  test("another organization's id is 404 for every operation, and never listed", async () => {
    const mine = (await create(testKey, { connectionString: cs() })).json;
    for (const [method, body] of [
      ["GET", undefined],
      ["POST", { metadata: { x: "y" } }],
      ["DELETE", undefined],
    ] as const) {
      const r = await call(method, `/v1/datasources/${mine.id}`, { token: otherKey, ...(body ? { body } : {}) });
      expect({ method, status: r.status, code: r.json.error?.code }).toEqual({ method, status: 404, code: "resource_missing" });
    }
    const theirs = await call("GET", "/v1/datasources?limit=100", { token: otherKey });
    expect(theirs.json.data.map((d: { id: string }) => d.id)).not.toContain(mine.id);
    expect((await call("GET", `/v1/datasources?starting_after=${mine.id}`, { token: otherKey })).status).toBe(404);
    // ...and the record is untouched.
    expect((await call("GET", `/v1/datasources/${mine.id}`, { token: testKey })).text).toBe(JSON.stringify(mine));
  });

  test("live and sandbox data never mix, even within one organization", async () => {
    const sandbox = (await create(testKey, { connectionString: cs() })).json;
    const live = (await create(liveKey, { connectionString: cs() })).json;
    expect((await call("GET", `/v1/datasources/${sandbox.id}`, { token: liveKey })).status).toBe(404);
    expect((await call("GET", `/v1/datasources/${live.id}`, { token: testKey })).status).toBe(404);
    expect((await call("DELETE", `/v1/datasources/${live.id}`, { token: testKey })).status).toBe(404);
    const liveList = (await call("GET", "/v1/datasources?limit=100", { token: liveKey })).json.data as Array<{ id: string; livemode: boolean }>;
    const testList = (await call("GET", "/v1/datasources?limit=100", { token: testKey })).json.data as Array<{ id: string; livemode: boolean }>;
    expect(liveList.every((d) => d.livemode && !d.id.startsWith("ds_test_"))).toBe(true);
    expect(testList.every((d) => !d.livemode && d.id.startsWith("ds_test_"))).toBe(true);
    expect(liveList.map((d) => d.id)).toContain(live.id);
    expect(testList.map((d) => d.id)).toContain(sandbox.id);
  });
});

describe("idempotency", () => {
  const count = async (token: string) => (await call("GET", "/v1/datasources?limit=100", { token })).json.data.length as number;

  test("same key and body replays the first response byte for byte, without a second record", async () => {
    const body = { connectionString: cs(), metadata: { attempt: "1" } };
    const before = await count(otherKey);
    const first = await create(otherKey, body, { "idempotency-key": "idem-create-1" });
    const again = await create(otherKey, { metadata: { attempt: "1" }, connectionString: cs() }, { "idempotency-key": "idem-create-1" });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("request-id")).not.toBe(first.headers.get("request-id"));
    expect(await count(otherKey)).toBe(before + 1);
  });

  test("same key with another body, or on another endpoint, is 409", async () => {
    const first = await create(otherKey, { connectionString: cs() }, { "idempotency-key": "idem-conflict" });
    expect(first.status).toBe(200);
    const other = await create(otherKey, { connectionString: cs(), schema: "other" }, { "idempotency-key": "idem-conflict" });
    expect(other.status).toBe(409);
    expect(other.json.error).toMatchObject({ type: "idempotency_error", code: "idempotency_key_reused" });
    const elsewhere = await call("POST", `/v1/datasources/${first.json.id}`, {
      token: otherKey,
      body: { connectionString: cs() },
      headers: { "idempotency-key": "idem-conflict" },
    });
    expect(elsewhere.status).toBe(409);
  });

  test("keys are per organization and mode", async () => {
    const a = await create(testKey, { connectionString: cs() }, { "idempotency-key": "idem-shared" });
    const b = await create(otherKey, { connectionString: cs() }, { "idempotency-key": "idem-shared" });
    const c = await create(liveKey, { connectionString: cs() }, { "idempotency-key": "idem-shared" });
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(new Set([a.json.id, b.json.id, c.json.id]).size).toBe(3);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
  });

  test("updates are idempotent too", async () => {
    const { id } = (await create(testKey, { connectionString: cs() })).json;
    const u1 = await call("POST", `/v1/datasources/${id}`, { token: testKey, body: { metadata: { n: "1" } }, headers: { "idempotency-key": "idem-update" } });
    await call("POST", `/v1/datasources/${id}`, { token: testKey, body: { metadata: { n: "2" } } });
    const u2 = await call("POST", `/v1/datasources/${id}`, { token: testKey, body: { metadata: { n: "1" } }, headers: { "idempotency-key": "idem-update" } });
    expect(u2.text).toBe(u1.text); // the first response, although the record changed since
    expect((await call("GET", `/v1/datasources/${id}`, { token: testKey })).json.metadata).toEqual({ n: "2" });
  });

  test("a rejected request stores nothing: the key can carry the corrected request", async () => {
    const bad = await create(testKey, { connectionString: cs("10.0.0.1") }, { "idempotency-key": "idem-after-400" });
    expect(bad.status).toBe(400);
    const good = await create(testKey, { connectionString: cs() }, { "idempotency-key": "idem-after-400" });
    expect(good.status).toBe(200);
  });

  test("concurrent requests with one key create one record", async () => {
    const before = await count(otherKey);
    const results = await Promise.all(Array.from({ length: 6 }, () => create(otherKey, { connectionString: cs() }, { "idempotency-key": "idem-race" })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.json.id)).size).toBe(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.json.error).toMatchObject({ type: "idempotency_error", code: "idempotency_key_in_use" });
    expect(await count(otherKey)).toBe(before + 1);
  });

  test("an over-long key is a 400", async () => {
    const r = await create(testKey, { connectionString: cs() }, { "idempotency-key": "k".repeat(256) });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("idempotency_key_invalid");
  });
});

test("every request is logged once as JSON with its request id, without headers or bodies", async () => {
  const r = await call("GET", "/v1/datasources?limit=1", { token: testKey });
  const id = r.headers.get("request-id")!;
  const lines = await eventually(async () => {
    const found = api
      .logs()
      .split("\n")
      .filter((l) => l.includes(id));
    return found.length > 0 ? found : undefined;
  });
  expect(lines).toHaveLength(1);
  const entry = JSON.parse(lines[0]!);
  // Query values are not logged (a client may put a secret there by mistake), names are.
  expect(entry).toMatchObject({ reqId: id, method: "GET", url: "/v1/datasources?limit=", status: 200, msg: "request" });
  expect(api.logs()).not.toMatch(/authorization|bearer/i);
});
