/**
 * Every inferred route, every answer shape, on both hosts. Only `POST /v1/datasources` is
 * documented; for each other route the provider uses (retrieve, update and delete by id, the list),
 * a server that lacks it may say so in any of the ways real servers do. On each host of the core
 * (the dynamic provider and the plugin's gRPC handlers, called in-process), the provider must do
 * what api/README.md's surface table says for a server without that route:
 * - list: creates go on without the look-up (asked once, never retried);
 * - retrieve: check passes, create returns what the API answered, refresh keeps what state has;
 * - update: a metadata change fails naming `POST /v1/datasources/{id}` and `pulumi up --replace`;
 * - delete: delete fails naming `DELETE /v1/datasources/{id}`, and the datasource stays in state;
 * and a missing route is never retried. A 2xx page (not JSON) is asked again, as a garbled answer
 * is, then: on a GET route the same as a missing route; on a write, an error (its effect unknown).
 * On an item route, a 404 in the contract's shape with code `resource_missing` is the contract's
 * "gone", taken at its word (row 16); on the list's URL, which names no id, it is a missing route.
 */
import type * as grpc from "@grpc/grpc-js";
import { DatasourceCore, dynamicProvider, ownerKey } from "@ablo/provider";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { providerService } from "../../plugin/src/provider-service";
import { fakeApi, NOT_HERE, type FakeApi, type NotHere, type Route } from "../provider/helpers/fake-api";

const KEY = "sk_test_shapes000000000000";
const PW = "Sh4pes-canary-pw";
const CS = `postgres://app:${PW}@db.example.com:5432/shop`;
const URN = "urn:pulumi:dev::shapes::ablo:index:Datasource::orders";

type Outs = Record<string, unknown>;
/** The core as one host drives it: plain inputs in, plain outputs out, errors as the engine shows them. */
interface Host {
  check(news: Record<string, unknown>): Promise<Array<{ property: string }>>;
  create(news: Record<string, unknown>): Promise<{ id: string; outs: Outs }>;
  read(id: string, outs: Outs): Promise<Outs | undefined>;
  update(id: string, olds: Outs, news: Record<string, unknown>): Promise<Outs>;
  delete(id: string): Promise<void>;
}

function dynamicHost(url: string): Host {
  const p = dynamicProvider(new DatasourceCore());
  const config = { get: (k: string) => ({ "ablo:apiKey": KEY, "ablo:baseUrl": url })[k] };
  void p.configure({ config } as never);
  const owner = ownerKey(URN);
  return {
    check: async (news) => (await p.check({}, { ...news, owner })).failures ?? [],
    create: async (news) => {
      const r = await p.create({ ...news, owner });
      return { id: r.id, outs: r.outs as Outs };
    },
    read: async (id, outs) => (await p.read(id, outs)).props as Outs | undefined,
    update: async (id, olds, news) => (await p.update(id, olds, { ...news, owner })).outs as Outs,
    delete: (id) => p.delete(id),
  };
}

const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
const struct = (o: Record<string, unknown>) => structproto.Struct.fromJavaScript(o as Record<string, structproto.JavaScriptValue>);
const plain = (s: structproto.Struct | undefined): Outs => {
  const o = (s?.toJavaScript() ?? {}) as Outs;
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, (v as { value?: unknown } | null)?.[specialSigKey as never] ? (v as { value: unknown }).value : v]),
  );
};
function call<Req, Res>(handler: grpc.handleUnaryCall<Req, Res>, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    handler({ request } as grpc.ServerUnaryCall<Req, Res>, (err, res) => (err ? reject(new Error(err.details ?? "grpc error")) : resolve(res as Res)));
  });
}
const withSecret = (news: Record<string, unknown>) => struct({ ...news, connectionString: secret(news.connectionString) });

function pluginHost(url: string): Host {
  const s = providerService("0.0.0-test");
  const configured = call(s.configure, new provproto.ConfigureRequest().setArgs(struct({ apiKey: secret(KEY), baseUrl: url })));
  return {
    check: async (news) => {
      await configured;
      const r = await call(s.check, new provproto.CheckRequest().setUrn(URN).setOlds(struct({})).setNews(withSecret(news)));
      return r.getFailuresList().map((f) => ({ property: f.getProperty() }));
    },
    create: async (news) => {
      await configured;
      const r = await call(s.create, new provproto.CreateRequest().setUrn(URN).setProperties(withSecret(news)));
      return { id: r.getId(), outs: plain(r.getProperties()) };
    },
    read: async (id, outs) => {
      const r = await call(s.read, new provproto.ReadRequest().setId(id).setUrn(URN).setProperties(struct(outs)));
      return r.getId() ? plain(r.getProperties()) : undefined;
    },
    update: async (id, olds, news) =>
      plain((await call(s.update, new provproto.UpdateRequest().setId(id).setUrn(URN).setOlds(struct(olds)).setNews(withSecret(news)))).getProperties()),
    delete: async (id) => void (await call(s.delete, new provproto.DeleteRequest().setId(id).setUrn(URN))),
  };
}

