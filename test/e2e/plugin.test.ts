import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AbloClient } from "@ablo/client";
import { pulumiWorkspace, REPO_ROOT, startAbloLocal, startPostgres, type AbloLocal, type Postgres, type PulumiWorkspace } from "@ablo/harness";

// The provider plugin (pulumi-resource-ablo) through the real engine, from Pulumi YAML programs:
// the YAML example's life cycle, `pulumi import`, the policy pack, and a canary sweep.
const PW = "PluginCanary77";
const YAML_EXAMPLE = join(REPO_ROOT, "examples", "yaml");

let pg: Postgres;
let api: AbloLocal;
let key: string;
let ws: PulumiWorkspace;
let client: AbloClient;
const seen: string[] = []; // every engine output, for the canary sweep

async function run(cwd: string, args: string[], stdin?: string) {
  const r = await ws.run(args, { cwd, ...(stdin !== undefined ? { stdin } : {}) });
  seen.push(r.stdout, r.stderr);
  return r;
}
async function ok(cwd: string, args: string[], stdin?: string) {
  const r = await run(cwd, args, stdin);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} in ${cwd} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}
async function stack(cwd: string, config: Record<string, string>) {
  await ok(cwd, ["stack", "select", "--create", ws.stack]);
  await ok(cwd, ["config", "set", "--secret", "ablo:apiKey"], key);
  await ok(cwd, ["config", "set", "ablo:baseUrl", api.baseUrl]);
  for (const [k, v] of Object.entries(config)) await ok(cwd, ["config", "set", "--secret", k], v);
}
const outputs = async (cwd: string) => JSON.parse((await ok(cwd, ["stack", "output", "--json", "--show-secrets"])).stdout) as Record<string, string>;
const ids = async () => (await client.datasources.list({ limit: 100 })).data.map((d) => d.id);
const url = (user: string, db: string) => pg.url(user, user === "app" ? PW : `${PW}2`, db);

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql(`CREATE ROLE app LOGIN PASSWORD '${PW}' NOSUPERUSER NOBYPASSRLS`);
  await pg.sql(`CREATE ROLE app_next LOGIN PASSWORD '${PW}2' NOSUPERUSER NOBYPASSRLS`);
  await pg.sql("CREATE DATABASE orders OWNER app");
  await pg.sql("CREATE DATABASE orders2 OWNER app");
  await pg.sql("GRANT CONNECT ON DATABASE orders TO app_next");
  api = await startAbloLocal({ allowPrivateHosts: true, verification: true });
  key = await api.createKey("plugin-e2e", "test");
  client = new AbloClient({ apiKey: key, baseUrl: api.baseUrl });
  ws = await pulumiWorkspace();
}, 180_000);
afterAll(async () => {
  client?.close();
  await ws?.dispose();
  await api?.stop();
  await pg?.stop();
});

