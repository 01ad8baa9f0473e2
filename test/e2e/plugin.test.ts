import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AbloClient } from "@ablo/client";
import { isAbloDatasource, REPO_ROOT, secret, loginRole } from "@ablo/harness";
import { startSuite, type PostgresSuite } from "./helpers";

// The provider plugin (pulumi-resource-ablo) through the real engine, from Pulumi YAML programs:
// the YAML example's life cycle, `pulumi import`, the policy pack, and a canary sweep.
const PW = "PluginCanary77";
const YAML_EXAMPLE = join(REPO_ROOT, "examples", "yaml");

let suite: PostgresSuite;
let client: AbloClient; // creates the datasource to import, as another tool would
const url = (user: string, db: string) => suite.pg.url(user, user === "app" ? PW : `${PW}2`, db);
const ids = () => suite.server.ids();
type Outputs = Record<string, string>;

beforeAll(async () => {
  suite = await startSuite({
    org: "plugin-e2e",
    api: { allowPrivateHosts: true, verification: true },
    postgres: [
      loginRole("app", PW),
      loginRole("app_next", `${PW}2`),
      "CREATE DATABASE orders OWNER app",
      "CREATE DATABASE orders2 OWNER app",
      "GRANT CONNECT ON DATABASE orders TO app_next",
    ],
  });
  client = new AbloClient({ apiKey: suite.key, baseUrl: suite.api.baseUrl });
}, 180_000);
afterAll(async () => {
  client?.close();
  await suite?.dispose();
});

test("examples/yaml: create, no-change preview, rotate in place, replace on a new database, destroy", async () => {
  const cwd = await suite.stack(YAML_EXAMPLE, { ordersUrl: secret(url("app", "orders")) });
  const up = await cwd.ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/ablo:index:Datasource/);
  const first = await cwd.outputs<Outputs>();
  expect(first).toMatchObject({ ordersStatus: "active", ordersDisplayName: expect.stringMatching(/^app@127\.0\.0\.1:\d+\/orders$/) });
  expect(await ids()).toEqual([first.ordersId]);
  await cwd.ok(["preview", "--expect-no-changes"]);

  await cwd.setConfig({ ordersUrl: secret(url("app_next", "orders")) });
  const rotate = await cwd.ok(["up", "--yes", "--skip-preview"]);
  expect(rotate.stdout).toMatch(/~ 1 updated/);
  const rotated = await cwd.outputs<Outputs>();
  expect(rotated).toMatchObject({ ordersId: first.ordersId, ordersStatus: "active", ordersDisplayName: expect.stringMatching(/^app_next@/) });

  await cwd.setConfig({ ordersUrl: secret(url("app", "orders2")) });
  const replace = await cwd.ok(["up", "--yes", "--skip-preview"]);
  expect(replace.stdout).toMatch(/\+-1 replaced/);
  const replaced = await cwd.outputs<Outputs>();
  expect(replaced.ordersId).not.toBe(first.ordersId);
  expect(await ids()).toEqual([replaced.ordersId]);

  // The provider's configuration in state: the key, encrypted, and the base URL; nothing else.
  const exported = await cwd.exportState();
  const provider = exported.resources.find((r) => r.type === "pulumi:providers:ablo");
  expect(Object.keys(provider?.inputs ?? {}).sort()).toEqual(["apiKey", "baseUrl"]);
  expect(provider?.inputs?.apiKey).toHaveProperty("ciphertext");
  const ds = exported.resources.find(isAbloDatasource);
  expect(ds?.inputs?.connectionString).toHaveProperty("ciphertext");
  expect(ds?.outputs?.fingerprint).toHaveProperty("ciphertext");
  expect(ds?.outputs).not.toHaveProperty("connectionString");

  await cwd.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await ids()).toEqual([]);
});

