import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { filesContaining, REPO_ROOT, secret, type ProgramStack, loginRole } from "@ablo/harness";
import { PACK_TARGETS } from "@ablo/packaging";
import { writeUserProject } from "./user-project";
import { startSuite, type PostgresSuite } from "./helpers";

// What a user does with `npm run pack`: installs the tarballs with npm into a new project outside
// this repository, type-checks a program using Datasource, and runs it through the real engine
// against ablo-local and PostgreSQL on 127.0.0.1. Nothing may come from the repository's own
// node_modules: the project lives in the system's temporary folder and NODE_PATH is cleared.
const CANARY = "PackCanary4e1dPw";
const NO_NODE_PATH = { NODE_PATH: undefined };
// scripts/pulumi only transpiles programs; the official CLI type-checks them by default (ts-node).
const ENGINE_ENV = { ...NO_NODE_PATH, PULUMI_NODEJS_TRANSPILE_ONLY: "false" };

let work: string;
let project: string;
let tarballs: string[];
let suite: PostgresSuite;
let stack: ProgramStack;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}
function run(command: string, args: string[], cwd: string): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve) =>
    execFile(command, args, { cwd, env: { ...process.env, ...NO_NODE_PATH }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    ),
  );
}
async function must(command: string, args: string[], cwd: string): Promise<Ran> {
  const r = await run(command, args, cwd);
  if (r.code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}
/** Where `request` resolves from `from` in the project, as the project's own Node sees it. */
async function resolved(request: string, from = project): Promise<string> {
  const script = `console.log(require("fs").realpathSync(require.resolve(${JSON.stringify(request)}, { paths: [${JSON.stringify(from)}] })))`;
  return (await must(process.execPath, ["-e", script], project)).stdout.trim();
}
const ids = () => suite.server.ids();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ablo-packaging-"));
  project = join(work, "my-datasources");
  suite = await startSuite({
    org: "packaging-org",
    api: { allowPrivateHosts: true, verification: true },
    postgres: [loginRole("app", CANARY), "CREATE DATABASE shop OWNER app"],
  });
}, 120_000);

afterAll(async () => {
  await suite?.dispose();
  if (work) await rm(work, { recursive: true, force: true });
});

test("npm run pack builds and writes one tarball per user-facing package", async () => {
  const out = join(work, "tarballs");
  const r = await must("npm", ["run", "--silent", "pack", "--", "--out", out], REPO_ROOT);
  tarballs = (await readdir(out)).filter((f) => f.endsWith(".tgz")).map((f) => join(out, f));
  expect(tarballs).toHaveLength(PACK_TARGETS.length);
  for (const t of tarballs) expect(r.stdout).toContain(t);
  expect(r.stdout).toMatch(/ablo-pulumi-\d+\.\d+\.\d+\.tgz\n\s+@ablo\/pulumi@.*carries @ablo\/api, @ablo\/client, @ablo\/connection, @ablo\/provider/);
  // Beside them, the Python SDK's wheel and sdist (test/e2e/python-registry.test.ts installs them by name).
  const python = (await readdir(out)).filter((f) => f.startsWith("pulumi_ablo-")).sort();
  expect(python).toEqual([
    expect.stringMatching(/^pulumi_ablo-\d+\.\d+\.\d+-py3-none-any\.whl$/),
    expect.stringMatching(/^pulumi_ablo-\d+\.\d+\.\d+\.tar\.gz$/),
  ]);
  for (const f of python) expect(r.stdout).toContain(`${join(out, f)}\n  pulumi_ablo `);
  expect(r.stdout).toMatch(/Requires-Python >=3\.10/);
  console.log(`npm run pack: ${r.seconds.toFixed(1)} s\n${r.stdout}`);
}, 300_000);

