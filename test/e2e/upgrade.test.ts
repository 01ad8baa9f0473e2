import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, sep } from "node:path";
import { filesContaining, loginRole, REPO_ROOT, secret, type ProgramStack } from "@ablo/harness";
import { packAll, type Packed } from "@ablo/packaging";
import { startSuite, type PostgresSuite } from "./helpers";
import { writeUserProject } from "./user-project";

// A stack made with the previous release, upgraded in place to this one, as a user does it: the
// 0.1.0 packages as they were packed (test/fixtures/release-0.1.0, from the commit tagged v0.1.0;
// the tag itself is not needed) and this checkout's, packed now. TypeScript (the dynamic Datasource
// and the plugin's, through @ablo/pulumi/plugin) and Pulumi YAML (the plugin): after the upgrade a
// preview shows no changes; the program the early 0.1.0 README showed (PluginDatasource) runs, with
// one deprecation warning; then a rotation, a metadata change and destroy, through the new release.
const OLD = "0.1.0";
const FIXTURE = join(REPO_ROOT, "test", "fixtures", `release-${OLD}`);
const PW = "UpgradeCanary62Pw";
const NEXT_PW = "UpgradeNextCanary19";
const PLATFORM = "linux-amd64";
const DEPRECATION = 'warning: PluginDatasource from "@ablo/pulumi" is deprecated and will be removed in 0.3.0';

/** Every engine run: the plugins come from the plugin cache only, where the test installs both releases. */
const ENGINE_ENV = {
  ABLO_PLUGIN: "none", // not this clone's plugin: the released ones
  NODE_PATH: undefined,
  PULUMI_NODEJS_TRANSPILE_ONLY: "false", // the official CLI type-checks TypeScript programs
  // `npm test` puts node_modules/.bin on PATH, holding this clone's pulumi-resource-ablo, which the
  // engine would take instead of the installed releases. This Node (>= 22) stays first.
  PATH: [dirname(process.execPath), ...(process.env.PATH ?? "").split(delimiter).filter((d) => !d.endsWith(`${sep}node_modules${sep}.bin`))].join(delimiter),
};

