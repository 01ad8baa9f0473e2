/**
 * The provider core against an API that lacks some of the routes the contract infers (only
 * `POST /v1/datasources` is documented): what it still does without each one, and how it says
 * what it cannot do. A small in-memory API on loopback, written here, not ablo-local: its
 * missing routes answer the ways real servers do (an HTML 404, a 405, a 501).
 */
import type { ServerResponse } from "node:http";
import { datasourceCore, ownerKey, RouteUnavailableError } from "@ablo/provider";
import { directDs, json, TestServer } from "../client/helpers/server";

type Route = "create" | "retrieve" | "update" | "delete" | "list";
const KEY = "sk_test_routes000000000000";
const PW = "R0utes-canary-pw";
const CS = `postgres://app:${PW}@db.example.com:5432/shop`;

interface FakeApi {
  server: TestServer;
  store: Map<string, Record<string, unknown>>;
  /** Idempotency-Key → the answer of its first create, replayed as it was. */
  keys: Map<string, Record<string, unknown>>;
  /** Requests per route, as `METHOD path-template`. */
  seen: string[];
}

const missing: Record<Route, (res: ServerResponse) => void> = {
  create: (res) => (res.writeHead(404, { "Content-Type": "text/html" }), res.end("<h1>Not Found</h1>")),
  retrieve: (res) => (res.writeHead(404, { "Content-Type": "text/html" }), res.end("<h1>Not Found</h1>")),
  update: (res) => json(res, 405, { error: { message: "Method Not Allowed" } }),
  delete: (res) => json(res, 501, { error: { type: "api_error", message: "Not Implemented" } }),
  list: (res) => json(res, 404, { error: { message: "No such route." } }),
};

async function fakeApi(lacks: Route[]): Promise<FakeApi> {
  const store = new Map<string, Record<string, unknown>>();
  const keys = new Map<string, Record<string, unknown>>();
  const seen: string[] = [];
  const server = await TestServer.start((req, res) => {
    const id = /^\/v1\/datasources\/([\w-]+)$/.exec(req.path)?.[1];
    const route: Route | undefined =
      req.path === "/v1/datasources"
        ? req.method === "POST"
          ? "create"
          : "list"
        : id === undefined
          ? undefined
          : ({ GET: "retrieve", POST: "update", DELETE: "delete" } as Record<string, Route>)[req.method];
    seen.push(`${req.method} ${id ? "/v1/datasources/{id}" : req.path}`);
    if (route === undefined || lacks.includes(route)) return (route ? missing[route] : missing.retrieve)(res);
    const gone = () => json(res, 404, { error: { type: "invalid_request_error", code: "resource_missing", message: "No such datasource", request_id: "r" } });
    const body = req.json as { metadata?: Record<string, string>; schema?: string } | undefined;
    switch (route) {
      case "create": {
        const key = String(req.headers["idempotency-key"]);
        const earlier = keys.get(key);
        if (earlier !== undefined) return json(res, 200, earlier, { "Idempotent-Replayed": "true" });
        const ds = directDs({ status: "active", metadata: body?.metadata ?? {}, schema: body?.schema ?? "public", created: Math.floor(Date.now() / 1000) });
        store.set(ds.id as string, ds);
        keys.set(key, { ...ds });
        return json(res, 200, ds);
      }
      case "retrieve":
        return store.has(id!) ? json(res, 200, store.get(id!)) : gone();
      case "update": {
        const ds = store.get(id!);
        if (!ds) return gone();
        ds.metadata = { ...(ds.metadata as object), ...body?.metadata };
        return json(res, 200, ds);
      }
      case "delete":
        if (!store.delete(id!)) return gone();
        return json(res, 200, { object: "datasource", id, deleted: true });
      case "list":
        return json(res, 200, { object: "list", data: [...store.values()].reverse(), has_more: false, url: "/v1/datasources" });
    }
  });
  return { server, store, keys, seen };
}

let api: FakeApi;
const config = { get: (k: string) => ({ "ablo:apiKey": KEY, "ablo:baseUrl": api.server.url })[k] };
async function useApi(lacks: Route[]): Promise<void> {
  api = await fakeApi(lacks);
  datasourceCore.configure(config);
}

