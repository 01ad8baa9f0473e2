import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { filesContaining, loginRole, REPO_ROOT, secret, type ProgramStack } from "@ablo/harness";
import { packAll, type Tarball } from "@ablo/packaging";
import { writeUserProject } from "./user-project";
import { startSuite, type PostgresSuite } from "./helpers";
import { npm, startNpmRegistry, type NpmRegistry } from "./npm-registry";

// What a user does once the packages are on a registry: `npm install @ablo/pulumi@<version>` by
// name, as with any provider. A real npm registry (verdaccio) runs on 127.0.0.1 with the tarballs
// of `npm run pack` published to it; a new project in the system's temporary folder names it for
// the @ablo scope (its .npmrc), installs by name and version, runs up, a no-change preview under the
// policy pack and destroy through the real engine against ablo-local and PostgreSQL; a second new
// folder installs the same from the lockfile with `npm ci`.
const CANARY = "RegistryCanary5Tq8Lw";
const NO_NODE_PATH = { NODE_PATH: undefined };
// The official CLI type-checks programs (scripts/pulumi only transpiles them).
const ENGINE_ENV = { ...NO_NODE_PATH, PULUMI_NODEJS_TRANSPILE_ONLY: "false" };

let work: string;
let registry: NpmRegistry;
let tarballs: Tarball[];
let version: string;
let project: string;
let suite: PostgresSuite;
let stack: ProgramStack;

/** Where `request` resolves from `folder`, as that folder's own Node sees it. */
async function resolvedFrom(folder: string, request: string): Promise<string> {
  const script = `process.stdout.write(require("fs").realpathSync(require.resolve(${JSON.stringify(request)}, { paths: [${JSON.stringify(folder)}] })))`;
  return (await promisify(execFile)(process.execPath, ["-e", script], { cwd: folder, env: { ...process.env, ...NO_NODE_PATH } })).stdout;
}
const sha512 = async (file: string) =>
  `sha512-${createHash("sha512")
    .update(await readFile(file))
    .digest("base64")}`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ablo-registry-"));
  project = join(work, "my-datasources");
  registry = await startNpmRegistry(join(work, "registry"));
  suite = await startSuite({
    org: "registry-org",
    api: { allowPrivateHosts: true, verification: true },
    postgres: [loginRole("app", CANARY), "CREATE DATABASE shop OWNER app"],
  });
}, 180_000);

