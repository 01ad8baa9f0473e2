/**
 * The provider core against an API that lacks some of the routes the contract infers (only
 * `POST /v1/datasources` is documented): what it still does without each one, and how it says
 * what it cannot do. A small in-memory API on loopback, written here, not ablo-local: its
 * missing routes answer the ways real servers do (an HTML 404, a 405, a 501).
 */
import { DatasourceCore, ownerKey, RouteUnavailableError } from "@ablo/provider";
import { TestServer } from "../client/helpers/server";
import { fakeApi, type FakeApi, type FakeApiOptions, type NotHere, type Route } from "./helpers/fake-api";

const KEY = "sk_test_routes000000000000";
const PW = "R0utes-canary-pw";
const CS = `postgres://app:${PW}@db.example.com:5432/shop`;

let api: FakeApi;
let core: DatasourceCore;
const config = { get: (k: string) => ({ "ablo:apiKey": KEY, "ablo:baseUrl": api.server.url })[k] };
/** The ways the routes below answer when lacking, as servers do. */
const LACKING: Record<Route, NotHere> = {
  create: "404 HTML page",
  retrieve: "404 HTML page",
  update: "405",
  delete: "501",
  list: "404 contract body, another code",
};
async function useApi(lacks: Route[], options: Omit<FakeApiOptions, "lacks"> = {}): Promise<void> {
  api = await fakeApi({ ...options, lacks: Object.fromEntries(lacks.map((r) => [r, LACKING[r]])) });
  core = freshCore();
}

/**
 * The core as a new provider process has it (a later run): nothing in memory from this one, and
 * the server's clock seconds on (an engine run takes seconds to end and another to start).
 */
function freshCore(): DatasourceCore {
  api.advance(2);
  const fresh = new DatasourceCore();
  fresh.configure(config);
  return fresh;
}
afterEach(() => api?.server.close());

const URN = "urn:pulumi:dev::routes::pulumi-nodejs:dynamic/ablo:Datasource::orders";
const inputs = (extra: Record<string, unknown> = {}) => ({ connectionString: CS, owner: ownerKey(URN), ...extra });

test("only the documented route and GET/DELETE by id: check, create, refresh and delete work; the list is skipped", async () => {
  await useApi(["list", "update"]);
  expect((await core.check({}, inputs())).failures).toEqual([]);
  const { id, outs } = await core.create(inputs());
  expect(outs.status).toBe("active");
  expect((await core.read(id, outs)).props?.status).toBe("active");
  await core.delete(id);
  expect(api.store.size).toBe(0);
  expect(api.seen.filter((r) => r === "GET /v1/datasources")).toHaveLength(1); // asked once, then skipped
});

test("a clean create costs one request after the run's probe and list page: nothing read back, nothing rewritten at the end", async () => {
  await useApi([]);
  expect((await core.check({}, inputs())).failures).toEqual([]);
  await core.create(inputs());
  await core.create(inputs({ owner: ownerKey(`${URN}-2`) }));
  expect(api.seen).toEqual(["GET /v1/datasources/{id}", "GET /v1/datasources", "POST /v1/datasources", "POST /v1/datasources"]);
});

test("without a Date header or Idempotent-Replayed, every create answer is read back: a deleted datasource is never handed back", async () => {
  await useApi(["list", "update"], { replayHeader: false, dateHeader: false });
  const first = await core.create(inputs());
  expect(api.seen.filter((r) => r === "GET /v1/datasources/{id}")).toHaveLength(1); // the read-back
  api.store.delete(first.id);
  const second = await freshCore().create(inputs());
  expect(second.id).not.toBe(first.id);
  expect([...api.store.keys()]).toEqual([second.id]);
});

test("a create replayed after a lost run is the same datasource, found without the list route", async () => {
  await useApi(["list", "update"]);
  const first = await core.create(inputs());
  // The run is lost; the next one's provider process creates the pending resource again.
  const again = await freshCore().create(inputs());
  expect([again.id, api.store.size]).toEqual([first.id, 1]);
});

