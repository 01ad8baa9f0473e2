import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, sep } from "node:path";
import { promisify } from "node:util";
import { filesContaining, loginRole, REPO_ROOT, runPulumi, secret, type ProgramStack } from "@ablo/harness";
import { writePluginArchives, type PluginArchive } from "@ablo/packaging";
import { serveFolder, type FileServer } from "./file-server";
import { startSuite, type PostgresSuite } from "./helpers";

// The provider plugin installed the way the engine installs resource plugins: an archive
// `pulumi-resource-ablo-v<version>-linux-amd64.tar.gz` served over HTTP (here by a file server on
// 127.0.0.1), fetched by `pulumi plugin install … --server`, or by the engine itself when a Pulumi
// YAML program uses ablo:Datasource, from the download URL of the package in the project (the
// YAML package declaration, which carries the schema's pluginDownloadURL). Plugin caches start
// empty: scripts/pulumi leaves them alone (ABLO_PLUGIN=none) and allows downloads here.
const CANARY = "PluginInstallCanary7Rk2";
const PLATFORM = "linux-amd64";

let work: string;
let archivesDir: string;
let server: FileServer;
let current: PluginArchive;
let newer: PluginArchive;
let suite: PostgresSuite;
let stack: ProgramStack;
let project: string;

/** What every engine run here needs: the plugin cache left alone, downloads allowed, and none of them off loopback. */
const INSTALLS = {
  ABLO_PLUGIN: "none",
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "false",
  // Where the engine would look for a plugin without a download URL (Pulumi's GitHub releases): a
  // closed port on loopback instead, so that a mistake fails here rather than going out.
  PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES: "^github://=http://127.0.0.1:9",
  // `npm test` puts the workspace's node_modules/.bin on PATH, which holds this clone's
  // pulumi-resource-ablo: the engine would take it from there instead of installing the plugin.
  // This Node (>= 22) stays first: the plugin needs it.
  PATH: [dirname(process.execPath), ...(process.env.PATH ?? "").split(delimiter).filter((dir) => !dir.endsWith(`${sep}node_modules${sep}.bin`))].join(
    delimiter,
  ),
};

const bumpMinor = (v: string) => {
  const [major, minor] = v.split(".").map(Number);
  return `${major}.${(minor ?? 0) + 1}.0`;
};
const archiveName = (version: string) => `pulumi-resource-ablo-v${version}-${PLATFORM}.tar.gz`;
const downloads = (version: string) => server.requests.filter((r) => r === `GET /${archiveName(version)} 200`).length;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ablo-plugin-install-"));
  archivesDir = join(work, "releases");
  await mkdir(archivesDir);
  server = await serveFolder(archivesDir);
  // As `npm run pack` writes it, with this server as the download URL in the schema
  // (ABLO_PLUGIN_DOWNLOAD_URL at pack time), and a later version of the same code beside it.
  const forThisMachine = (archives: PluginArchive[]) => archives.find((a) => a.platform === PLATFORM)!;
  current = forThisMachine(await writePluginArchives({ root: REPO_ROOT, outDir: archivesDir, pluginDownloadURL: server.url }));
  newer = forThisMachine(
    await writePluginArchives({ root: REPO_ROOT, outDir: archivesDir, pluginDownloadURL: server.url, version: bumpMinor(current.version) }),
  );
  suite = await startSuite({
    org: "plugin-install-org",
    // The API as the reference documents it (create, retrieve, delete): the installed plugin also
    // has to say, through the engine, what it does without the list route.
    api: { allowPrivateHosts: true, verification: true, surface: "minimal", admin: true },
    postgres: [loginRole("app", CANARY), "CREATE DATABASE shop OWNER app"],
  });
}, 180_000);