test("pulumi import brings a datasource under management; adding the connection string rotates it in place", async () => {
  const existing = await client.datasources.create({ connectionString: url("app", "orders"), metadata: { owner: "legacy-script" } });
  const dir = await mkdtemp(join(tmpdir(), "ablo-import-"));
  try {
    await writeFile(join(dir, "Pulumi.yaml"), "name: ablo-import\nruntime: yaml\n");
    const cwd = await suite.stack(dir, { legacyUrl: secret(url("app_next", "orders")) });
    const imported = await cwd.ok(["import", "ablo:index:Datasource", "legacy", existing.id, "--yes", "--protect=false"]);
    expect(imported.stdout).toMatch(/= 1 imported/);
    // The code the engine generates (by the YAML host, from the plugin's schema): the required
    // connection string left empty for the user to fill, as Ablo never returns it.
    expect(imported.stdout).toMatch(/type: ablo:Datasource/);
    expect(imported.stdout).toMatch(/owner: legacy-script/);
    expect(imported.stdout).toMatch(/connectionString: ""/);
    // The generated code with the connection string filled in (YAML itself requires it).
    await writeFile(
      join(dir, "Pulumi.yaml"),
      "name: ablo-import\nruntime: yaml\nconfig:\n  legacyUrl:\n    type: string\n    secret: true\n" +
        "resources:\n  legacy:\n    type: ablo:Datasource\n    properties:\n      connectionString: ${legacyUrl}\n" +
        "      metadata:\n        owner: legacy-script\n" +
        "outputs:\n  id: ${legacy.id}\n  status: ${legacy.status}\n  displayName: ${legacy.displayName}\n",
    );
    const up = await cwd.ok(["up", "--yes", "--skip-preview"]);
    expect(up.stdout).toMatch(/~ 1 updated/);
    expect(up.stdout).not.toMatch(/replaced/);
    expect(await cwd.outputs<Outputs>()).toMatchObject({ id: existing.id, status: "active", displayName: expect.stringMatching(/^app_next@/) });
    expect(await ids()).toEqual([existing.id]);
    await cwd.ok(["preview", "--expect-no-changes"]);
    await cwd.ok(["destroy", "--yes", "--skip-preview"]);
    expect(await ids()).toEqual([]);
  } finally {
    await client.datasources.del(existing.id).catch(() => undefined); // a failed run leaves nothing for the next test
    await rm(dir, { recursive: true, force: true });
  }
});

test("pulumi import in a TypeScript project prints the generated code; the program takes it over in place", async () => {
  const existing = await client.datasources.create({ connectionString: url("app", "orders"), metadata: { owner: "ts-script" } });
  // Inside the repository (.tmp/ is ignored by git) so that the program resolves @ablo/pulumi.
  await mkdir(join(REPO_ROOT, ".tmp"), { recursive: true });
  const dir = await mkdtemp(join(REPO_ROOT, ".tmp", "ablo-import-ts-"));
  try {
    await writeFile(join(dir, "Pulumi.yaml"), "name: ablo-import-ts\nruntime: nodejs\n");
    await writeFile(join(dir, "index.ts"), "export {};\n");
    const cwd = await suite.stack(dir, { legacyUrl: secret(url("app_next", "orders")) });
    const imported = await cwd.ok(["import", "ablo:index:Datasource", "legacy", existing.id, "--yes", "--protect=false"]);
    // Pulumi's TypeScript generator, from the plugin's schema (the engine's loader drops the schema's
    // npm name, hence "@pulumi/ablo"; the README says to import "@ablo/pulumi/plugin").
    expect(imported.stdout).toMatch(/const legacy = new ablo\.Datasource\("legacy", \{/);
    expect(imported.stdout).toMatch(/owner: "ts-script"/);
    await writeFile(
      join(dir, "index.ts"),
      [
        'import * as pulumi from "@pulumi/pulumi";',
        'import * as ablo from "@ablo/pulumi/plugin";',
        "const config = new pulumi.Config();",
        'const legacy = new ablo.Datasource("legacy", { connectionString: config.requireSecret("legacyUrl"), metadata: { owner: "ts-script" } });',
        "export const id = legacy.id;",
        "export const displayName = legacy.displayName;",
        "",
      ].join("\n"),
    );
    const up = await cwd.ok(["up", "--yes", "--skip-preview"]);
    expect(up.stdout).toMatch(/~ 1 updated/);
    expect(up.stdout).not.toMatch(/replaced/);
    expect(await cwd.outputs<Outputs>()).toMatchObject({ id: existing.id, displayName: expect.stringMatching(/^app_next@/) });
    await cwd.ok(["preview", "--expect-no-changes"]);
    await cwd.ok(["destroy", "--yes", "--skip-preview"]);
    expect(await ids()).toEqual([]);
  } finally {
    await client.datasources.del(existing.id).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

test("the policy pack stops a YAML program's private host at preview", async () => {
  const cwd = await suite.stack(YAML_EXAMPLE, { ordersUrl: secret(url("app", "orders")) });
  const preview = await cwd.run(["preview", "--policy-pack", join(REPO_ROOT, "policy-pack")]);
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
  const state = files(join(suite.ws.dir, "state")).map((f) => readFileSync(f, "utf8"));
  expect(state.length).toBeGreaterThan(0);
  expect(suite.transcript.length).toBeGreaterThan(20);
  for (const text of [...suite.transcript, ...state, suite.api.logs()]) {
    expect(text).not.toContain(PW);
    expect(text).not.toContain(suite.key);
  }
});
