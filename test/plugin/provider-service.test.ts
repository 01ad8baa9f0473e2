/**
 * The plugin's gRPC handlers, called in-process the way grpc-js calls them, against a real
 * ablo-local. The engine-driven paths (YAML, import, policy pack, canary sweep) are in
 * test/e2e/plugin.test.ts.
 */
import { AbloClient } from "@ablo/client";
import { startAbloLocal, type AbloLocal } from "@ablo/harness";
import { DATASOURCE_TYPE, DatasourceModeMismatchError, DatasourceNotFoundError, LOOK_UP_FUNCTION } from "@ablo/provider";
import type * as grpc from "@grpc/grpc-js";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { providerService } from "../../plugin/src/provider-service";
import { OUTPUTS } from "../../sdk/src/outputs";

const PW = "Pl4gin-canary-pw";
const URN = "urn:pulumi:dev::proj::ablo:index:Datasource::orders";
const service = providerService("0.0.0-test");
const cs = (host = "127.0.0.1", db = "shop", user = "app") => `postgres://${user}:${PW}@${host}:5432/${db}`;
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
const struct = (o: Record<string, unknown>) => structproto.Struct.fromJavaScript(o as Record<string, structproto.JavaScriptValue>);
const js = (s: structproto.Struct | undefined) => (s?.toJavaScript() ?? {}) as Record<string, unknown>;

/** Calls a unary handler as grpc-js does. */
function call<Req, Res>(handler: grpc.handleUnaryCall<Req, Res>, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    handler({ request } as grpc.ServerUnaryCall<Req, Res>, (err, res) => (err ? reject(new Error(err.details ?? "grpc error")) : resolve(res as Res)));
  });
}

const check = (olds: Record<string, unknown>, news: Record<string, unknown>) =>
  call(service.check, new provproto.CheckRequest().setUrn(URN).setOlds(struct(olds)).setNews(struct(news)));
const failuresOf = (r: provproto.CheckResponse) => r.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() }));
/**
 * What a failure is about: its property, or, for one the engine would print as `value {<nil>}`
 * (an absent or nested property), sent without a property, the property its reason starts with.
 */
const subject = (f: { property: string; reason: string }) => f.property || /^[\w.]+/.exec(f.reason)?.[0];

describe("schema", () => {
  const schema = async () =>
    JSON.parse((await call(service.getSchema, new provproto.GetSchemaRequest())).getSchema()) as {
      name: string;
      version: string;
      config: { variables: Record<string, { secret?: boolean }> };
      resources: Record<
        string,
        {
          properties: Record<string, { type: string; description: string; secret?: boolean }>;
          inputProperties: Record<string, { secret?: boolean }>;
          requiredInputs: string[];
        }
      >;
    };

  it("describes ablo:index:Datasource with a secret connectionString and every output typed and described", async () => {
    const s = await schema();
    expect(s.name).toBe("ablo");
    expect(s.version).toBe("0.0.0-test");
    const ds = s.resources[DATASOURCE_TYPE.plugin]!;
    expect(ds.inputProperties.connectionString?.secret).toBe(true);
    expect(ds.requiredInputs).toEqual(["connectionString"]);
    // The same outputs as the SDK's Datasource, both derived from the API schema.
    expect(Object.keys(ds.properties).sort()).toEqual([...OUTPUTS].sort());
    for (const [name, p] of Object.entries(ds.properties)) {
      expect([name, typeof p.type, p.description.length > 10]).toEqual([name, "string", true]);
    }
    expect(ds.properties.fingerprint?.secret).toBe(true);
    expect(ds.properties.created?.type).toBe("integer");
    expect(ds.properties.lastError?.type).toBe("string");
    expect(s.config.variables.apiKey?.secret).toBe(true);
  });

  it("describes ablo:index:getDatasource: an id in, the resource's outputs but port and fingerprint out, none secret", async () => {
    const s = (await schema()) as unknown as {
      functions: Record<
        string,
        { inputs: { properties: Record<string, unknown>; required: string[] }; outputs: { properties: Record<string, { secret?: boolean }> } }
      >;
    };
    const fn = s.functions[LOOK_UP_FUNCTION]!;
    expect(fn.inputs.required).toEqual(["id"]);
    expect(Object.keys(fn.inputs.properties)).toEqual(["id"]);
    expect(Object.keys(fn.outputs.properties).sort()).toEqual(["id", ...OUTPUTS.filter((k) => k !== "port" && k !== "fingerprint")].sort());
    expect(Object.values(fn.outputs.properties).filter((p) => p.secret)).toEqual([]);
  });
});

