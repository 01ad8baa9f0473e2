import { join } from "node:path";
import { pulumiWorkspace, REPO_ROOT, startAbloLocal, type AbloLocal, type PulumiWorkspace } from "@ablo/harness";

// Waiting for verification through the real engine, against a server that never verifies
// (verification off: the public address below is a string, never dialed).
const program = join(REPO_ROOT, "test", "fixtures", "datasource-program");
let api: AbloLocal;
let key: string;
let ws: PulumiWorkspace;

const run = (args: string[], stdin?: string) => ws.run(args, { cwd: program, ...(stdin !== undefined ? { stdin } : {}) });
async function ok(args: string[], stdin?: string) {
  const r = await run(args, stdin);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}
async function listIds(): Promise<string[]> {
  const res = await fetch(`${api.baseUrl}/v1/datasources?limit=100`, { headers: { authorization: `Bearer ${key}` } });
  return ((await res.json()) as { data: Array<{ id: string }> }).data.map((d) => d.id);
}

beforeAll(async () => {
  api = await startAbloLocal({ verification: false });
  key = await api.createKey("wait-org", "test");
  ws = await pulumiWorkspace();
  await ok(["stack", "init", ws.stack]);
  await ok(["config", "set", "--secret", "ablo:apiKey"], key);
  await ok(["config", "set", "ablo:baseUrl", api.baseUrl]);
  await ok(["config", "set", "--secret", "databaseUrl"], "postgres://app:WaitCanary1@8.8.8.8:5432/shop?sslmode=require");
}, 120_000);
afterAll(async () => {
  await ws?.dispose();
  await api?.stop();
});

test("a create still unverified at its timeout fails clearly and leaves no orphan", async () => {
  await ok(["config", "set", "createTimeout", "3s"]);
  const r = await run(["up", "--yes", "--skip-preview"]);
  expect(r.code).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(/still unverified after 3s; raise customTimeouts\.create/);
  expect(await listIds()).toEqual([]);
  const state = JSON.parse((await ok(["stack", "export"])).stdout);
  expect(state.deployment.resources.filter((x: { type: string }) => x.type.endsWith("ablo:Datasource"))).toHaveLength(0);
});

test("waitForVerification: false returns at once with status unverified", async () => {
  await ok(["config", "set", "waitForVerification", "false"]);
  await ok(["up", "--yes", "--skip-preview"]);
  const out = JSON.parse((await ok(["stack", "output", "--json"])).stdout);
  expect(out.status).toBe("unverified");
  expect(await listIds()).toEqual([out.id]);
  await ok(["destroy", "--yes", "--skip-preview"]);
  expect(await listIds()).toEqual([]);
});
