import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { AbloClient } from "@ablo/client";
import { pulumiWorkspace, REPO_ROOT, startAbloLocal, startPostgres, type AbloLocal, type Postgres, type PulumiWorkspace } from "@ablo/harness";

// Every example is a real Pulumi project: run here through the engine against ablo-local and
// PostgreSQL on 127.0.0.1, the way the README tells users to run them.
const run = promisify(execFile);
const example = (name: string) => join(REPO_ROOT, "examples", name);
const PW = "ExampleCanary88";

let pg: Postgres;
let api: AbloLocal;
let key: string;
let ws: PulumiWorkspace;
let client: AbloClient;

async function ok(cwd: string, args: string[], stdin?: string) {
  const r = await ws.run(args, { cwd, ...(stdin !== undefined ? { stdin } : {}) });
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} in ${cwd} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  expect(r.stdout + r.stderr).not.toContain(PW);
  return r;
}
async function stack(cwd: string, databaseUrl: string) {
  await ok(cwd, ["stack", "select", "--create", ws.stack]);
  await ok(cwd, ["config", "set", "--secret", "ablo:apiKey"], key);
  await ok(cwd, ["config", "set", "ablo:baseUrl", api.baseUrl]);
  await ok(cwd, ["config", "set", "--secret", "databaseUrl"], databaseUrl);
}
const outputs = async (cwd: string) => JSON.parse((await ok(cwd, ["stack", "output", "--json"])).stdout) as Record<string, string>;
const ids = async () => (await client.datasources.list({ limit: 100 })).data.map((d) => d.id);

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql(`CREATE ROLE app LOGIN PASSWORD '${PW}' NOSUPERUSER NOBYPASSRLS`);
  await pg.sql(`CREATE ROLE app_next LOGIN PASSWORD '${PW}2' NOSUPERUSER NOBYPASSRLS`);
  await pg.sql("CREATE DATABASE shop OWNER app");
  await pg.sql("GRANT CONNECT ON DATABASE shop TO app_next");
  api = await startAbloLocal({ allowPrivateHosts: true, verification: true });
  key = await api.createKey("examples-org", "test");
  client = new AbloClient({ apiKey: key, baseUrl: api.baseUrl });
  ws = await pulumiWorkspace();
}, 120_000);
afterAll(async () => {
  client?.close();
  await ws?.dispose();
  await api?.stop();
  await pg?.stop();
});

test("examples/quickstart: up, outputs, destroy", async () => {
  const cwd = example("quickstart");
  await stack(cwd, pg.url("app", PW, "shop"));
  await ok(cwd, ["up", "--yes", "--skip-preview"]);
  expect(await outputs(cwd)).toMatchObject({ status: "active", host: "127.0.0.1", database: "shop" });
  await ok(cwd, ["destroy", "--yes", "--skip-preview"]);
  expect(await ids()).toEqual([]);
});

test("examples/rotate: a new role for the same database keeps the id", async () => {
  const cwd = example("rotate");
  await stack(cwd, pg.url("app", PW, "shop"));
  await ok(cwd, ["up", "--yes", "--skip-preview"]);
  const before = await outputs(cwd);
  await ok(cwd, ["config", "set", "--secret", "databaseUrl"], pg.url("app_next", `${PW}2`, "shop"));
  const up = await ok(cwd, ["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/~ 1 updated/);
  const after = await outputs(cwd);
  expect(after).toMatchObject({ id: before.id, status: "active", displayName: expect.stringContaining("app_next@") });
  await ok(cwd, ["destroy", "--yes", "--skip-preview"]);
  expect(await ids()).toEqual([]);
});

test("examples/adopt: an existing datasource comes under management without replacement", async () => {
  // Registered outside Pulumi (another team, a script, the console…).
  const existing = await client.datasources.create({ connectionString: pg.url("app", PW, "shop"), metadata: { owner: "legacy-script" } });
  const cwd = example("adopt");
  await stack(cwd, pg.url("app", PW, "shop"));
  await ok(cwd, ["config", "set", "datasourceId", existing.id]);
  const up = await ok(cwd, ["up", "--yes", "--skip-preview"]);
  expect(up.stdout).not.toMatch(/replaced/);
  const out = await outputs(cwd);
  expect(out).toMatchObject({ id: existing.id, status: "active", observedStatus: "active" });
  expect(await ids()).toEqual([existing.id]);
  const adopted = await client.datasources.retrieve(existing.id);
  // The program's metadata, old keys removed, and the provider's owner mark.
  expect(adopted.metadata).toEqual({ adoptedBy: "pulumi", pulumi_owner: expect.stringMatching(/^[\w-]{32}$/) });
  await ok(cwd, ["preview", "--expect-no-changes"]);
  await ok(cwd, ["destroy", "--yes", "--skip-preview"]);
  expect(await ids()).toEqual([]);
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
    env: { ...process.env, ...ws.env, ABLO_STACK: "" },
    timeout: 180_000,
  });
  expect(stdout).toMatch(/status\s+active/);
  expect(stdout).toMatch(/database\s+shop/);
  expect(stdout).toMatch(/the API now lists 0 datasources/);
}, 200_000);