test("the same resource created again after its datasource was deleted gets a new one, not the deleted one back", async () => {
  await useApi(["list", "update"]);
  const first = await core.create(inputs());
  api.store.delete(first.id); // destroyed (by this stack's destroy, or elsewhere)
  const second = await freshCore().create(inputs());
  expect(second.id).not.toBe(first.id);
  expect([...api.store.keys()]).toEqual([second.id]);
});

test("a create 0.1.0 marked finished (the bare owner key) is never handed back to a new create of the resource", async () => {
  await useApi(["list"]);
  const first = await core.create(inputs());
  api.store.get(first.id)!.metadata = { pulumi_owner: ownerKey(URN) }; // 0.1.0 rewrote the mark at the end of its run
  // `up --replace` in a later run, the engine not showing the old one to the provider first.
  const replacement = await freshCore().create(inputs());
  expect(replacement.id).not.toBe(first.id);
  expect(api.store.size).toBe(2);
});

test("without the update route, rotation and metadata changes fail naming the route and what to do", async () => {
  await useApi(["list", "update"]);
  const { id, outs } = await core.create(inputs({ metadata: { team: "a" } }));
  const err = await core.update(id, outs, inputs({ metadata: { team: "b" } })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RouteUnavailableError);
  expect((err as Error).message).toBe(
    "this Ablo API does not serve POST /v1/datasources/{id}, so the provider cannot change its metadata in place; " +
      "run `pulumi up --replace <urn>` to register it anew with these values, or set them back",
  );
  expect((err as Error).message).not.toContain(PW);
});

test("without the delete route, delete fails naming the route and what to do; state keeps the datasource", async () => {
  await useApi(["delete"]);
  const { id } = await core.create(inputs({ owner: undefined }));
  const err = await core.delete(id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RouteUnavailableError);
  expect((err as Error).message).toContain(`this Ablo API does not serve DELETE /v1/datasources/{id}, so the provider cannot delete datasource ${id}`);
  expect(api.store.has(id)).toBe(true);
  expect(api.seen.filter((r) => r.startsWith("DELETE"))).toHaveLength(1); // never retried
});

test("without GET by id, create returns what the API answered, and refresh keeps what state knows", async () => {
  await useApi(["retrieve", "list", "update"]);
  const { id, outs } = await core.create(inputs());
  expect(api.store.has(id)).toBe(true);
  expect((await core.read(id, outs)).props).toEqual(outs);
  await expect(core.create(inputs({ adoptId: id }))).rejects.toThrow(
    "this Ablo API does not serve GET /v1/datasources/{id}, so the provider cannot adopt an existing datasource (adoptId, import)",
  );
  // The look-up needs that route: it fails naming it, and is not taken for a missing datasource.
  await expect(core.lookUp(id)).rejects.toThrow(`this Ablo API does not serve GET /v1/datasources/{id}, so the provider cannot look up datasource ${id}`);
});

test("a replacement that gets its old datasource back (its mark still says creating) keeps it when the engine deletes the old", async () => {
  await useApi(["list", "update"]);
  const first = await core.create(inputs());
  // `up --replace` in a later run: the engine creates the replacement, then deletes the old resource.
  const next = freshCore();
  const replacement = await next.create(inputs());
  expect(replacement.id).toBe(first.id); // same inputs, same key: the API replays it
  await next.delete(first.id);
  expect(api.store.has(first.id)).toBe(true); // state's resource still has its datasource
});

test("a leftover found by the list (a lost create whose inputs changed since) is taken over, not duplicated", async () => {
  await useApi([]);
  const lost = await core.create(inputs({ metadata: { team: "a" } }));
  // The run was killed before its end; the next one creates the resource with other metadata (another key).
  const next = await freshCore().create(inputs({ metadata: { team: "b" } }));
  expect([next.id, api.store.size]).toEqual([lost.id, 1]);
  expect(api.store.get(lost.id)!.metadata).toEqual({ team: "b", pulumi_owner: `creating:${ownerKey(URN)}` });
});