describe("provider configuration", () => {
  const checkConfig = (news: Record<string, unknown>) => call(service.checkConfig, new provproto.CheckRequest().setUrn(URN).setNews(struct(news)));

  it("returns the API key as a secret even when it was set plain", async () => {
    const r = await checkConfig({ apiKey: "sk_test_abc", baseUrl: "http://127.0.0.1:1", version: "0.1.0" });
    expect(failuresOf(r)).toEqual([]);
    expect(js(r.getInputs())).toEqual({ apiKey: secret("sk_test_abc"), baseUrl: "http://127.0.0.1:1", version: "0.1.0" });
  });

  it("names a misspelt key and the setting it means, without echoing the key (nor naming a property, whose value the engine would print)", async () => {
    const r = await checkConfig({
      apikey: "sk_test_secretvalue",
      apiKey: "sk_test_secretvalue",
      baseUrl: "https://api.example.com",
      base_url: "x",
      token: "y",
    });
    const failures = failuresOf(r);
    expect(failures).toEqual([
      { property: "", reason: expect.stringMatching(/^unknown key ablo:apikey, did you mean ablo:apiKey\? .*pulumi config set --secret ablo:apiKey/) },
      { property: "", reason: expect.stringMatching(/^unknown key ablo:base_url, did you mean ablo:baseUrl\?/) },
      { property: "", reason: expect.stringMatching(/^unknown key ablo:token: the ablo provider takes ablo:apiKey and ablo:baseUrl/) },
    ]);
    expect(JSON.stringify(failures)).not.toContain("secretvalue");
  });

  it("leaves a missing key or a bad base URL to the Datasources (a warning at check, an error before any request): a preview's policies need only the program", async () => {
    expect(failuresOf(await checkConfig({ baseUrl: "ftp://example.com" }))).toEqual([]);
    expect(failuresOf(await checkConfig({}))).toEqual([]);
  });

  it("refuses a key of the other mode, whose organization holds none of the stack's Datasources", async () => {
    const req = new provproto.DiffRequest().setOldInputs(struct({ apiKey: secret("sk_test_a") })).setNews(struct({ apiKey: secret("sk_live_b") }));
    await expect(call(service.diffConfig, req)).rejects.toThrow(/from a test key to a live key/);
  });

  it("says a changed key or base URL changes the provider, never replacing it", async () => {
    const r = await call(
      service.diffConfig,
      new provproto.DiffRequest().setOldInputs(struct({ apiKey: secret("sk_test_a") })).setNews(struct({ apiKey: secret("sk_test_b") })),
    );
    expect([r.getChanges(), r.getDiffsList(), r.getReplacesList()]).toEqual([provproto.DiffResponse.DiffChanges.DIFF_SOME, ["apiKey"], []]);
  });
});

describe("check", () => {
  // Check asks the API once whether the endpoint is Ablo: a real one on loopback.
  let api: AbloLocal;
  beforeAll(async () => {
    api = await startAbloLocal({ verification: false });
    process.env.ABLO_API_KEY = await api.createKey("plugin-check", "test");
    process.env.ABLO_BASE_URL = api.baseUrl;
  }, 60_000);
  afterAll(async () => {
    delete process.env.ABLO_API_KEY;
    delete process.env.ABLO_BASE_URL;
    await api?.stop();
  });

  it("keeps the connection string secret, and names properties the resource does not take", async () => {
    const r = await check({}, { connectionString: cs(), adoptId: "ds_test_x", schema: "public" });
    expect(failuresOf(r).map((f) => f.property)).toEqual(["adoptId"]);
    expect(js(r.getInputs()).connectionString).toEqual(secret(cs()));
  });

  it("requires the connection string of a new Datasource, without echoing values", async () => {
    expect(failuresOf(await check({}, { metadata: { a: "b" } })).map(subject)).toEqual(["connectionString"]);
    const bad = failuresOf(await check({}, { connectionString: `postgres://app:${PW}@/shop` }));
    expect(bad.map((f) => f.property)).toEqual(["connectionString"]);
    expect(JSON.stringify(bad)).not.toContain(PW);
  });

  it("accepts what import read (no connection string) until the program changes it", async () => {
    const imported = { schema: "public", metadata: { team: "crm" } };
    expect(failuresOf(await check(imported, imported))).toEqual([]);
    // The plainest datasource (default schema, no metadata) still reads back as more than nothing.
    expect(failuresOf(await check({ schema: "public" }, { schema: "public" }))).toEqual([]);
    expect(failuresOf(await check(imported, { metadata: { team: "sales" } })).map(subject)).toEqual(["connectionString"]);
  });

  it("passes unknown values through at preview", async () => {
    const r = await check({}, { connectionString: secret(unknownValue) });
    expect(failuresOf(r)).toEqual([]);
  });
});

