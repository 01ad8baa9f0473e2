import { execFile } from "node:child_process";
import { copyFile, link, mkdir, mkdtemp, readFile, readlink, realpath, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { createStack, pulumiWorkspace, REPO_ROOT, secret, type PulumiWorkspace } from "@ablo/harness";
import { ProgramDirs } from "../e2e/programs";

// With an official Pulumi CLI on PATH (and no engine of ours built yet), the set-up uses it, and
// the dynamic-provider launcher it ships beside `pulumi`: the engine looks for its bundled plugins
// beside its own executable and warns at every run ("using pulumi-resource-pulumi-nodejs from
// $PATH") when the one found first on PATH is another file. No official CLI is downloaded here: its
// layout is made in a temporary folder from the engine this repository builds (the same version):
// `pulumi` and its language hosts as files of their own, and a `pulumi-resource-pulumi-nodejs`
// that records each start before it starts @pulumi/pulumi's dynamic-provider host.
const SETUP_ENGINE = join(REPO_ROOT, "scripts", "setup-engine.sh");
const LAUNCHER = "pulumi-resource-pulumi-nodejs";
const run = promisify(execFile);

let work: string;
let engineBin: string;
const dirs = new ProgramDirs();

/** A file of its own at `to` with `from`'s bytes: a hard link where the file system allows, else a copy. */
async function place(from: string, to: string): Promise<void> {
  const real = await realpath(from);
  await link(real, to).catch(() => copyFile(real, to));
}

/** The official layout: `pulumi`, its language hosts, and, unless `withLauncher` is false, its dynamic-provider launcher. */
async function officialLayout(name: string, withLauncher: boolean): Promise<{ dir: string; starts: string }> {
  const dir = join(work, name, "bin");
  await mkdir(dir, { recursive: true });
  for (const f of ["pulumi", "pulumi-language-nodejs", "pulumi-language-yaml", "pulumi-language-python"]) await place(join(engineBin, f), join(dir, f));
  const starts = join(work, name, "launcher-starts");
  if (withLauncher) {
    await writeFile(
      join(dir, LAUNCHER),
      `#!/bin/sh\necho started >> ${JSON.stringify(starts)}\n` +
        `exec node -e "require(require.resolve('@pulumi/pulumi/cmd/dynamic-provider', { paths: [process.cwd()] }))" "$0" "$@"\n`,
      { mode: 0o755 },
    );
  }
  return { dir, starts };
}

/** setup-engine.sh with `dir` first on PATH and an empty cache of its own (so no engine of ours is found built). */
async function setUp(dir: string, cache: string): Promise<string> {
  const env = { ...process.env, PATH: [dir, ...(process.env.PATH ?? "").split(delimiter)].join(delimiter), ABLO_CACHE_DIR: cache };
  const { stdout } = await run("bash", [SETUP_ENGINE], { env });
  return stdout.trim();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ablo-path-pulumi-"));
  engineBin = (await run("bash", [SETUP_ENGINE])).stdout.trim();
}, 900_000);

afterAll(async () => {
  await dirs.dispose();
  if (work) await rm(work, { recursive: true, force: true });
});

test("the set-up links the launcher shipped beside a PATH pulumi, and an engine run starts it without a warning", async () => {
  const official = await officialLayout("official", true);
  const cache = join(work, "cache");
  const shim = await setUp(official.dir, cache);
  expect(shim.startsWith(cache)).toBe(true);
  expect(await readlink(join(shim, LAUNCHER))).toBe(join(official.dir, LAUNCHER));
  expect(await realpath(join(shim, "pulumi"))).toBe(join(official.dir, "pulumi"));

  // A preview of a dynamic Datasource through scripts/pulumi (no API key: a warning, and the preview
  // goes on): the engine starts the dynamic provider, from the official launcher, and says nothing of PATH.
  // In the repository's .tmp/, where the program resolves @ablo/pulumi and @pulumi/pulumi.
  const program = await dirs.make("path-pulumi-", {
    "Pulumi.yaml": "name: path-pulumi\nruntime: nodejs\n",
    "index.ts": await readFile(join(REPO_ROOT, "test", "fixtures", "datasource-program", "index.ts"), "utf8"),
  });
  const ws: PulumiWorkspace = await pulumiWorkspace({
    ABLO_CACHE_DIR: cache,
    PATH: [official.dir, ...(process.env.PATH ?? "").split(delimiter)].join(delimiter),
  });
  try {
    const stack = await createStack({ workspace: ws, program, config: { databaseUrl: secret("postgres://app:PathPulumiPw1@db.example.com:5432/shop") } });
    const preview = await stack.ok(["preview"]);
    expect(preview.stdout).toMatch(/\+\s+pulumi-nodejs:dynamic\/ablo:Datasource\s+main\s+create/);
    expect(preview.stdout + preview.stderr).not.toMatch(/from \$PATH/);
    expect((await readFile(official.starts, "utf8")).trim().split("\n").length).toBeGreaterThanOrEqual(1);
  } finally {
    await ws.dispose();
  }
}, 300_000);

test("a PATH pulumi without its own launcher gets ours, written as a file of the shim's, never through a link", async () => {
  const cache = join(work, "cache-2");
  // First a CLI that ships one: the shim's launcher is a link to it.
  const withOwn = await officialLayout("with-own", true);
  const shim = await setUp(withOwn.dir, cache);
  expect(await readlink(join(shim, LAUNCHER))).toBe(join(withOwn.dir, LAUNCHER));
  const shipped = await readFile(join(withOwn.dir, LAUNCHER), "utf8");

  // Then, in the same cache, one of the same version without: ours replaces the link, and the
  // other CLI's launcher is left as it was.
  const without = await officialLayout("without", false);
  const shim2 = await setUp(without.dir, cache);
  expect(shim2).toBe(shim);
  expect((await stat(join(shim, LAUNCHER))).isFile()).toBe(true);
  await expect(readlink(join(shim, LAUNCHER))).rejects.toThrow(/EINVAL/);
  expect(await readFile(join(shim, LAUNCHER), "utf8")).toContain("@pulumi/pulumi/cmd/dynamic-provider");
  expect(await readFile(join(withOwn.dir, LAUNCHER), "utf8")).toBe(shipped);
}, 300_000);
