import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AbloClient } from "@ablo/client";
import { filesContaining, loginRole, REPO_ROOT, secret, type ProgramStack } from "@ablo/harness";
import { expectPluginStateSealed, startSuite, type PostgresSuite } from "./helpers";
import { ProgramDirs } from "./programs";

// A Python program (examples/python, `runtime: python`) through the real engine: our Python language
// host (scripts/engine/pythonhost), the SDK generated from the plugin's schema (sdk/python, installed
// by `pulumi install` into the example's virtualenv with `pulumi` from PyPI) and the provider plugin.
// Beside it, the same Datasource from TypeScript (the generated @ablo/pulumi/plugin), timed in the
// same run; `pulumi import` printing Python; the TypeScript policy pack; a canary sweep that covers
// the virtualenv.
const PW = "PythonCanary55";
const PY_EXAMPLE = join(REPO_ROOT, "examples", "python");
const VENV = join(PY_EXAMPLE, "venv");

let suite: PostgresSuite;
let client: AbloClient; // creates the datasource to import, as another tool would
let py: ProgramStack;
const url = (user: string, db: string) => suite.pg.url(user, user === "app" ? PW : `${PW}2`, db);
const ids = () => suite.server.ids();
type Outputs = Record<string, string>;
const programs = new ProgramDirs();
let installSeconds = 0;

const seconds = async (run: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await run();
  return Math.round(performance.now() - start) / 1000;
};

/** The interpreter the language host will use (PULUMI_PYTHON_CMD or python3), or why it cannot. */
function checkPython(): void {
  const cmd = process.env.PULUMI_PYTHON_CMD ?? "python3";
  let version: string;
  try {
    version = execFileSync(cmd, ["-c", "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" }).trim();
  } catch (err) {
    throw new Error(`${cmd} with venv and ensurepip is needed for the Python program (Debian: python3-venv)`, { cause: err });
  }
  const [major, minor] = version.split(".").map(Number);
  if (major !== 3 || minor! < 10) throw new Error(`${cmd} is Python ${version}; the pulumi SDK needs 3.10 or newer`);
}

beforeAll(async () => {
  checkPython();
  suite = await startSuite({
    org: "python-e2e",
    api: { allowPrivateHosts: true, verification: true },
    postgres: [
      loginRole("app", PW),
      loginRole("app_next", `${PW}2`),
      "CREATE DATABASE orders OWNER app",
      "CREATE DATABASE orders_ts OWNER app",
      "GRANT CONNECT ON DATABASE orders TO app_next",
    ],
  });
  client = new AbloClient({ apiKey: suite.key, baseUrl: suite.api.baseUrl });
  py = await suite.stack(PY_EXAMPLE, { ordersUrl: secret(url("app", "orders")) });
  // The virtualenv and its packages, the way a Python user gets them: `pulumi install` (our host's
  // InstallDependencies, Pulumi's pip toolchain): venv/ from requirements.txt, pulumi from PyPI.
  let install = "";
  installSeconds = await seconds(async () => {
    const r = await py.ok(["install"]);
    install = r.stdout + r.stderr;
  });
  expect(install).toMatch(/Successfully installed|Requirement already satisfied/);
}, 600_000);
afterAll(async () => {
  client?.close();
  await suite?.dispose();
  await programs.dispose();
});

