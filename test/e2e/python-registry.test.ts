import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { filesContaining, isAbloDatasource, loginRole, REPO_ROOT, secret, type ProgramStack } from "@ablo/harness";
import { packAll, PYTHON_PACKAGE, type PythonDist } from "@ablo/packaging";
import { startSuite, type PostgresSuite } from "./helpers";
import { startPythonIndex, run, type PythonIndex } from "./python-index";

// What a Python user does once pulumi_ablo is on the team's package index: `pip install
// pulumi_ablo==<version>` by name, as with any Pulumi provider's SDK. A PyPI-compatible index
// (pypiserver) runs on 127.0.0.1 with the wheel and sdist of `npm run pack` uploaded by twine; a new
// project in the system's temporary folder names that index in its requirements.txt and `pulumi
// install` makes its virtualenv from an empty pip cache (timed); the program then goes through up, a
// no-change preview and destroy through the real engine against ablo-local and PostgreSQL.
//
// Why one `--index-url` (the team's index, which sends the names it does not hold on to PyPI) and
// not `--extra-index-url`: pip treats extra indexes as equals and takes the best version wherever it
// is, so anyone's `pulumi_ablo` on PyPI could be installed instead (dependency confusion). With the
// team's index first and alone, our name is answered by it and never looked up on PyPI; `pulumi`
// and its dependencies still come from PyPI. Artifactory, Nexus, devpi and pypiserver all serve so.
const CANARY = "PyIndexCanary7Kd2Rw";
const PULUMI_PY = "3.272.0";

let work: string;
let index: PythonIndex;
let dists: PythonDist[];
let version: string;
let project: string;
let suite: PostgresSuite;
let stack: ProgramStack;
const venvPython = () => join(project, "venv", "bin", "python");
const seconds = (since: number) => Math.round(performance.now() - since) / 1000;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ablo-python-registry-"));
  project = join(work, "my-datasources-py");
  index = await startPythonIndex(join(work, "index"));
  suite = await startSuite({
    org: "python-registry-org",
    api: { allowPrivateHosts: true, verification: true },
    postgres: [loginRole("app", CANARY), "CREATE DATABASE shop OWNER app"],
  });
}, 300_000);