afterAll(async () => {
  await suite?.dispose();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test("the archive is named and laid out as the engine expects: the executable at its root, one bundled file, no node_modules", async () => {
  expect(current.file).toBe(join(archivesDir, archiveName(current.version)));
  const { stdout: listing } = await promisify(execFile)("tar", ["-tzvf", current.file]);
  const entries = listing.trim().split("\n");
  expect(entries.map((l) => l.split(/\s+/).pop()).sort()).toEqual(["LICENSE", "THIRD-PARTY-NOTICES.txt", "pulumi-resource-ablo", "pulumi-resource-ablo.js"]);
  expect(entries.find((l) => l.endsWith(" pulumi-resource-ablo"))).toMatch(/^-rwxr-xr-x /);
  // The same bytes for every platform the engine may ask for (JavaScript and a POSIX shell launcher).
  const bytes = await readFile(current.file);
  for (const other of ["linux-arm64", "darwin-amd64", "darwin-arm64"]) {
    expect((await readFile(join(archivesDir, `pulumi-resource-ablo-v${current.version}-${other}.tar.gz`))).equals(bytes)).toBe(true);
  }
  console.log(`plugin archive: ${(current.bytes / 1024).toFixed(0)} kB (${current.file})`);
}, 60_000);

test("`pulumi plugin install resource ablo <version> --server <url>` installs it into an empty cache, `plugin ls` lists it, and its package is the one shipped", async () => {
  const home = join(work, "home-install");
  const env = { ...INSTALLS, PULUMI_HOME: home };
  const install = await runPulumi(["plugin", "install", "resource", "ablo", current.version, "--server", server.url], { cwd: work, env });
  expect(install.code).toBe(0);
  expect(downloads(current.version)).toBe(1);
  const ls = JSON.parse((await runPulumi(["plugin", "ls", "--json"], { cwd: work, env })).stdout) as Array<{ name: string; kind: string; version: string }>;
  expect(ls.map(({ name, kind, version }) => ({ name, kind, version }))).toEqual([{ name: "ablo", kind: "resource", version: current.version }]);
  expect((await readdir(join(home, "plugins", `resource-ablo-v${current.version}`))).sort()).toEqual([
    "LICENSE",
    "THIRD-PARTY-NOTICES.txt",
    "pulumi-resource-ablo",
    "pulumi-resource-ablo.js",
  ]);

  // The engine's own YAML generator, from the installed plugin's schema, writes the package
  // declaration `npm run pack` ships: the download URL in it is the schema's pluginDownloadURL.
  const out = join(work, "gen-sdk");
  const gen = await runPulumi(["package", "gen-sdk", `ablo@${current.version}`, "--language", "yaml", "--out", out], { cwd: work, env });
  expect(gen.code).toBe(0);
  const generated = await readFile(join(out, "yaml", `ablo-${current.version}.yaml`), "utf8");
  expect(generated).toBe(await readFile(current.yamlPackage, "utf8"));
  expect(generated).toContain(`downloadUrl: ${server.url}\n`);
  expect(downloads(current.version)).toBe(1); // from the cache, not downloaded again
}, 120_000);

test("without Node on PATH the plugin says so, in words, and exits", async () => {
  // The launcher as installed above, run with a PATH of shell tools only.
  const tools = join(work, "no-node-bin");
  await mkdir(tools);
  for (const t of ["dirname", "readlink"]) await symlink(await which(t), join(tools, t));
  const launcher = join(work, "home-install", "plugins", `resource-ablo-v${current.version}`, "pulumi-resource-ablo");
  const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(launcher, [], { env: { PATH: tools } }, (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr })),
  );
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("pulumi-resource-ablo: Node.js >= 22 must be on PATH, and there is no node on PATH");
}, 60_000);