test("examples/yaml: create, no-change preview, rotate in place, replace on a new database, destroy", async () => {
  const cwd = YAML_EXAMPLE;
  await stack(cwd, { ordersUrl: url("app", "orders") });
  const up = await ok(cwd, ["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/ablo:index:Datasource/);
  const first = await outputs(cwd);
  expect(first).toMatchObject({ ordersStatus: "active", ordersDisplayName: expect.stringMatching(/^app@127\.0\.0\.1:\d+\/orders$/) });
  expect(await ids()).toEqual([first.ordersId]);
  await ok(cwd, ["preview", "--expect-no-changes"]);

  await ok(cwd, ["config", "set", "--secret", "ordersUrl"], url("app_next", "orders"));
  const rotate = await ok(cwd, ["up", "--yes", "--skip-preview"]);
  expect(rotate.stdout).toMatch(/~ 1 updated/);
  const rotated = await outputs(cwd);
  expect(rotated).toMatchObject({ ordersId: first.ordersId, ordersStatus: "active", ordersDisplayName: expect.stringMatching(/^app_next@/) });

  await ok(cwd, ["config", "set", "--secret", "ordersUrl"], url("app", "orders2"));
  const replace = await ok(cwd, ["up", "--yes", "--skip-preview"]);
  expect(replace.stdout).toMatch(/\+-1 replaced/);
  const replaced = await outputs(cwd);
  expect(replaced.ordersId).not.toBe(first.ordersId);
  expect(await ids()).toEqual([replaced.ordersId]);

  // The provider's configuration in state: the key, encrypted, and the base URL; nothing else.
  const exported = JSON.parse((await ok(cwd, ["stack", "export"])).stdout) as {
    deployment: { resources: Array<{ type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }> };
  };
  const provider = exported.deployment.resources.find((r) => r.type === "pulumi:providers:ablo");
  expect(Object.keys(provider?.inputs ?? {}).sort()).toEqual(["apiKey", "baseUrl"]);
  expect(provider?.inputs?.apiKey).toHaveProperty("ciphertext");
  const ds = exported.deployment.resources.find((r) => r.type === "ablo:index:Datasource");
  expect(ds?.inputs?.connectionString).toHaveProperty("ciphertext");
  expect(ds?.outputs?.fingerprint).toHaveProperty("ciphertext");
  expect(ds?.outputs).not.toHaveProperty("connectionString");

  await ok(cwd, ["destroy", "--yes", "--skip-preview"]);
  expect(await ids()).toEqual([]);
});

test("pulumi import brings a datasource under management; adding the connection string rotates it in place", async () => {
  const existing = await client.datasources.create({ connectionString: url("app", "orders"), metadata: { owner: "legacy-script" } });
  const cwd = await mkdtemp(join(tmpdir(), "ablo-import-"));
  try {
    await writeFile(join(cwd, "Pulumi.yaml"), "name: ablo-import\nruntime: yaml\n");
    await stack(cwd, { legacyUrl: url("app_next", "orders") });
    const imported = await ok(cwd, ["import", "ablo:index:Datasource", "legacy", existing.id, "--yes", "--protect=false"]);
    expect(imported.stdout).toMatch(/= 1 imported/);
    // The code the engine generates (by the YAML host, from the plugin's schema): the required
    // connection string left empty for the user to fill, as Ablo never returns it.
    expect(imported.stdout).toMatch(/type: ablo:Datasource/);
    expect(imported.stdout).toMatch(/owner: legacy-script/);
    expect(imported.stdout).toMatch(/connectionString: ""/);
    // The generated code with the connection string filled in (YAML itself requires it).
    await writeFile(
      join(cwd, "Pulumi.yaml"),
      "name: ablo-import\nruntime: yaml\nconfig:\n  legacyUrl:\n    type: string\n    secret: true\n" +
        "resources:\n  legacy:\n    type: ablo:Datasource\n    properties:\n      connectionString: ${legacyUrl}\n      metadata:\n        owner: legacy-script\n" +
        "outputs:\n  id: ${legacy.id}\n  status: ${legacy.status}\n  displayName: ${legacy.displayName}\n",
    );
    const up = await ok(cwd, ["up", "--yes", "--skip-preview"]);
    expect(up.stdout).toMatch(/~ 1 updated/);
    expect(up.stdout).not.toMatch(/replaced/);
    expect(await outputs(cwd)).toMatchObject({ id: existing.id, status: "active", displayName: expect.stringMatching(/^app_next@/) });
    expect(await ids()).toEqual([existing.id]);
    await ok(cwd, ["preview", "--expect-no-changes"]);
    await ok(cwd, ["destroy", "--yes", "--skip-preview"]);
    expect(await ids()).toEqual([]);
  } finally {
    await client.datasources.del(existing.id).catch(() => undefined); // a failed run leaves nothing for the next test
    await rm(cwd, { recursive: true, force: true });
  }
});

test("the policy pack stops a YAML program's private host at preview", async () => {
  const cwd = YAML_EXAMPLE;
  await stack(cwd, { ordersUrl: url("app", "orders") });
  const preview = await run(cwd, ["preview", "--policy-pack", join(REPO_ROOT, "policy-pack")]);
  expect(preview.code).not.toBe(0);
  expect(preview.stdout + preview.stderr).toMatch(/ablo-datasource-public-host/);
  expect(preview.stdout + preview.stderr).toMatch(/mandatory/);
  expect(await ids()).toEqual([]);
});

test("canary: the password and the API key appear in no engine output, state file or server log", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? files(p) : [p];
    });
  const state = files(join(ws.dir, "state")).map((f) => readFileSync(f, "utf8"));
  expect(state.length).toBeGreaterThan(0);
  for (const text of [...seen, ...state, api.logs()]) {
    expect(text).not.toContain(PW);
    expect(text).not.toContain(key);
  }
});
