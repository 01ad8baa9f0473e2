import * as pulumi from "@pulumi/pulumi";

// Unit level, with Pulumi's mocks: what the SDK registers. The engine-level proof (secrets in
// state, the real provider) is test/e2e/datasource.test.ts.
const registered: pulumi.runtime.MockResourceArgs[] = [];
const CANARY = "sdkCanaryPw93";

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push(args);
        return { id: args.id ?? `ds_test_${args.name}`, state: { ...args.inputs, status: "active" } };
      },
      call: () => ({}),
    },
    "proj",
    "stack",
    false,
    "organization",
  );
});

// Loaded after setMocks on purpose: the SDK must register against the mocks.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Datasource } = require("@ablo/pulumi") as typeof import("@ablo/pulumi");
const settle = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

test("registers pulumi-nodejs:dynamic/ablo:Datasource with a module-reference provider", async () => {
  const ds = new Datasource("orders", { connectionString: `postgres://app:${CANARY}@db.example.com/shop`, metadata: { team: "a" } });
  await settle(ds.urn);
  const args = registered.find((r) => r.name === "orders")!;
  expect(args.type).toBe("pulumi-nodejs:dynamic/ablo:Datasource");
  expect(args.inputs).toMatchObject({ metadata: { team: "a" } });
  const provider = args.inputs.__provider as string;
  expect(provider).toContain('require("@ablo/pulumi/dynamic-provider")');
  expect(provider).not.toContain(CANARY);
  expect(provider.length).toBeLessThan(256);
  if (process.env.SHOW_PROVIDER) console.log(provider);
  expect(await settle(ds.status)).toBe("active");
});

test("customTimeouts.create bounds the verification wait", async () => {
  const ds = new Datasource("timed", { connectionString: "postgres://app:x@db.example.com/shop" }, { customTimeouts: { create: "1h30m" } });
  await settle(ds.urn);
  expect(registered.find((r) => r.name === "timed")!.inputs.verificationTimeoutSeconds).toBe(5400);
  const go = new Datasource("go-duration", { connectionString: "postgres://app:x@db.example.com/shop" }, { customTimeouts: { create: "1.5m30s500ms" } });
  await settle(go.urn);
  expect(registered.find((r) => r.name === "go-duration")!.inputs.verificationTimeoutSeconds).toBe(121);
  expect(() => new Datasource("bad", { connectionString: "x" }, { customTimeouts: { create: "soon" } })).toThrow(/customTimeouts/);
});

test("Datasource.get reads by id without inputs", async () => {
  const ds = Datasource.get("ref", "ds_test_abc");
  expect(await settle(ds.id)).toBe("ds_test_abc");
  const args = registered.find((r) => r.name === "ref")!;
  expect(args.inputs.connectionString).toBeUndefined();
});

test("declares every stored field of a direct datasource as an output, and nothing else", async () => {
  const { OUTPUTS } = await import("../../sdk/src/outputs");
  const { DirectDatasourceSchema, camel } = await import("@ablo/api");
  const stored = Object.keys(DirectDatasourceSchema.shape)
    .filter((k) => !["id", "object", "connection", "provider"].includes(k))
    .map(camel);
  expect([...OUTPUTS].sort()).toEqual([...stored, "port", "fingerprint"].sort());
});

test("marks the resource with the owner key of its URN, on the SDK's own provider", async () => {
  const { ownerKey } = await import("@ablo/provider");
  const ds = new Datasource("owned", { connectionString: "postgres://app:x@db.example.com/shop" });
  const urn = await settle(ds.urn);
  const args = registered.find((r) => r.name === "owned")!;
  expect(args.inputs.owner).toBe(ownerKey(urn));
  expect(args.provider).toMatch(/::pulumi:providers:pulumi-nodejs::ablo::/);
  // Only what the program set is sent: unset inputs would cost promises and state bytes.
  expect(Object.keys(args.inputs).sort()).toEqual(["__provider", "connectionString", "owner"]);
});

test("PluginDatasource, deprecated: the plugin's ablo:index:Datasource, warning once per run through the engine's log", async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PluginDatasource } = require("@ablo/pulumi") as typeof import("@ablo/pulumi");
  const warn = jest.spyOn(pulumi.log, "warn").mockResolvedValue(undefined);
  try {
    const first = new PluginDatasource("legacy-a", { connectionString: "postgres://app:x@db.example.com/shop", metadata: { team: "a" } });
    const second = new PluginDatasource("legacy-b", { connectionString: "postgres://app:x@db.example.com/shop" });
    await settle(first.urn);
    await settle(second.urn);
    const args = registered.find((r) => r.name === "legacy-a")!;
    expect(args.type).toBe("ablo:index:Datasource");
    expect(args.inputs).toMatchObject({ metadata: { team: "a" } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/^PluginDatasource from "@ablo\/pulumi" is deprecated and will be removed in 0\.3\.0: use .*@ablo\/pulumi\/plugin/);
    expect(warn.mock.calls[0]![1]).toBe(first);
  } finally {
    warn.mockRestore();
  }
});