test("a YAML program with no plugins: section, on an empty plugin cache, gets the plugin from the package's URL on its first up", async () => {
  project = join(work, "yaml-datasources");
  await mkdir(join(project, "sdks"), { recursive: true });
  await writeFile(
    join(project, "Pulumi.yaml"),
    "name: yaml-datasources\nruntime: yaml\n" +
      "config:\n  databaseUrl:\n    type: string\n    secret: true\n" +
      "resources:\n  orders:\n    type: ablo:Datasource\n    properties:\n      connectionString: ${databaseUrl}\n      metadata:\n        team: platform\n" +
      "outputs:\n  id: ${orders.id}\n  status: ${orders.status}\n",
  );
  // The package, as `npm run pack` writes it (dist-pack/ablo-<version>.yaml) and as `pulumi package add` would place it.
  await copyFile(current.yamlPackage, join(project, "sdks", `ablo-${current.version}.yaml`));
  expect(await readFile(join(project, "Pulumi.yaml"), "utf8")).not.toContain("plugins:");

  stack = await suite.stack(project, { databaseUrl: secret(suite.pg.url("app", CANARY, "shop")) }, { env: INSTALLS });
  const cache = join(suite.ws.env.PULUMI_HOME!, "plugins");
  expect(await readdir(cache).catch(() => [])).toEqual([]);

  const downloadsBefore = downloads(current.version);
  const started = performance.now();
  const up = await stack.ok(["up", "--yes"]);
  const seconds = (performance.now() - started) / 1000;
  console.log(`empty plugin cache to a finished first up of the YAML program (download and install of the plugin included): ${seconds.toFixed(1)} s`);
  expect(up.stdout + up.stderr).toContain(`Downloading plugin ablo-${current.version}`);
  expect(downloads(current.version)).toBe(downloadsBefore + 1);
  expect(await readdir(cache)).toContain(`resource-ablo-v${current.version}`);
  // The bundled plugin's warnings reach the engine's output (provider/src/engine-log.ts).
  expect(up.stdout).toContain("warning: this Ablo API does not serve GET /v1/datasources (HTTP 404)");

  const out = await stack.outputs<{ id: string; status: string }>();
  expect(out.status).toBe("active");
  expect(await suite.server.ids()).toEqual([out.id]);
  const state = await stack.exportState();
  const provider = state.resources.find((r) => r.type === "pulumi:providers:ablo")!;
  // The engine's default provider for the package's version and URL, both kept in state.
  expect(provider.urn).toContain(`::default_${current.version.replaceAll(".", "_")}_http_`);
  expect(provider.inputs).toMatchObject({ version: current.version, __internal: { pluginDownloadURL: server.url } });
  await stack.ok(["preview", "--expect-no-changes"]);
}, 300_000);

test("two versions side by side: the stack moves to the newer plugin in place, nothing replaced, and nothing to change after", async () => {
  const before = await stack.outputs<{ id: string }>();
  await rm(join(project, "sdks", `ablo-${current.version}.yaml`));
  await copyFile(newer.yamlPackage, join(project, "sdks", `ablo-${newer.version}.yaml`));

  // The preview installs the newer plugin (the package now names it); the engine sees two default
  // providers of one package and diffs the Datasource with the newer one: the same, so no step.
  const preview = await stack.ok(["preview", "--diff"]);
  expect(downloads(newer.version)).toBe(1); // fetched from the server (the diff display does not show downloads)
  // The stack and the Datasource (default providers are not shown): nothing to replace, update or create.
  expect(preview.stdout).toMatch(/Resources:\s+2 unchanged\s*$/);
  expect(preview.stdout).not.toMatch(/replace/i);
  const up = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/Resources:\s+2 unchanged\s/);
  expect(downloads(newer.version)).toBe(1);

  const after = await stack.outputs<{ id: string; status: string }>();
  expect(after).toMatchObject({ id: before.id, status: "active" });
  expect(await suite.server.ids()).toEqual([before.id]);
  const state = await stack.exportState();
  const providers = state.resources.filter((r) => r.type === "pulumi:providers:ablo");
  // The 0.1.0 default provider is gone from state, and the Datasource names the newer one.
  expect(providers.map((p) => p.inputs?.version)).toEqual([newer.version]);
  const ds = state.resources.find((r) => r.type === "ablo:index:Datasource")!;
  expect(ds.provider).toContain(providers[0]!.urn);
  await stack.ok(["preview", "--expect-no-changes"]);

  const ls = JSON.parse((await stack.ok(["plugin", "ls", "--json"])).stdout) as Array<{ name: string; version: string }>;
  expect(
    ls
      .filter((p) => p.name === "ablo")
      .map((p) => p.version)
      .sort(),
  ).toEqual([current.version, newer.version].sort());
}, 300_000);

test("destroy removes the datasource, and the canary is nowhere: engine output, state, plugin cache, project, archives", async () => {
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
  expect(suite.transcript.join("\n")).not.toContain(CANARY);
  expect(server.requests.join("\n")).not.toContain(CANARY);
  for (const dir of [suite.ws.dir, project, archivesDir, join(work, "home-install")]) expect(await filesContaining(dir, CANARY)).toEqual([]);
}, 300_000);

async function which(tool: string): Promise<string> {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const candidate = join(dir, tool);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new Error(`${tool} is not on PATH`);
}