const HOSTS = { dynamic: dynamicHost, plugin: pluginHost } as const;
const ITEM_ROUTES: Route[] = ["retrieve", "update", "delete"];
const SHAPES = Object.keys(NOT_HERE) as NotHere[];
/** Each (route, shape): on an item route, `resource_missing` is "gone" by contract, not a way to say "not here". */
const MATRIX: Array<[Route, NotHere]> = [
  ...SHAPES.map((shape): [Route, NotHere] => ["list", shape]),
  ...ITEM_ROUTES.flatMap((route) => SHAPES.filter((s) => s !== "404 contract body, resource_missing").map((shape): [Route, NotHere] => [route, shape])),
];
const ROUTE_NAME: Record<Route, string> = {
  create: "POST /v1/datasources",
  list: "GET /v1/datasources",
  retrieve: "GET /v1/datasources/{id}",
  update: "POST /v1/datasources/{id}",
  delete: "DELETE /v1/datasources/{id}",
};
/** A 2xx page is asked for again as a garbled answer is (five asks); a missing route is asked once. */
const asksFor = (shape: NotHere) => (shape === "200 HTML page" ? 5 : 1);

let api: FakeApi;
afterEach(() => api?.server.close());

const inputs = (extra: Record<string, unknown> = {}) => ({ connectionString: CS, metadata: { team: "a" }, ...extra });
const asked = (route: Route) => api.seen.filter((r) => r === ROUTE_NAME[route]).length;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

describe.each(Object.keys(HOSTS) as Array<keyof typeof HOSTS>)("%s host", (hostName) => {
  test.each(MATRIX)("%s answering %s", async (route, shape) => {
    api = await fakeApi({ lacks: { [route]: shape } });
    const host = HOSTS[hostName](api.server.url);
    expect(await host.check(inputs())).toEqual([]);
    const { id, outs } = await host.create(inputs());
    expect([...api.store.keys()]).toEqual([id]);
    expect(outs.connectionString).toBeUndefined();

    switch (route) {
      case "list":
        expect(asked("list")).toBe(asksFor(shape));
        await host.delete(id);
        expect(api.store.size).toBe(0);
        break;
      case "retrieve": {
        // Create returned what the API answered; refresh keeps what state has.
        expect(outs.status).toBe("active");
        expect(await host.read(id, outs)).toMatchObject({ status: "active", host: "db.example.com" });
        await host.delete(id);
        expect(api.store.size).toBe(0);
        break;
      }
      case "update": {
        const before = asked("update");
        const err = await host.update(id, outs, inputs({ metadata: { team: "b" } })).catch((e: unknown) => e);
        if (shape === "200 HTML page") expect(message(err)).toMatch(/POST \/v1\/datasources\/ds_test_\w+/);
        else
          expect(message(err)).toContain(
            `does not serve ${ROUTE_NAME.update}, so the provider cannot change its metadata in place; run \`pulumi up --replace <urn>\``,
          );
        expect(asked("update") - before).toBe(asksFor(shape));
        expect(api.store.get(id)!.metadata).toMatchObject({ team: "a" });
        await host.delete(id);
        break;
      }
      case "delete": {
        const err = await host.delete(id).catch((e: unknown) => e);
        if (shape === "200 HTML page") expect(message(err)).toMatch(/DELETE \/v1\/datasources\/ds_test_\w+/);
        else
          expect(message(err)).toContain(
            `does not serve ${ROUTE_NAME.delete}, so the provider cannot delete datasource ${id}; delete ${id} in Ablo by other means`,
          );
        expect(asked("delete")).toBe(asksFor(shape));
        expect(api.store.has(id)).toBe(true); // nothing dropped: state keeps it
        break;
      }
      case "create":
        throw new Error("the documented route is not in the matrix");
    }
    expect(JSON.stringify(api.seen)).not.toContain(PW);
  });
});