test("the tarballs install into a new project outside the repository, which resolves @ablo/* from them", async () => {
  expect(relative(REPO_ROOT, project).startsWith(`..${sep}`)).toBe(true);
  await mkdir(project);
  await writeUserProject(project, { "@pulumi/pulumi": "3.270.0" });

  // As the README says: npm install <tarballs>, which names them from their own package.json.
  const install = await must("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...tarballs], project);
  console.log(`npm install of the tarballs and @pulumi/pulumi into a new project: ${install.seconds.toFixed(1)} s`);
  const deps = (JSON.parse(await readFile(join(project, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies;
  expect(deps).toMatchObject({ "@ablo/pulumi": expect.stringMatching(/^file:.*ablo-pulumi-.*\.tgz$/) });

  const inProject = (p: string) => expect(p.startsWith(`${project}${sep}node_modules${sep}`)).toBe(true);
  const sdk = await resolved("@ablo/pulumi");
  inProject(sdk);
  // What the dynamic-provider host requires from the program's folder (SERIALIZED_PROVIDER)...
  inProject(await resolved("@ablo/pulumi/dynamic-provider"));
  // ...and what that loads: the workspace packages bundled inside @ablo/pulumi, not copies elsewhere.
  const bundle = join(project, "node_modules", "@ablo", "pulumi", "node_modules", "@ablo");
  for (const inner of ["provider", "client", "api", "connection"]) {
    expect(await resolved(`@ablo/${inner}`, sdk)).toBe(await realpath(join(bundle, inner, "dist", "index.js")));
  }
  // The look-up's module, which getDatasource loads at its first call: the bundled provider's own subpath.
  expect(await resolved("@ablo/provider/look-up", sdk)).toBe(await realpath(join(bundle, "provider", "dist", "look-up.js")));
  inProject(await resolved("@ablo/policy-pack"));
  // The program type-checks against the installed declarations, with the project's TypeScript.
  await must(process.execPath, [join(project, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", project], project);
}, 300_000);

test("up registers the datasource through the installed packages, and the secret stays out", async () => {
  stack = await suite.stack(project, { databaseUrl: secret(suite.pg.url("app", CANARY, "shop")) }, { env: ENGINE_ENV });
  const up = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/\+ 3 created/);
  const out = await stack.outputs<{ id: string; status: string }>();
  expect(out.status).toBe("active");
  expect(await ids()).toEqual([out.id]);
  expect((await suite.server.datasources()).find((d) => d.id === out.id)?.metadata).toMatchObject({ team: "platform" });

  const exported = await stack.exportState();
  expect(exported.text).not.toContain(CANARY);
  const ds = exported.resources.find((r) => r.type === "pulumi-nodejs:dynamic/ablo:Datasource")!;
  expect(ds.outputs?.__provider).toContain('require("@ablo/pulumi/dynamic-provider")');
}, 300_000);

test("the policy pack tarball runs as a policy pack from node_modules", async () => {
  const r = await stack.run(["preview", "--policy-pack", join(project, "node_modules", "@ablo", "policy-pack")]);
  expect(r.code).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(/\[mandatory\]\s+ablo-datasource-public-host\s+\(pulumi-nodejs:dynamic\/ablo:Datasource: orders\)/);
}, 300_000);

test("the plugin's tarball serves a Pulumi YAML project through plugins.providers, nothing else installed", async () => {
  // Installed above with the other tarballs; its bin folder is all the project names.
  const bin = join(project, "node_modules", ".bin");
  const yaml = join(work, "yaml-datasources");
  await mkdir(yaml);
  await writeFile(
    join(yaml, "Pulumi.yaml"),
    `name: yaml-datasources\nruntime: yaml\nplugins:\n  providers:\n    - name: ablo\n      path: ${bin}\n` +
      "config:\n  databaseUrl:\n    type: string\n    secret: true\n" +
      "resources:\n  orders:\n    type: ablo:Datasource\n    properties:\n      connectionString: ${databaseUrl}\n" +
      // The look-up through the bundled plugin's Invoke, too.
      "variables:\n  found:\n    fn::invoke:\n      function: ablo:getDatasource\n      arguments:\n        id: ${orders.id}\n" +
      "outputs:\n  id: ${orders.id}\n  status: ${orders.status}\n  foundDatabase: ${found.database}\n",
  );
  // A plugin cache of its own, which scripts/pulumi leaves empty (ABLO_PLUGIN=none): only the
  // project's plugins.providers entry can serve ablo:Datasource.
  const env = { ...ENGINE_ENV, ABLO_PLUGIN: "none", PULUMI_HOME: join(work, "yaml-home") };
  const y = await suite.stack(yaml, { databaseUrl: secret(suite.pg.url("app", CANARY, "shop")) }, { env });
  await y.ok(["up", "--yes", "--skip-preview"]);
  const out = await y.outputs<{ id: string; status: string; foundDatabase: string }>();
  expect(out.status).toBe("active");
  expect(out.foundDatabase).toBe("shop");
  expect(await ids()).toContain(out.id);
  await y.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await ids()).not.toContain(out.id);
}, 300_000);

test("destroy removes the datasource, and the canary is nowhere", async () => {
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await ids()).toEqual([]);
  expect(suite.transcript.join("\n")).not.toContain(CANARY);
  expect(await filesContaining(suite.ws.dir, CANARY)).toEqual([]);
}, 300_000);
