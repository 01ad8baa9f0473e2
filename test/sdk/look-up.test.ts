import { AbloClient } from "@ablo/client";
import { startAbloLocal, type AbloLocal } from "@ablo/harness";
import { DatasourceModeMismatchError, DatasourceNotFoundError, InvalidDatasourceIdError } from "@ablo/provider";
import * as pulumi from "@pulumi/pulumi";

// Unit level, with Pulumi's mocks and a real ablo-local on loopback: the dynamic SDK's look-up runs
// in the program's process, on the provider's code, with the settings a Datasource gets (here the
// ABLO_API_KEY / ABLO_BASE_URL fallbacks). Through the real engine: test/e2e/look-up.test.ts.
const PW = "sdkLookUpCanary42";
let api: AbloClient;
let server: AbloLocal;

beforeAll(async () => {
  await pulumi.runtime.setMocks({ newResource: (args) => ({ id: args.name, state: args.inputs }), call: () => ({}) }, "proj", "stack", false);
  server = await startAbloLocal({ allowPrivateHosts: true, verification: false });
  process.env.ABLO_API_KEY = await server.createKey("sdk-look-up", "test");
  process.env.ABLO_BASE_URL = server.baseUrl;
  api = new AbloClient({ apiKey: process.env.ABLO_API_KEY, baseUrl: server.baseUrl });
}, 60_000);
afterAll(async () => {
  delete process.env.ABLO_API_KEY;
  delete process.env.ABLO_BASE_URL;
  api?.close();
  await server?.stop();
});

// Loaded after setMocks on purpose, as a program loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getDatasource, getDatasourceOutput } = require("@ablo/pulumi") as typeof import("@ablo/pulumi");

test("getDatasource returns the fields, plain, without a credential; getDatasourceOutput the same as an Output", async () => {
  const ds = await api.datasources.create({ connectionString: `postgres://app:${PW}@127.0.0.1:5432/shop`, metadata: { team: "sdk" } });
  try {
    const found = await getDatasource({ id: ds.id });
    expect(found).toEqual({
      id: ds.id,
      status: "unverified",
      livemode: false,
      metadata: { team: "sdk" },
      created: ds.created,
      host: "127.0.0.1",
      database: "shop",
      schema: "public",
      displayName: "app@127.0.0.1:5432/shop",
      lastError: null,
    });
    expect(JSON.stringify(found)).not.toContain(PW);
    const output = getDatasourceOutput({ id: pulumi.output(ds.id) });
    expect(await new Promise((resolve) => output.apply(resolve))).toEqual(found);
    expect(await pulumi.isSecret(output)).toBe(false);
  } finally {
    await api.datasources.del(ds.id);
  }
});

test("a missing id, one of the other mode and one that is no id reject with typed errors naming the id (or not echoing it)", async () => {
  await expect(getDatasource({ id: "ds_test_nothere000" })).rejects.toThrow(DatasourceNotFoundError);
  await expect(getDatasource({ id: "ds_test_nothere000" })).rejects.toMatchObject({ datasourceId: "ds_test_nothere000" });
  await expect(getDatasource({ id: "ds_livenothere0" })).rejects.toThrow(DatasourceModeMismatchError);
  const bad = await getDatasource({ id: `postgres://app:${PW}@db/x` }).catch((e: unknown) => e);
  expect(bad).toBeInstanceOf(InvalidDatasourceIdError);
  expect((bad as Error).message).not.toContain(PW);
  expect(bad).toMatchObject({ datasourceId: undefined });
});