test("examples/python: create, no-change preview, rotate in place, destroy; timed beside the same program in TypeScript", async () => {
  const tsDir = await programs.make("ablo-ts-twin-", {
    "Pulumi.yaml": "name: ablo-ts-twin\nruntime: nodejs\n",
    "index.ts": [
      'import * as pulumi from "@pulumi/pulumi";',
      'import * as ablo from "@ablo/pulumi/plugin";',
      "const config = new pulumi.Config();",
      'const orders = new ablo.Datasource("orders", { connectionString: config.requireSecret("ordersUrl"), metadata: { team: "orders", managedBy: "pulumi-typescript" } });',
      "export const ordersId = orders.id;",
      "export const ordersStatus = orders.status;",
      "",
    ].join("\n"),
  });
  const ts = await suite.stack(tsDir, { ordersUrl: secret(url("app", "orders_ts")) });

  // Created through the engine: the program's SDK names the plugin and its version (pulumi-plugin.json).
  const times: Record<string, number[]> = { "py up": [], "ts up": [], "py preview": [], "ts preview": [] };
  let up = "";
  times["py up"]!.push(await seconds(async () => (up = (await py.ok(["up", "--yes", "--skip-preview"])).stdout)));
  expect(up).toMatch(/ablo:index:Datasource/);
  expect(up).toMatch(/\+ 2 created/); // the stack and the Datasource
  const first = await py.outputs<Outputs>();
  expect(first).toMatchObject({ ordersStatus: "active", ordersDisplayName: expect.stringMatching(/^app@127\.0\.0\.1:\d+\/orders$/) });
  times["ts up"]!.push(await seconds(() => ts.ok(["up", "--yes", "--skip-preview"])));
  const tsOut = await ts.outputs<Outputs>();
  expect(tsOut.ordersStatus).toBe("active");
  expect((await ids()).sort()).toEqual([first.ordersId, tsOut.ordersId].sort());

  // No-change previews, alternating languages so that neither has the warmer machine.
  for (let round = 0; round < 3; round++) {
    times["py preview"]!.push(await seconds(() => py.ok(["preview", "--expect-no-changes"])));
    times["ts preview"]!.push(await seconds(() => ts.ok(["preview", "--expect-no-changes"])));
  }

  // New credentials for the same database: rotated in place, same id, verified again.
  await py.setConfig({ ordersUrl: secret(url("app_next", "orders")) });
  // A plain preview names the secret property that changes, never its value.
  const rotation = await py.ok(["preview"]);
  expect(rotation.stdout).toMatch(/~ +ablo:index:Datasource +orders +update +\[diff: ~connectionString\]/);
  const rotate = await py.ok(["up", "--yes", "--skip-preview"]);
  expect(rotate.stdout).toMatch(/~ 1 updated/);
  expect(rotate.stdout).not.toMatch(/replaced/);
  const rotated = await py.outputs<Outputs>();
  expect(rotated).toMatchObject({ ordersId: first.ordersId, ordersStatus: "active", ordersDisplayName: expect.stringMatching(/^app_next@/) });
  await py.ok(["preview", "--expect-no-changes"]);

  // State: the connection string and the fingerprint encrypted; the provider's key too.
  expectPluginStateSealed(await py.exportState());

  await py.ok(["destroy", "--yes", "--skip-preview"]);
  await ts.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await ids()).toEqual([]);

  const summary = Object.entries(times).map(([what, t]) => `${what}: ${t.map((s) => s.toFixed(2)).join(" / ")} s`);
  console.log(
    `Python vs TypeScript, same run (up: create 1 Datasource, verified; preview: no changes)\n${summary.join("\n")}\n` +
      `pulumi install (venv and pip, before): ${installSeconds.toFixed(1)} s`,
  );
});

test("pulumi import in a Python project prints Python; the program takes the datasource over in place", async () => {
  const existing = await client.datasources.create({ connectionString: url("app", "orders"), metadata: { owner: "py-script" } });
  try {
    // A second Python project on the example's virtualenv (an absolute path), so nothing is installed again.
    const dir = await programs.make("ablo-import-py-", {
      "Pulumi.yaml": `name: ablo-import-py\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: ${VENV}\n`,
      "__main__.py": "",
    });
    const cwd = await suite.stack(dir, { legacyUrl: secret(url("app_next", "orders")) });
    const imported = await cwd.ok(["import", "ablo:index:Datasource", "legacy", existing.id, "--yes", "--protect=false"]);
    expect(imported.stdout).toMatch(/= 1 imported/);
    // Pulumi's Python generator, from the plugin's schema: snake_case arguments, the connection
    // string empty for the user to fill in (Ablo never returns it).
    expect(imported.stdout).toMatch(/import pulumi_ablo as ablo/);
    expect(imported.stdout).toMatch(/legacy = ablo\.Datasource\("legacy",/);
    expect(imported.stdout).toMatch(/connection_string=""/);
    expect(imported.stdout).toMatch(/"owner": "py-script"/);
    await writeFile(
      join(dir, "__main__.py"),
      [
        "import pulumi",
        "import pulumi_ablo as ablo",
        "config = pulumi.Config()",
        'legacy = ablo.Datasource("legacy", connection_string=config.require_secret("legacyUrl"), metadata={"owner": "py-script"})',
        'pulumi.export("id", legacy.id)',
        'pulumi.export("displayName", legacy.display_name)',
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
    await client.datasources.del(existing.id).catch(() => undefined); // a failed run leaves nothing for the next test
  }
});

test("the TypeScript policy pack stops the Python program's private host at preview", async () => {
  await py.setConfig({ ordersUrl: secret(url("app", "orders")) });
  const preview = await py.run(["preview", "--policy-pack", join(REPO_ROOT, "policy-pack")]);
  expect(preview.code).not.toBe(0);
  expect(preview.stdout + preview.stderr).toMatch(/ablo-datasource-public-host/);
  expect(preview.stdout + preview.stderr).toMatch(/mandatory/);
  expect(await ids()).toEqual([]);
});

test("canary: the password and the API key appear in no engine output, state, plugin cache, virtualenv or server log", async () => {
  expect(suite.transcript.length).toBeGreaterThan(20);
  for (const text of [...suite.transcript, suite.api.logs()]) {
    expect(text).not.toContain(PW);
    expect(text).not.toContain(suite.key);
  }
  // The workspace holds the state and PULUMI_HOME (plugins, logs); the example folder holds the
  // virtualenv and any bytecode Python wrote.
  for (const dir of [suite.ws.dir, PY_EXAMPLE, join(REPO_ROOT, "sdk", "python")]) {
    expect(await filesContaining(dir, PW)).toEqual([]);
    expect(await filesContaining(dir, suite.key)).toEqual([]);
  }
});