describe("against ablo-local", () => {
  let api: AbloLocal;
  let client: AbloClient;
  beforeAll(async () => {
    api = await startAbloLocal({ allowPrivateHosts: true, verification: false });
    const key = await api.createKey("plugin-unit", "test");
    process.env.ABLO_API_KEY = key;
    process.env.ABLO_BASE_URL = api.baseUrl;
    client = new AbloClient({ apiKey: key, baseUrl: api.baseUrl });
  }, 60_000);
  afterAll(async () => {
    delete process.env.ABLO_API_KEY;
    delete process.env.ABLO_BASE_URL;
    client?.close();
    await api?.stop();
  });
  const ids = async () => (await client.datasources.list({ limit: 100 })).data.map((d) => d.id);
  const news = { connectionString: secret(cs()), metadata: secret({ team: "x" }), waitForVerification: false };

  it("a preview create changes nothing on the API and plans unknown outputs", async () => {
    const r = await call(service.create, new provproto.CreateRequest().setUrn(URN).setProperties(struct(news)).setPreview(true));
    expect(r.getId()).toBe("");
    const outs = js(r.getProperties());
    expect(outs.status).toBe(unknownValue);
    expect(outs.metadata).toEqual(secret({ team: "x" }));
    expect(await ids()).toEqual([]);
  });

  it("create, read, update and delete keep secrets secret and never return the connection string", async () => {
    const created = await call(service.create, new provproto.CreateRequest().setUrn(URN).setProperties(struct(news)));
    const id = created.getId();
    const outs = js(created.getProperties());
    expect(outs.fingerprint).toMatchObject({ [specialSigKey]: specialSecretSig });
    expect(outs.metadata).toEqual(secret({ team: "x" })); // given as a secret, kept one
    expect(JSON.stringify(outs)).not.toContain(PW);
    // The owner mark comes from the URN, as the dynamic resource's does from the SDK.
    expect((await client.datasources.retrieve(id)).metadata.pulumi_owner).toMatch(/^creating:[\w-]{32}$/);

    // Import: no state, no inputs. What the program should write back, never the credentials.
    const imported = await call(service.read, new provproto.ReadRequest().setId(id).setUrn(URN));
    expect(imported.getId()).toBe(id);
    expect(js(imported.getInputs())).toEqual({ schema: "public", metadata: { team: "x" } });

    const rotated = { ...news, connectionString: secret(cs("127.0.0.1", "shop", "app2")) };
    const diff = await call(service.diff, new provproto.DiffRequest().setId(id).setUrn(URN).setOlds(created.getProperties()).setNews(struct(rotated)));
    expect([diff.getChanges(), diff.getReplacesList(), diff.getDiffsList()]).toEqual([provproto.DiffResponse.DiffChanges.DIFF_SOME, [], ["connectionString"]]);
    // The detailed diff names the property (the engine's display cannot see a change of a masked secret), never a value.
    const detailed = (r: provproto.DiffResponse) => Object.fromEntries(r.toObject().detaileddiffMap);
    expect(diff.getHasdetaileddiff()).toBe(true);
    expect(detailed(diff)).toEqual({ connectionString: { kind: provproto.PropertyDiff.Kind.UPDATE, inputdiff: true } });
    const updated = await call(service.update, new provproto.UpdateRequest().setId(id).setUrn(URN).setOlds(created.getProperties()).setNews(struct(rotated)));
    expect(js(updated.getProperties()).displayName).toMatch(/^app2@/);

    const moved = struct({ ...news, connectionString: secret(cs("127.0.0.1", "crm")) });
    const replace = await call(service.diff, new provproto.DiffRequest().setId(id).setUrn(URN).setOlds(updated.getProperties()).setNews(moved));
    expect(replace.getReplacesList()).toEqual(["connectionString"]);
    expect(detailed(replace)).toEqual({ connectionString: { kind: provproto.PropertyDiff.Kind.UPDATE_REPLACE, inputdiff: true } });

    await call(service.delete, new provproto.DeleteRequest().setId(id).setUrn(URN));
    await call(service.delete, new provproto.DeleteRequest().setId(id).setUrn(URN)); // gone already: still fine
    const gone = await call(service.read, new provproto.ReadRequest().setId(id).setUrn(URN).setProperties(updated.getProperties()));
    expect(gone.getId()).toBe("");
    expect(await ids()).toEqual([]);
  });

  describe("invoke ablo:index:getDatasource", () => {
    const invoke = (args: Record<string, unknown>, tok = LOOK_UP_FUNCTION) =>
      call(service.invoke, new provproto.InvokeRequest().setTok(tok).setArgs(struct(args))).then((r) => ({
        ret: js(r.getReturn()),
        failures: r.getFailuresList(),
      }));
    /** GETs of `id` the server logged (its access lines are written as they come). */
    const gets = (id: string) =>
      api
        .logs()
        .split("\n")
        .filter((l) => l.includes('"method":"GET"') && l.includes(`"url":"/v1/datasources/${id}"`)).length;
    /** gets(id), at least `atLeast`, once the server's output has been still for 300 ms (its lines come through a pipe, late under load). */
    const settledGets = async (id: string, atLeast = 0) => {
      for (let last = -1, now = gets(id), t = 0; t < 100; last = now, now = gets(id), t++) {
        if (now === last && now >= atLeast) return now;
        await new Promise((r) => setTimeout(r, 300));
      }
      return gets(id);
    };

    it("returns every field the API gives back, nothing secret, no credential, in one GET", async () => {
      const made = await call(
        service.create,
        new provproto.CreateRequest().setUrn(URN).setProperties(struct({ ...news, metadata: { team: "lookup" }, schema: "sales" })),
      );
      const id = made.getId();
      try {
        const before = await settledGets(id); // the create's own lines may still be on their way
        const { ret, failures } = await invoke({ id });
        expect(failures).toEqual([]);
        expect(ret).toEqual({
          id,
          status: "unverified", // verification is off on this server
          livemode: false,
          metadata: { team: "lookup" }, // the owner mark left out, as in the resource's outputs
          created: expect.any(Number),
          host: "127.0.0.1",
          database: "shop",
          schema: "sales",
          displayName: "app@127.0.0.1:5432/shop",
          lastError: null,
        });
        expect(JSON.stringify(ret)).not.toContain(PW);
        expect(JSON.stringify(ret)).not.toContain(specialSecretSig);
        expect((await settledGets(id, before + 1)) - before).toBe(1);
        // An id given as a secret is looked up all the same.
        expect((await invoke({ id: secret(id) })).ret.id).toBe(id);
      } finally {
        await client.datasources.del(id);
      }
    });

    it("names a missing id, an id of the other mode and a malformed one, without a request for the last two", async () => {
      await expect(invoke({ id: "ds_test_nosuch0000" })).rejects.toThrow(new DatasourceNotFoundError("ds_test_nosuch0000").message);
      expect(new DatasourceNotFoundError("ds_test_nosuch0000").message).toMatch(/no datasource ds_test_nosuch0000 in the Ablo organization of ablo:apiKey/);
      const live = new DatasourceModeMismatchError("ds_livething0", "live", "test").message;
      await expect(invoke({ id: "ds_livething0" })).rejects.toThrow(live);
      expect(live).toMatch(/ds_livething0 is a live datasource but ablo:apiKey is a test key/);
      expect(gets("ds_livething0")).toBe(0);
      const err = await invoke({ id: `postgres://app:${PW}@db/x` }).catch((e: Error) => e.message);
      expect(err).toMatch(/^getDatasource: the id is not the id of a PostgreSQL datasource/);
      expect(err).not.toContain(PW);
      await expect(invoke({})).rejects.toThrow(/the id is not the id of a PostgreSQL datasource/);
      await expect(invoke({ id: "ds_test_x" }, "ablo:index:getOther")).rejects.toThrow(
        /has no function ablo:index:getOther; it serves ablo:index:getDatasource/,
      );
    });

    it("answers an id unknown at preview with unknowns, asking nothing", async () => {
      const { ret } = await invoke({ id: unknownValue });
      expect(Object.values(ret).every((v) => v === unknownValue)).toBe(true);
      expect(Object.keys(ret)).toContain("displayName");
    });
  });
});
