import { join } from "node:path";
import { filesContaining, pulumiWorkspace, REPO_ROOT, startAbloLocal, startPostgres, type AbloLocal, type Postgres, type PulumiWorkspace } from "@ablo/harness";

// Plain (non-secret) stack config never reaches state in plaintext through our provider: the SDK
// registers its own provider instance carrying only ablo:apiKey (secret) and ablo:baseUrl, never
// the engine's default one, which stores the stack's whole configuration. An existing stack made
// on the default provider moves onto it without replacing its Datasource.
const program = join(REPO_ROOT, "test", "fixtures", "config-program");
const CANARY = "PlainCfgCanary4e1Pw"; // the role's password, in plain config
const OTHER = "UnrelatedPlainValue9c2"; // a config value the provider has no business with

let pg: Postgres;
let api: AbloLocal;
let key: string;
let ws: PulumiWorkspace;
const transcript: string[] = [];

async function ok(args: string[], stdin?: string) {
  const r = await ws.ok(args, { cwd: program, ...(stdin === undefined ? {} : { stdin }) });
  transcript.push(r.stdout, r.stderr);
  return r;
}
const exported = async () => (await ok(["stack", "export"])).stdout;
type Resource = { type: string; urn: string; id?: string; provider?: string; inputs?: Record<string, unknown> };
const resourcesOf = (text: string) => JSON.parse(text).deployment.resources as Resource[];
const resources = async () => resourcesOf(await exported());
const listIds = async () => {
  const res = await fetch(`${api.baseUrl}/v1/datasources?limit=100`, { headers: { authorization: `Bearer ${key}` } });
  return ((await res.json()) as { data: Array<{ id: string }> }).data.map((d) => d.id);
};

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql(`CREATE ROLE app LOGIN PASSWORD '${CANARY}' NOSUPERUSER NOBYPASSRLS`);
  await pg.sql("CREATE DATABASE shop OWNER app");
  api = await startAbloLocal({ allowPrivateHosts: true, verification: true });
  key = await api.createKey("cfg-org", "test");
  ws = await pulumiWorkspace();
  await ok(["stack", "init", ws.stack]);
  await ok(["config", "set", "ablo:apiKey"], key); // plain too: the SDK makes it a secret
  await ok(["config", "set", "ablo:baseUrl", api.baseUrl]);
  await ok(["config", "set", "cs"], pg.url("app", CANARY, "shop"));
  await ok(["config", "set", "other", OTHER]);
}, 180_000);

afterAll(async () => {
  await ws?.dispose();
  await api?.stop();
  await pg?.stop();
});

test("a stack made on the engine's default provider leaks plain config: the situation before", async () => {
  await ok(["config", "set", "legacy", "true"]);
  await ok(["up", "--yes", "--skip-preview"]);
  // Read outside the transcript: this export holds the canary by design.
  const text = (await ws.ok(["stack", "export"], { cwd: program })).stdout;
  // The engine's default pulumi-nodejs provider stores the whole configuration as its inputs.
  expect(text).toContain(OTHER);
  expect(text).toContain(CANARY);
});

test("the SDK's own provider upgrades that stack in place and drops every plain config value from state", async () => {
  const legacyState = (await ws.ok(["stack", "export"], { cwd: program })).stdout; // holds the canary: kept out of the transcript
  const [before] = resourcesOf(legacyState).filter((r) => r.type.endsWith("ablo:Datasource"));
  await ok(["config", "rm", "legacy"]);
  // Outside the transcript: these show the old default provider's inputs being deleted, which
  // hold the canary since the legacy run.
  const preview = await ws.ok(["preview", "--diff"], { cwd: program });
  expect(preview.stdout).not.toMatch(/to replace|\+-/);
  const up = await ws.ok(["up", "--yes", "--skip-preview"], { cwd: program });
  expect(up.stdout).not.toMatch(/replaced/);
  const after = await resources();
  const ds = after.filter((r) => r.type.endsWith("ablo:Datasource"));
  expect(ds).toHaveLength(1);
  expect(ds[0]!.id).toBe(before!.id);
  expect(ds[0]!.provider).toMatch(/::pulumi:providers:pulumi-nodejs::ablo::/);
  expect(after.some((r) => r.urn.endsWith("::pulumi:providers:pulumi-nodejs::default"))).toBe(false);
  expect(await listIds()).toEqual([before!.id]);
  await ok(["preview", "--expect-no-changes"]);

  const text = await exported();
  expect(text).not.toContain(OTHER);
  expect(text).not.toContain(CANARY);
  expect(text).not.toContain(key);
  // The provider instance holds exactly its two settings, the key as a secret.
  const provider = after.find((r) => r.type === "pulumi:providers:pulumi-nodejs")!;
  expect(Object.keys(provider.inputs ?? {}).sort()).toEqual(["ablo:apiKey", "ablo:baseUrl"]);
  expect(provider.inputs!["ablo:apiKey"]).toHaveProperty("ciphertext");
});

test("a new stack never makes the default provider; destroy leaves nothing", async () => {
  await ok(["destroy", "--yes", "--skip-preview"]);
  expect(await listIds()).toEqual([]);
  await ok(["up", "--yes", "--skip-preview", "--logtostderr", "-v=9"]);
  const text = await exported();
  expect(text).not.toContain(OTHER);
  expect(text).not.toContain(CANARY);
  expect((await resources()).map((r) => r.type).filter((t) => t.startsWith("pulumi:providers:"))).toEqual(["pulumi:providers:pulumi-nodejs"]);
  await ok(["destroy", "--yes", "--skip-preview"]);
  expect(await listIds()).toEqual([]);
});

test("the plain canary is nowhere in engine output, server logs or data", async () => {
  expect(transcript.join("\n")).not.toContain(CANARY);
  expect(api.logs()).not.toContain(CANARY);
  expect(await filesContaining(api.dataDir, CANARY)).toEqual([]);
});
