import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatasourceListSchema, DatasourceSchema } from "@ablo/api";
import { apiReader, ApiReadError } from "@ablo/harness";
import { createKey, createLogger, openStore, startServer, staticResolver, type RunningServer } from "ablo-local";
import { CANARY, client } from "./helpers";

// `serve --surface minimal` (no list, no update route) and the admin listing that test harnesses
// count with instead. The server runs in this process (startServer).
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
async function serve(opts: { surface?: "full" | "minimal"; admin?: boolean }) {
  const dataDir = tmp();
  const { store } = openStore(dataDir);
  let key: string;
  let otherKey: string;
  try {
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