afterAll(async () => {
  await suite?.dispose();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test("the tarballs of npm run pack publish to the registry, which then serves @ablo/pulumi and @ablo/policy-pack by name", async () => {
  ({ tarballs } = await packAll({ outDir: join(work, "dist-pack"), targets: ["sdk", "policy-pack"] }));
  version = tarballs[0]!.version;
  for (const t of tarballs) expect(await registry.publish(t.file)).toContain(`${t.name}@${t.version}`);
  for (const name of ["@ablo/pulumi", "@ablo/policy-pack"]) {
    expect((await npm(["view", `${name}@${version}`, "version", "--registry", registry.url], work)).trim()).toBe(version);
  }
}, 120_000);

test("a new project outside the repository installs them by name and version from the registry", async () => {
  expect(relative(REPO_ROOT, project).startsWith(`..${sep}`)).toBe(true);
  await mkdir(project);
  // The registry for the @ablo scope; everything else from npm's own registry, as configured.
  await writeFile(join(project, ".npmrc"), `@ablo:registry=${registry.url}\n`);
  await writeUserProject(project);

  const started = performance.now();
  await npm(
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "@pulumi/pulumi@3.270.0", `@ablo/pulumi@${version}`, `@ablo/policy-pack@${version}`],
    project,
    NO_NODE_PATH,
  );
  console.log(
    `npm install of @ablo/pulumi, @ablo/policy-pack (registry on loopback) and @pulumi/pulumi: ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const deps = (JSON.parse(await readFile(join(project, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies;
  expect(deps).toMatchObject({ "@ablo/pulumi": `^${version}`, "@ablo/policy-pack": `^${version}` });
  // The lockfile pins the very tarballs published (and, when npm records where from, the registry).
  const lock = JSON.parse(await readFile(join(project, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version: string; integrity?: string; resolved?: string }>;
  };
  for (const t of tarballs) {
    const entry = lock.packages[`node_modules/${t.name}`]!;
    expect(entry).toMatchObject({ version, integrity: await sha512(t.file) });
    if (entry.resolved !== undefined) expect(entry.resolved.startsWith(registry.url)).toBe(true);
  }
  for (const request of ["@ablo/pulumi", "@ablo/pulumi/dynamic-provider", "@ablo/policy-pack"]) {
    expect((await resolvedFrom(project, request)).startsWith(join(await realpath(project), "node_modules") + sep)).toBe(true);
  }
}, 300_000);

test("up through the installed packages, a no-change preview under the installed policy pack, and the secret stays out", async () => {
  stack = await suite.stack(project, { databaseUrl: secret(suite.pg.url("app", CANARY, "shop")) }, { env: ENGINE_ENV });
  const up = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/\+ 3 created/);
  const out = await stack.outputs<{ id: string; status: string }>();
  expect(out.status).toBe("active");
  expect(await suite.server.ids()).toEqual([out.id]);
  expect((await stack.exportState()).text).not.toContain(CANARY);

  // The database is on 127.0.0.1: the pack's mandatory public-host policy admits loopback only
  // when told to (its allowLoopback setting), as for a local demo.
  const policyConfig = join(work, "policy-config.json");
  await writeFile(policyConfig, JSON.stringify({ "ablo-datasource-public-host": { allowLoopback: true } }));
  const pack = join(project, "node_modules", "@ablo", "policy-pack");
  const preview = await stack.ok(["preview", "--expect-no-changes", "--policy-pack", pack, "--policy-pack-config", policyConfig]);
  // The pack ran (its advisory sslmode policy speaks up); nothing mandatory failed, nothing changes.
  expect(preview.stdout).toContain(`ablo-datasources@v${version} (local: ${pack})`);
  expect(preview.stdout).toMatch(/\[advisory\]\s+ablo-datasource-sslmode/);
  expect(preview.stdout).not.toMatch(/\[mandatory\]/);
  expect(preview.stdout).toMatch(/Resources:\s+3 unchanged/);
}, 300_000);

test("npm ci from the lockfile installs the same packages in a second new folder", async () => {
  const second = join(work, "second-checkout");
  await mkdir(second);
  for (const f of ["package.json", "package-lock.json", ".npmrc"]) await copyFile(join(project, f), join(second, f));
  await npm(["ci", "--no-audit", "--no-fund", "--prefer-offline"], second, NO_NODE_PATH);
  for (const t of tarballs) {
    const manifest = JSON.parse(await readFile(join(second, "node_modules", t.name, "package.json"), "utf8")) as { version: string };
    expect(manifest.version).toBe(version);
  }
  expect((await resolvedFrom(second, "@ablo/pulumi/dynamic-provider")).startsWith(join(await realpath(second), "node_modules") + sep)).toBe(true);
}, 300_000);

test("destroy removes the datasource, and the canary is nowhere: engine output, state, the registry's storage and log, the project folders", async () => {
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
  expect(suite.transcript.join("\n")).not.toContain(CANARY);
  // The registry served every @ablo package the projects installed, and only those.
  const log = await readFile(registry.logFile, "utf8");
  expect(log).toMatch(/GET \/@ablo\/pulumi\/-\/pulumi-\d+\.\d+\.\d+\.tgz/);
  expect(log).not.toContain(registry.publisherToken);
  for (const dir of [suite.ws.dir, registry.dir, project, join(work, "second-checkout")]) expect(await filesContaining(dir, CANARY)).toEqual([]);
}, 300_000);