let work: string;
let current: Packed;
let version: string;
let suite: PostgresSuite;
const url = (user: "app" | "app_next") => suite.pg.url(user, user === "app" ? PW : NEXT_PW, "shop");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}
function must(command: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { cwd, env: { ...process.env, NODE_PATH: undefined }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${command} ${args.join(" ")} failed: ${err.message}\n${stdout}\n${stderr}`)) : resolve({ code: 0, stdout, stderr }),
    ),
  );
}
const count = (text: string, needle: string) => text.split(needle).length - 1;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ablo-upgrade-"));
  // This release as `npm run pack` writes it: the SDK's tarball and the plugin's archive.
  current = await packAll({ outDir: join(work, "current"), targets: ["sdk", "plugin"] });
  version = current.tarballs.find((t) => t.name === "@ablo/pulumi")!.version;
  suite = await startSuite({
    org: "upgrade-org",
    api: { allowPrivateHosts: true, verification: true },
    postgres: [loginRole("app", PW), loginRole("app_next", NEXT_PW), "CREATE DATABASE shop OWNER app", "GRANT CONNECT ON DATABASE shop TO app_next"],
  });
  // Both plugins in the workspace's plugin cache, from their archives, as `pulumi plugin install` puts them.
  const newArchive = current.pluginArchives.find((a) => a.platform === PLATFORM)!.file;
  for (const [v, file] of [
    [OLD, join(FIXTURE, `pulumi-resource-ablo-v${OLD}-${PLATFORM}.tar.gz`)],
    [version, newArchive],
  ] as const) {
    await suite.ws.ok(["plugin", "install", "resource", "ablo", v, "--file", file], { cwd: work, env: ENGINE_ENV });
  }
}, 600_000);

afterAll(async () => {
  await suite?.dispose();
  if (work) await rm(work, { recursive: true, force: true });
});

test("this release is a newer version than the fixture's, in every package it packs", () => {
  expect(version).not.toBe(OLD);
  const [major, minor] = version.split(".").map(Number);
  expect(major! > 0 || minor! > 1).toBe(true);
  for (const t of current.tarballs) expect(t.version).toBe(version);
  for (const a of current.pluginArchives) expect(a.version).toBe(version);
});

/** A TypeScript program: the dynamic Datasource `orders`, and the plugin's `invoices` and `refunds`, written the way `style` says. */
function tsProgram(style: "plugin-module" | "PluginDatasource"): string {
  const head =
    style === "plugin-module"
      ? ['import { Datasource } from "@ablo/pulumi";', 'import * as ablo from "@ablo/pulumi/plugin";', "const PluginResource = ablo.Datasource;"]
      : // The early 0.1.0 README's program.
        ['import { Datasource, PluginDatasource } from "@ablo/pulumi";', "const PluginResource = PluginDatasource;"];
  return [
    'import * as pulumi from "@pulumi/pulumi";',
    ...head,
    "",
    "const config = new pulumi.Config();",
    'const databaseUrl = config.requireSecret("databaseUrl");',
    'const metadata = { team: config.get("team") ?? "platform" };',
    'const orders = new Datasource("orders", { connectionString: databaseUrl, metadata });',
    'const invoices = new PluginResource("invoices", { connectionString: databaseUrl, metadata });',
    'const refunds = new PluginResource("refunds", { connectionString: databaseUrl, metadata });',
    "export const ids = [orders.id, invoices.id, refunds.id];",
    "export const statuses = [orders.status, invoices.status, refunds.status];",
    "",
  ].join("\n");
}

/** The rotation, the metadata change and destroy every upgraded stack goes through; `resources` Datasources, each `[type, name]`. */
async function rotateUpdateDestroy(stack: ProgramStack, resources: Array<[string, string]>, before: string[]) {
  await stack.setConfig({ databaseUrl: secret(url("app_next")) });
  const preview = await stack.ok(["preview"]);
  for (const [type, name] of resources)
    expect(preview.stdout).toMatch(new RegExp(`~ +${type.replace(/[/]/g, "\\/")} +${name} +update +\\[diff: ~connectionString\\]`));
  const rotate = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(rotate.stdout).toMatch(new RegExp(`~ ${resources.length} updated`));
  expect(rotate.stdout).not.toMatch(/replaced/);
  const ids = (await stack.outputs<{ ids: string[] }>()).ids;
  expect(ids).toEqual(before);

  await stack.setConfig({ team: "billing" });
  const meta = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(meta.stdout).toMatch(new RegExp(`~ ${resources.length} updated`));
  const onServer = await suite.server.datasources();
  for (const id of before) expect(onServer.find((d) => d.id === id)).toMatchObject({ status: "active", metadata: { team: "billing" } });
  await stack.ok(["preview", "--expect-no-changes"]);

  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  for (const id of before) expect(await suite.server.ids()).not.toContain(id);
}

test("TypeScript: a 0.1.0 stack upgrades in place; the old PluginDatasource program runs, warning once; rotation, metadata, destroy", async () => {
  const project = join(work, "ts");
  await mkdir(project);
  await writeUserProject(project, { "@pulumi/pulumi": "3.270.0" });
  await writeFile(join(project, "index.ts"), tsProgram("plugin-module"));
  await must("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(FIXTURE, `ablo-pulumi-${OLD}.tgz`)], project);
  const stack = await suite.stack(project, { databaseUrl: secret(url("app")) }, { env: ENGINE_ENV });
  const made = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(made.stdout).toMatch(/\+ 5 created/); // the stack, the SDK's provider instance and three Datasources
  const { ids, statuses } = await stack.outputs<{ ids: string[]; statuses: string[] }>();
  expect(statuses).toEqual(["active", "active", "active"]);
  const old = await stack.exportState();
  expect(old.resources.find((r) => r.type === "pulumi:providers:ablo")?.inputs).toMatchObject({ version: OLD });

  // The upgrade: the new tarball in place of the old one, the program unchanged.
  await must("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", current.tarballs.find((t) => t.name === "@ablo/pulumi")!.file], project);
  const installed = JSON.parse(await readFile(join(project, "node_modules", "@ablo", "pulumi", "package.json"), "utf8")) as { version: string };
  expect(installed.version).toBe(version);
  await stack.ok(["preview", "--expect-no-changes"]);

  // The program of the early 0.1.0 README: the same resources, so nothing to change, and one warning.
  await writeFile(join(project, "index.ts"), tsProgram("PluginDatasource"));
  const legacy = await stack.ok(["preview", "--expect-no-changes"]);
  // Once per run: the first PluginDatasource carries it (the engine prints a warning on its progress
  // line and again in the Diagnostics section).
  const diagnostics = legacy.stdout.slice(legacy.stdout.indexOf("Diagnostics:"));
  expect(count(diagnostics, DEPRECATION)).toBe(1);
  expect(diagnostics).toMatch(new RegExp(`ablo:index:Datasource \\(invoices\\):\\s+${DEPRECATION.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  expect(count(legacy.stdout + legacy.stderr, DEPRECATION)).toBeLessThanOrEqual(2);
  const up = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/Resources:\s+5 unchanged\s/);
  const state = await stack.exportState();
  // The Datasources now on this release's plugin; nothing replaced.
  expect(state.resources.filter((r) => r.type === "pulumi:providers:ablo").map((r) => r.inputs?.version)).toEqual([version]);
  expect((await stack.outputs<{ ids: string[] }>()).ids).toEqual(ids);

  await rotateUpdateDestroy(
    stack,
    [
      ["pulumi-nodejs:dynamic/ablo:Datasource", "orders"],
      ["ablo:index:Datasource", "invoices"],
      ["ablo:index:Datasource", "refunds"],
    ],
    ids,
  );
}, 900_000);