/** The core as a new provider process has it (a later run): nothing in memory from this one. */
function freshCore(): typeof datasourceCore {
  let core: typeof datasourceCore | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a second, isolated copy of the module
    core = (require("@ablo/provider") as { datasourceCore: typeof datasourceCore }).datasourceCore;
  });
  core!.configure(config);
  return core!;
}
afterEach(() => api?.server.close());

const URN = "urn:pulumi:dev::routes::pulumi-nodejs:dynamic/ablo:Datasource::orders";
const inputs = (extra: Record<string, unknown> = {}) => ({ connectionString: CS, owner: ownerKey(URN), ...extra });

test("only the documented route and GET/DELETE by id: check, create, refresh and delete work; the list is skipped", async () => {
  await useApi(["list", "update"]);
  expect((await datasourceCore.check({}, inputs())).failures).toEqual([]);
  const { id, outs } = await datasourceCore.create(inputs());
  expect(outs.status).toBe("active");
  expect((await datasourceCore.read(id, outs)).props?.status).toBe("active");
  await datasourceCore.delete(id);
  expect(api.store.size).toBe(0);
  expect(api.seen.filter((r) => r === "GET /v1/datasources")).toHaveLength(1); // asked once, then skipped
});

test("a create replayed after a lost run is the same datasource, found without the list route", async () => {
  await useApi(["list", "update"]);
  const first = await datasourceCore.create(inputs());
  // The run is lost; the next one's provider process creates the pending resource again.
  const again = await freshCore().create(inputs());
  expect([again.id, api.store.size]).toEqual([first.id, 1]);
});

test("the same resource created again after its datasource was deleted gets a new one, not the deleted one back", async () => {
  await useApi(["list", "update"]);
  const first = await datasourceCore.create(inputs());
  api.store.delete(first.id); // destroyed (by this stack's destroy, or elsewhere)
  const second = await freshCore().create(inputs());
  expect(second.id).not.toBe(first.id);
  expect([...api.store.keys()]).toEqual([second.id]);
});

test("a finished create (its mark says created) is never handed back to a new create of the resource", async () => {
  await useApi(["list"]);
  const first = await datasourceCore.create(inputs());
  api.store.get(first.id)!.metadata = { pulumi_owner: ownerKey(URN) }; // marked at the end of its run
  // `up --replace` in a later run, the engine not showing the old one to the provider first.
  const replacement = await freshCore().create(inputs());
  expect(replacement.id).not.toBe(first.id);
  expect(api.store.size).toBe(2);
});

test("without the update route, rotation and metadata changes fail naming the route and what to do", async () => {
  await useApi(["list", "update"]);
  const { id, outs } = await datasourceCore.create(inputs({ metadata: { team: "a" } }));
  const err = await datasourceCore.update(id, outs, inputs({ metadata: { team: "b" } })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RouteUnavailableError);
  expect((err as Error).message).toBe(
    "this Ablo API does not serve POST /v1/datasources/{id}, so the provider cannot change its metadata in place; " +
      "run `pulumi up --replace <urn>` to register it anew with these values, or set them back",
  );
  expect((err as Error).message).not.toContain(PW);
});

test("without the delete route, delete fails naming the route and what to do; state keeps the datasource", async () => {
  await useApi(["delete"]);
  const { id } = await datasourceCore.create(inputs({ owner: undefined }));
  const err = await datasourceCore.delete(id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RouteUnavailableError);
  expect((err as Error).message).toContain(`this Ablo API does not serve DELETE /v1/datasources/{id}, so the provider cannot delete datasource ${id}`);
  expect(api.store.has(id)).toBe(true);
  expect(api.seen.filter((r) => r.startsWith("DELETE"))).toHaveLength(1); // never retried
});

test("without GET by id, create returns what the API answered, and refresh keeps what state knows", async () => {
  await useApi(["retrieve", "list", "update"]);
  const { id, outs } = await datasourceCore.create(inputs());
  expect(api.store.has(id)).toBe(true);
  expect((await datasourceCore.read(id, outs)).props).toEqual(outs);
  await expect(datasourceCore.create(inputs({ adoptId: id }))).rejects.toThrow(
    "this Ablo API does not serve GET /v1/datasources/{id}, so the provider cannot adopt an existing datasource (adoptId, import)",
  );
});
