import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { AbloClient } from "@ablo/client";
import { REPO_ROOT, secret, loginRole } from "@ablo/harness";
import { startSuite, type PostgresSuite } from "./helpers";

// Every example is a real Pulumi project: run here through the engine against ablo-local and
// PostgreSQL on 127.0.0.1, the way the README tells users to run them.
const run = promisify(execFile);
const example = (name: string) => join(REPO_ROOT, "examples", name);
const PW = "ExampleCanary88";

let suite: PostgresSuite;
let client: AbloClient;

/** The example's stack in the workspace; no run may print the password. */
const exampleStack = (name: string, databaseUrl: string) =>
  suite.stack(example(name), { databaseUrl: secret(databaseUrl) }, { onResult: (r) => expect(r.stdout + r.stderr).not.toContain(PW) });

beforeAll(async () => {
  suite = await startSuite({
    org: "examples-org",
    api: { allowPrivateHosts: true, verification: true },
    postgres: [loginRole("app", PW), loginRole("app_next", `${PW}2`), "CREATE DATABASE shop OWNER app", "GRANT CONNECT ON DATABASE shop TO app_next"],
  });
  client = new AbloClient({ apiKey: suite.key, baseUrl: suite.api.baseUrl });
}, 120_000);
afterAll(async () => {
  client?.close();
  await suite?.dispose();
});

test("examples/quickstart: up, outputs, destroy", async () => {
  const stack = await exampleStack("quickstart", suite.pg.url("app", PW, "shop"));
  await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(await stack.outputs()).toMatchObject({ status: "active", host: "127.0.0.1", database: "shop" });
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
});

test("examples/rotate: a new role for the same database keeps the id", async () => {
  const stack = await exampleStack("rotate", suite.pg.url("app", PW, "shop"));
  await stack.ok(["up", "--yes", "--skip-preview"]);
  const before = await stack.outputs();
  await stack.setConfig({ databaseUrl: secret(suite.pg.url("app_next", `${PW}2`, "shop")) });
  const up = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/~ 1 updated/);
  const after = await stack.outputs();
  expect(after).toMatchObject({ id: before.id, status: "active", displayName: expect.stringContaining("app_next@") });
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
});

test("examples/adopt: an existing datasource comes under management without replacement", async () => {
  // Registered outside Pulumi (another team, a script, the console…).
  const existing = await client.datasources.create({ connectionString: suite.pg.url("app", PW, "shop"), metadata: { owner: "legacy-script" } });
  const stack = await exampleStack("adopt", suite.pg.url("app", PW, "shop"));
  await stack.setConfig({ datasourceId: existing.id });
  const up = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).not.toMatch(/replaced/);
  const out = await stack.outputs();
  expect(out).toMatchObject({ id: existing.id, status: "active", observedStatus: "active" });
  expect(await suite.server.ids()).toEqual([existing.id]);
  const adopted = await client.datasources.retrieve(existing.id);
  // The program's metadata, old keys removed, and the provider's owner mark.
  expect(adopted.metadata).toEqual({ adoptedBy: "pulumi", pulumi_owner: expect.stringMatching(/^creating:[\w-]{32}$/) });
  await stack.ok(["preview", "--expect-no-changes"]);
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
});

test("examples/gitops: its CI workflow passes actionlint", async () => {
  const { stdout: actionlint } = await run("bash", [join(REPO_ROOT, "scripts", "setup-actionlint.sh")]);
  const workflow = join(example("gitops"), ".github", "workflows", "datasources.yml");
  const { stdout, stderr } = await run(actionlint.trim(), [workflow]);
  expect(stdout + stderr).toBe("");
  const text = (await import("node:fs")).readFileSync(workflow, "utf8");
  expect(text).toMatch(/command: preview[\s\S]*policyPacks: policy-pack/);
  expect(text).toMatch(/command: up[\s\S]*policyPacks: policy-pack/);
}, 300_000);

test("npm start's main job registers, verifies and cleans up", async () => {
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, "harness", "dist", "main-job.js")], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...suite.ws.env, ABLO_STACK: "" },
    timeout: 180_000,
  });
  expect(stdout).toMatch(/status\s+active/);
  expect(stdout).toMatch(/database\s+shop/);
  expect(stdout).toMatch(/the API now lists 0 datasources/);
}, 200_000);
