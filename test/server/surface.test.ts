import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatasourceListSchema, DatasourceSchema } from "@ablo/api";
import { apiReader, ApiReadError, startAbloLocal, type AbloLocal } from "@ablo/harness";
import { createKey, createLogger, openStore, seedDatasources, startServer, staticResolver, toResource, type RunningServer } from "ablo-local";
import { CANARY, client } from "./helpers";

// `serve --surface minimal` (no list, no update route), the admin listing that test harnesses count
// with instead, and `seed`. The server runs in this process (startServer) except where the CLI's
// and the harness's wiring is what is tested.
const DNS = { "db.example.com": ["93.184.216.34"] };
const cs = `postgres://app:${CANARY}@db.example.com:5432/shop`;

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "ablo-surface-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** An in-process server on a fresh data directory, with keys made in its store before it serves. */
async function serve(opts: { surface?: "full" | "minimal"; admin?: boolean; seed?: number }) {
  const dataDir = tmp();
  const { store, sealer } = openStore(dataDir);
  let key: string;
  let otherKey: string;
  try {
    if (opts.seed !== undefined) seedDatasources(store, sealer, { org: "acme", mode: "test", count: opts.seed });
    key = createKey(store, "acme", "test").token;
    otherKey = createKey(store, "globex", "test").token;
  } finally {
    store.close();
  }
  const server = await startServer({
    dataDir,
    port: 0,
    resolve: staticResolver(DNS),
    verification: false,
    rateLimit: 0,
    logger: createLogger("silent"),
    ...(opts.surface ? { surface: opts.surface } : {}),
    ...(opts.admin ? { admin: true } : {}),
  });
  return { server, key, otherKey };
}

describe("surface minimal", () => {
  let server: RunningServer;
  let key: string;
  let otherKey: string;
  const { call, transcript } = client(() => server.url);
  beforeAll(async () => ({ server, key, otherKey } = await serve({ surface: "minimal", admin: true })));
  afterAll(async () => {
    expect(transcript.filter((t) => t.includes(CANARY))).toEqual([]);
    await server.close();
  });

  const unrecognized = (r: { status: number; json: { error: { type: string; code: string } } }) => {
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ type: "invalid_request_error", code: "unrecognized_request_url" });
  };

  test("create, retrieve and delete work", async () => {
    const created = await call("POST", "/v1/datasources", { token: key, body: { connectionString: cs, metadata: { a: "1" } } });
    expect(created.status).toBe(200);
    const ds = DatasourceSchema.parse(created.json);
    const got = await call("GET", `/v1/datasources/${ds.id}`, { token: key });
    expect(got.status).toBe(200);
    expect(got.json).toEqual(created.json);
    // Another organization's id is still a 404 resource_missing, not an unknown URL.
    expect((await call("GET", `/v1/datasources/${ds.id}`, { token: otherKey })).json.error.code).toBe("resource_missing");
    const deleted = await call("DELETE", `/v1/datasources/${ds.id}`, { token: key });
    expect(deleted.json).toEqual({ object: "datasource", id: ds.id, deleted: true });
    expect((await call("DELETE", `/v1/datasources/${ds.id}`, { token: key })).json.error.code).toBe("resource_missing");
  });

  test("list and update answer 404 unrecognized_request_url, authenticated or not, and change nothing", async () => {
    const created = await call("POST", "/v1/datasources", { token: key, body: { connectionString: cs, metadata: { a: "1" } } });
    const id = String(created.json.id);
    unrecognized(await call("GET", "/v1/datasources", { token: key }));
    unrecognized(await call("GET", "/v1/datasources?limit=100", { token: key }));
    unrecognized(await call("GET", "/v1/datasources"));
    unrecognized(await call("POST", `/v1/datasources/${id}`, { token: key, body: { metadata: { a: "2", b: "x" } } }));
    unrecognized(
      await call("POST", `/v1/datasources/${id}`, {
        token: key,
        body: { connectionString: `postgres://other:${CANARY}@db.example.com:5432/shop` },
        headers: { "Idempotency-Key": "k1" },
      }),
    );
    const after = await call("GET", `/v1/datasources/${id}`, { token: key });
    expect(after.json).toEqual(created.json);
    // The key was not taken by the refused update: a create may use it.
    const withKey = await call("POST", "/v1/datasources", { token: key, body: { connectionString: cs }, headers: { "Idempotency-Key": "k1" } });
    expect(withKey.status).toBe(200);
    expect(withKey.headers.get("idempotent-replayed")).toBeNull();
    for (const d of [id, String(withKey.json.id)]) expect((await call("DELETE", `/v1/datasources/${d}`, { token: key })).status).toBe(200);
  });

  test("the OpenAPI document describes only what is served", async () => {
    const r = await call("GET", "/v1/openapi.json");
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.paths["/v1/datasources"])).toEqual(["post"]);
    expect(Object.keys(r.json.paths["/v1/datasources/{id}"])).toEqual(["get", "delete"]);
  });

  test("the admin listing pages through the key's organization and mode, with the key", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(String((await call("POST", "/v1/datasources", { token: key, body: { connectionString: cs } })).json.id));
    const first = await call("GET", "/_admin/datasources?limit=2", { token: key });
    expect(first.status).toBe(200);
    const page = DatasourceListSchema.parse(first.json);
    expect(page.data.map((d) => d.id)).toEqual([ids[2], ids[1]]);
    expect(page.has_more).toBe(true);
    const second = await call("GET", `/_admin/datasources?limit=2&starting_after=${ids[1]}`, { token: key });
    expect(second.json.data.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    expect((await call("GET", "/_admin/datasources", { token: otherKey })).json.data).toEqual([]);
    expect((await call("GET", "/_admin/datasources")).status).toBe(401);
    expect((await call("GET", "/_admin/datasources?limit=0", { token: key })).status).toBe(400);

    // apiReader reads there when told the surface, and says why when it is not.
    const reader = apiReader({ baseUrl: server.url, surface: "minimal" }, key);
    expect(reader.listing).toBe("admin");
    expect(await reader.ids()).toEqual([...ids].reverse());
    await expect(apiReader({ baseUrl: server.url }, key).ids()).rejects.toThrow(/does not serve the list route/);
    for (const id of ids) await call("DELETE", `/v1/datasources/${id}`, { token: key });
  });
});