afterAll(async () => {
  await suite?.dispose();
  await index?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test("npm run pack's wheel and sdist carry the packages' version, Requires-Python >= 3.10 and the README; twine publishes them to the index", async () => {
  const plugin = JSON.parse(await readFile(join(REPO_ROOT, "plugin", "package.json"), "utf8")) as { version: string };
  ({ pythonDists: dists } = await packAll({ outDir: join(work, "dist-pack"), targets: [], python: true }));
  version = dists[0]!.version;
  expect(version).toBe(plugin.version); // 0.1.0: no pre-release part for PEP 440 to rewrite
  expect(dists.map((d) => relative(join(work, "dist-pack"), d.file)).sort()).toEqual(
    [`${PYTHON_PACKAGE}-${version}-py3-none-any.whl`, `${PYTHON_PACKAGE}-${version}.tar.gz`].sort(),
  );
  for (const d of dists)
    expect(d).toMatchObject({ name: PYTHON_PACKAGE, requiresPython: ">=3.10", summary: "Registers PostgreSQL databases with Ablo as datasources." });

  const uploaded = await index.publish(dists.map((d) => d.file));
  for (const d of dists) expect(uploaded).toContain(relative(join(work, "dist-pack"), d.file));
  // The index lists both files under the name's normalized form (PEP 503), as pip asks for it.
  const page = await (await fetch(`${index.simpleUrl}pulumi-ablo/`)).text();
  for (const d of dists) expect(page).toContain(relative(join(work, "dist-pack"), d.file));
}, 300_000);

test("a new Python project outside the repository installs pulumi_ablo by name and version from the index, from an empty pip cache", async () => {
  expect(relative(REPO_ROOT, project).startsWith(`..${sep}`)).toBe(true);
  await mkdir(project);
  await writeFile(join(project, "Pulumi.yaml"), "name: my-datasources-py\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n");
  // As the README says: the team's index in requirements.txt, so that every `pulumi install` (CI too) uses it.
  await writeFile(join(project, "requirements.txt"), `--index-url ${index.simpleUrl}\npulumi==${PULUMI_PY}\n${PYTHON_PACKAGE}==${version}\n`);
  await writeFile(
    join(project, "__main__.py"),
    [
      "import pulumi",
      "import pulumi_ablo as ablo",
      "",
      'orders = ablo.Datasource("orders", connection_string=pulumi.Config().require_secret("databaseUrl"), metadata={"team": "orders"})',
      'pulumi.export("id", orders.id)',
      'pulumi.export("status", orders.status)',
      "",
    ].join("\n"),
  );
  stack = await suite.stack(project, { databaseUrl: secret(suite.pg.url("app", CANARY, "shop")) });

  // A user's first install: nothing in pip's cache, no local wheel folder (this machine's
  // PIP_FIND_LINKS), no index from the environment: requirements.txt decides.
  const pipEnv = { PIP_CACHE_DIR: join(work, "pip-cache"), PIP_FIND_LINKS: undefined, PIP_INDEX_URL: undefined, PIP_EXTRA_INDEX_URL: undefined };
  const started = performance.now();
  const install = await stack.ok(["install"], { env: pipEnv });
  console.log(
    `pulumi install (a venv, pip's own upgrade, then pulumi==${PULUMI_PY} and ${PYTHON_PACKAGE}==${version} by name) from an empty pip cache: ${seconds(started).toFixed(1)} s`,
  );
  expect(install.stdout + install.stderr).toMatch(new RegExp(`Successfully installed .*${PYTHON_PACKAGE}-${version.replace(/\./g, "\\.")}`));

  // What pip installed: from the index (no direct_url.json, which records a path or URL install), into
  // the project's virtualenv, with the metadata a user and pip see.
  const script = [
    "import json, os, importlib.metadata as md, pulumi_ablo",
    `d = md.distribution("${PYTHON_PACKAGE}")`,
    'print(json.dumps({"version": d.version, "requiresPython": d.metadata["Requires-Python"], "summary": d.metadata["Summary"],',
    '  "contentType": d.metadata["Description-Content-Type"], "description": d.metadata.get_payload(), "file": os.path.realpath(pulumi_ablo.__file__),',
    '  "directUrl": d.read_text("direct_url.json"), "pulumi": md.version("pulumi")}))',
  ].join("\n");
  const meta = JSON.parse(await run(venvPython(), ["-c", script], project)) as Record<string, string | null>;
  expect(meta).toMatchObject({
    version,
    requiresPython: ">=3.10",
    summary: "Registers PostgreSQL databases with Ablo as datasources.",
    contentType: "text/markdown",
  });
  expect(meta).toMatchObject({ directUrl: null, pulumi: PULUMI_PY });
  expect(meta.description).toMatch(/^# pulumi_ablo\n/);
  expect(meta.description).toContain("import pulumi_ablo as ablo");
  expect(meta.file!.startsWith(join(project, "venv") + sep)).toBe(true);

  // The index served our wheel, and sent the names it does not hold (pulumi) on to PyPI.
  const log = await readFile(index.logFile, "utf8");
  expect(log).toContain(`"GET /packages/${PYTHON_PACKAGE}-${version}-py3-none-any.whl HTTP/1.1" 200`);
  expect(log).toContain('"GET /simple/pulumi/ HTTP/1.1" 303');

  // Requires-Python does its job: an interpreter older than pulumi's floor is refused at install, in words.
  const old = await run(
    venvPython(),
    [
      "-m",
      "pip",
      "download",
      "--no-deps",
      "--only-binary",
      ":all:",
      "--python-version",
      "3.9",
      "--index-url",
      index.simpleUrl,
      "--dest",
      join(work, "py39"),
      `${PYTHON_PACKAGE}==${version}`,
    ],
    project,
    pipEnv,
  ).then(
    () => "installed",
    (err: Error) => err.message,
  );
  expect(old).toMatch(/requires a different Python: 3\.9\.0 not in '>=3\.10'/);
}, 600_000);

test("up through the installed SDK, a no-change preview and destroy; the secret stays out of the state", async () => {
  const up = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/ablo:index:Datasource/);
  expect(up.stdout).toMatch(/\+ 2 created/); // the stack and the Datasource
  const out = await stack.outputs<{ id: string; status: string }>();
  expect(out.status).toBe("active");
  expect(await suite.server.ids()).toEqual([out.id]);

  const preview = await stack.ok(["preview", "--expect-no-changes"]);
  expect(preview.stdout).toMatch(/2 unchanged/);

  const exported = await stack.exportState();
  expect(exported.text).not.toContain(CANARY);
  const ds = exported.resources.find(isAbloDatasource);
  expect(ds?.inputs?.connectionString).toHaveProperty("ciphertext");
  // The installed SDK asked the engine for the plugin of its own version.
  expect(exported.resources.find((r) => r.type === "pulumi:providers:ablo")?.inputs?.version).toBe(version);

  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
}, 300_000);

test("canary: the password is in no engine output, state, virtualenv, pip cache or index; the publisher's password is not in the index's log", async () => {
  expect(suite.transcript.length).toBeGreaterThan(5);
  for (const text of [...suite.transcript, suite.api.logs()]) expect(text).not.toContain(CANARY);
  // work holds the project (its virtualenv and any bytecode Python wrote), pip's cache, the index.
  for (const dir of [suite.ws.dir, work]) expect(await filesContaining(dir, CANARY)).toEqual([]);
  expect(await readFile(index.logFile, "utf8")).not.toContain(index.publisherPassword);
  expect(suite.transcript.join("\n")).not.toContain(index.publisherPassword);
}, 120_000);