describe("a replay is judged on the server's clock alone", () => {
  // Without the Idempotent-Replayed header, the datasource's age says whether a create answer is a
  // replay: its `created` against the server's own `Date`, whatever this machine's clock says.
  test.each([
    ["15 minutes behind", -900],
    ["an hour behind", -3600],
    ["an hour ahead", 3600],
  ])("a fresh create with the server's clock %s is not taken for a replay: deleting it deletes it", async (_name, clockOffset) => {
    await useApi(["list", "update"], { clockOffset, replayHeader: false });
    const { id } = await core.create(inputs());
    await core.delete(id);
    expect(api.store.size).toBe(0);
  });

  test("a create answered with a datasource made 11 minutes earlier on the server's clock is a replay, kept when the old is deleted", async () => {
    await useApi(["list", "update"], { clockOffset: -3600, replayHeader: false });
    const first = await core.create(inputs());
    api.store.get(first.id)!.created = (api.store.get(first.id)!.created as number) - 660;
    api.keys.forEach((answer) => (answer.created = (answer.created as number) - 660));
    const next = freshCore();
    const replacement = await next.create(inputs());
    expect(replacement.id).toBe(first.id);
    await next.delete(first.id);
    expect(api.store.has(first.id)).toBe(true);
  });
});

describe("without a usable API, check judges the inputs alone; what needs the API fails naming the setting, sending nothing", () => {
  test("no API key", async () => {
    const bare = new DatasourceCore();
    bare.configure({ get: () => undefined });
    const saved = process.env.ABLO_API_KEY;
    delete process.env.ABLO_API_KEY;
    try {
      expect((await bare.check({}, inputs())).failures).toEqual([]);
      expect((await bare.check({}, inputs({ schema: "Bad-Schema" }))).failures.map((f) => f.property)).toEqual(["schema"]);
      await expect(bare.create(inputs())).rejects.toMatchObject({ name: "ProviderConfigError", property: "ablo:apiKey" });
      await expect(bare.lookUp("ds_test_abc")).rejects.toMatchObject({ name: "ProviderConfigError", property: "ablo:apiKey" });
    } finally {
      if (saved !== undefined) process.env.ABLO_API_KEY = saved;
    }
  });

  test("an endpoint that is not Ablo (an HTML 404 for everything)", async () => {
    const page = await TestServer.start((_req, res) => void res.writeHead(404, { "Content-Type": "text/html" }).end("<h1>Not Found</h1>"));
    try {
      const wrong = new DatasourceCore();
      wrong.configure({ get: (k: string) => ({ "ablo:apiKey": KEY, "ablo:baseUrl": page.url })[k] });
      expect((await wrong.check({}, inputs())).failures).toEqual([]);
      const asked = page.requests.length;
      const err = await wrong.create(inputs()).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "ProviderConfigError", property: "ablo:baseUrl" });
      expect((err as Error).message).toContain(`${page.url} does not answer like the Ablo API`);
      expect(page.requests.length).toBe(asked); // the probe's verdict, not another request
      // A look-up in a process that has not probed (the plugin's Invoke comes without a check):
      // its GET finds no route, then the probe names the base URL rather than a missing route.
      const fresh = new DatasourceCore();
      fresh.configure({ get: (k: string) => ({ "ablo:apiKey": KEY, "ablo:baseUrl": page.url })[k] });
      const lookUp = await fresh.lookUp("ds_test_abc").catch((e: unknown) => e);
      expect(lookUp).toMatchObject({ name: "ProviderConfigError", property: "ablo:baseUrl" });
      expect((lookUp as Error).message).toContain(`${page.url} does not answer like the Ablo API`);
    } finally {
      await page.close();
    }
  });
});