test("YAML: a 0.1.0 stack upgrades in place when the package file is replaced; rotation, metadata, destroy", async () => {
  const project = join(work, "yaml");
  await mkdir(join(project, "sdks"), { recursive: true });
  await writeFile(
    join(project, "Pulumi.yaml"),
    "name: upgrade-yaml\nruntime: yaml\n" +
      "config:\n  databaseUrl:\n    type: string\n    secret: true\n  team:\n    type: string\n    default: platform\n" +
      "resources:\n  orders:\n    type: ablo:Datasource\n    properties:\n      connectionString: ${databaseUrl}\n      metadata:\n        team: ${team}\n" +
      "outputs:\n  ids:\n    - ${orders.id}\n",
  );
  // The package a YAML project of 0.1.0 holds; its plugin is in the cache already.
  await copyFile(join(FIXTURE, `ablo-${OLD}.yaml`), join(project, "sdks", `ablo-${OLD}.yaml`));
  const stack = await suite.stack(project, { databaseUrl: secret(url("app")) }, { env: ENGINE_ENV });
  await stack.ok(["up", "--yes", "--skip-preview"]);
  const { ids } = await stack.outputs<{ ids: string[] }>();

  // The upgrade: this release's package file in place of the old one.
  await rm(join(project, "sdks", `ablo-${OLD}.yaml`));
  await copyFile(current.pluginArchives[0]!.yamlPackage, join(project, "sdks", `ablo-${version}.yaml`));
  await stack.ok(["preview", "--expect-no-changes"]);
  await stack.ok(["up", "--yes", "--skip-preview"]);
  const state = await stack.exportState();
  expect(state.resources.filter((r) => r.type === "pulumi:providers:ablo").map((r) => r.inputs?.version)).toEqual([version]);
  expect((await stack.outputs<{ ids: string[] }>()).ids).toEqual(ids);

  await rotateUpdateDestroy(stack, [["ablo:index:Datasource", "orders"]], ids);
}, 900_000);

test("the passwords are nowhere: engine output, the server's answers, state", async () => {
  for (const c of [PW, NEXT_PW]) {
    expect(suite.transcript.join("\n")).not.toContain(c);
    expect(await filesContaining(suite.ws.dir, c)).toEqual([]);
  }
}, 60_000);
