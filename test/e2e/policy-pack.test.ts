import { join } from "node:path";
import { pulumiWorkspace, REPO_ROOT, startAbloLocal, type AbloLocal, type PulumiWorkspace } from "@ablo/harness";

// The policy pack through the real engine (`--policy-pack`), against programs using @ablo/pulumi.
// The server runs with verification off and a static DNS map: the public addresses below are
// strings that are validated, never dialed.
const gitops = join(REPO_ROOT, "examples", "gitops");
const unknownProgram = join(REPO_ROOT, "test", "fixtures", "policy-unknown");
const pack = join(REPO_ROOT, "policy-pack");
const CANARY = "PolicyCanary4417";

let api: AbloLocal;
let key: string;
let ws: PulumiWorkspace;
const transcript: string[] = [];

async function run(cwd: string, args: string[], stdin?: string) {
  const r = await ws.run(args, { cwd, ...(stdin !== undefined ? { stdin } : {}) });
  transcript.push(r.stdout, r.stderr);
  return r;
}
async function ok(cwd: string, args: string[], stdin?: string) {
  const r = await run(cwd, args, stdin);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}
async function listIds(): Promise<string[]> {
  const res = await fetch(`${api.baseUrl}/v1/datasources?limit=100`, { headers: { authorization: `Bearer ${key}` } });
  return ((await res.json()) as { data: Array<{ id: string }> }).data.map((d) => d.id);
}
async function stack(cwd: string, urls: Record<string, string>) {
  await ok(cwd, ["stack", "select", "--create", ws.stack]);
  await ok(cwd, ["config", "set", "--secret", "ablo:apiKey"], key);
  await ok(cwd, ["config", "set", "ablo:baseUrl", api.baseUrl]);
  for (const [k, v] of Object.entries(urls)) await ok(cwd, ["config", "set", "--secret", k], v);
}

beforeAll(async () => {
  api = await startAbloLocal({ verification: false, dnsMap: { "db.example.com": ["93.184.216.34"] } });
  key = await api.createKey("policy-org", "test");
  ws = await pulumiWorkspace();
}, 120_000);
afterAll(async () => {
  await ws?.dispose();
  await api?.stop();
});

test("preview --policy-pack fails on private hosts in any spelling and lists each violation", async () => {
  const names = ["orders", "billing", "metrics", "cache", "audit"];
  await stack(gitops, {
    ordersUrl: `postgres://app:${CANARY}@db.example.com:5432/orders?sslmode=require`,
    billingUrl: `postgres://app:${CANARY}@10.1.2.3:5432/billing?sslmode=require`,
    metricsUrl: `postgres://app:${CANARY}@0x7f.1/metrics?sslmode=require`,
    cacheUrl: `postgres://app:${CANARY}@[::ffff:169.254.169.254]/cache?sslmode=require`,
    auditUrl: `postgres://app:${CANARY}@db.internal/audit?sslmode=require`,
  });
  for (const [i, n] of names.entries()) await ok(gitops, ["config", "set", "--path", `datasources[${i}]`, n]);
  const r = await run(gitops, ["preview", "--policy-pack", pack]);
  expect(r.code).not.toBe(0);
  const out = r.stdout + r.stderr;
  for (const n of ["billing", "metrics", "cache", "audit"]) {
    expect(out).toMatch(new RegExp(`\\[mandatory\\]\\s+ablo-datasource-public-host\\s+\\(pulumi-nodejs:dynamic/ablo:Datasource: ${n}\\)`));
  }
  expect(out).not.toMatch(/public-host\s+\(pulumi-nodejs:dynamic\/ablo:Datasource: orders\)/);
  expect(out).toMatch(/loopback/);
  expect(out).toMatch(/private-use/);
  expect(out).toMatch(/metadata/);
  expect(out).not.toContain(CANARY);
});

test("with public hosts only, preview --policy-pack passes (advisories may remain)", async () => {
  await ok(gitops, ["config", "rm", "--path", "datasources"]);
  await ok(gitops, ["config", "set", "--path", "datasources[0]", "orders"]);
  await ok(gitops, ["config", "set", "--path", "datasources[1]", "billing"]);
  await ok(gitops, ["config", "set", "--secret", "billingUrl"], `postgres://postgres:${CANARY}@8.8.8.8:5432/billing`);
  const r = await ok(gitops, ["preview", "--policy-pack", pack]);
  expect(r.stdout).toMatch(/\[advisory\]\s+ablo-datasource-sslmode/);
  expect(r.stdout).toMatch(/\[advisory\]\s+ablo-datasource-superuser-role/);
  expect(r.stdout).not.toContain(CANARY);
});

test("up --policy-pack blocks a private host before anything reaches the API", async () => {
  await ok(gitops, ["config", "set", "--secret", "billingUrl"], `postgres://app:${CANARY}@192.168.10.20:5432/billing`);
  const r = await run(gitops, ["up", "--yes", "--policy-pack", pack]);
  expect(r.code).not.toBe(0);
  expect(await listIds()).toEqual([]);
  expect(api.logs()).not.toMatch(/"POST"/);
});

test("an unknown connection string at preview is an explicit advisory, and is enforced at apply", async () => {
  await stack(unknownProgram, {
    publicUrl: `postgres://app:${CANARY}@db.example.com/shop?sslmode=require`,
    privateUrl: `postgres://app:${CANARY}@172.16.5.4/shop?sslmode=require`,
  });
  const pre = await run(unknownProgram, ["preview", "--policy-pack", pack]);
  expect(pre.code).toBe(0);
  expect(pre.stdout).toMatch(/connectionString is not known during preview/);
  const up = await run(unknownProgram, ["up", "--yes", "--skip-preview", "--policy-pack", pack]);
  expect(up.code).not.toBe(0);
  expect(up.stdout).toMatch(/\[mandatory\]\s+ablo-datasource-public-host\s+\(pulumi-nodejs:dynamic\/ablo:Datasource: second\)/);
  const ids = await listIds();
  expect(ids).toHaveLength(1); // `first` only: `second` never reached the API
  await ok(unknownProgram, ["destroy", "--yes", "--skip-preview"]);
  expect(await listIds()).toEqual([]);
  expect(transcript.join("\n")).not.toContain(CANARY);
});