describe("surface full", () => {
  test("is the default; without --admin there is no admin listing", async () => {
    const { server, key } = await serve({});
    try {
      const { call } = client(() => server.url);
      expect((await call("GET", "/v1/datasources", { token: key })).status).toBe(200);
      const r = await call("GET", "/_admin/datasources", { token: key });
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe("unrecognized_request_url");
      const err = await apiReader({ baseUrl: server.url }, key, { listing: "admin" })
        .ids()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiReadError);
      expect((err as Error).message).toMatch(/--admin/);
    } finally {
      await server.close();
    }
  });
});

describe("seed", () => {
  test("rows are what a create stores: active, sealed under their id, valid as resources", () => {
    const { store, sealer } = openStore(tmp());
    try {
      const r = seedDatasources(store, sealer, { org: "big", mode: "live", count: 3 });
      expect(r.count).toBe(3);
      const { rows } = store.listDatasources(r.orgId, "live", 10);
      expect(rows.map((x) => x.host)).toEqual(["db-2.example.com", "db-1.example.com", "db-0.example.com"]);
      for (const row of rows) {
        expect(row.id).toMatch(/^ds_[A-Za-z0-9]{24}$/);
        expect(toResource(row)).toMatchObject({ status: "active", database: "shop", schema: "public", livemode: true, last_error: null });
        expect(row.displayName).toBe(`seed@${row.host}:5432/shop`);
        expect(sealer.open(row.sealed, row.id)).toMatch(new RegExp(`^postgres://seed:[A-Za-z0-9]+@${row.host.replace(/\./g, "\\.")}:5432/shop$`));
        expect(() => sealer.open(row.sealed, "ds_other")).toThrow();
      }
      expect(store.listDatasources(r.orgId, "test", 10).rows).toEqual([]);
    } finally {
      store.close();
    }
  });

  describe("ablo-local seed through the harness, then the API", () => {
    let api: AbloLocal;
    beforeAll(async () => {
      api = await startAbloLocal({ verification: true, rateLimit: 0, admin: true, seed: { org: "big", mode: "test", count: 1000 } });
    });
    afterAll(async () => api?.stop());

    test("1,000 seeded datasources list in full, page after page, in the key's organization only", async () => {
      expect(api.surface).toBe("full");
      const key = await api.createKey("big", "test");
      const reader = apiReader(api, key);
      expect(reader.listing).toBe("api");
      const all = await reader.datasources(); // GET /v1/datasources?limit=100, 10 pages
      expect(all).toHaveLength(1000);
      expect(await apiReader(api, key, { listing: "admin" }).ids()).toEqual(all.map((d) => d.id));
      expect(new Set(all.map((d) => d.id)).size).toBe(1000);
      expect(all[0]!.metadata).toEqual({ seed: "999" });
      // Each one looks like a real direct datasource to GET, and the server (verification on) left them active.
      const { call } = client(() => api.baseUrl);
      const one = await call("GET", `/v1/datasources/${all[500]!.id}`, { token: key });
      expect(DatasourceSchema.parse(one.json)).toMatchObject({ connection: "direct", status: "active", host: "db-499.example.com", livemode: false });
      expect(await apiReader(api, await api.createKey("big", "live")).ids()).toEqual([]);
      expect(await apiReader(api, await api.createKey("small", "test")).ids()).toEqual([]);
    });
  });
});
