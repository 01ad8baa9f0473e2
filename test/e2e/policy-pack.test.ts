import { join } from "node:path";
import { REPO_ROOT, secret, secrets, type ProgramStack } from "@ablo/harness";
import { startSuite, type Suite } from "./helpers";

// The policy pack through the real engine (`--policy-pack`), against programs using @ablo/pulumi.
// The server runs with verification off and a static DNS map: the public addresses below are
// strings that are validated, never dialed.
const gitopsProgram = join(REPO_ROOT, "examples", "gitops");
const unknownProgram = join(REPO_ROOT, "test", "fixtures", "policy-unknown");
const pack = join(REPO_ROOT, "policy-pack");
const CANARY = "PolicyCanary4417";

let suite: Suite;
/** examples/gitops, made by the first test and changed by the next ones. */
let gitops: ProgramStack;

beforeAll(async () => {
  suite = await startSuite({ org: "policy-org", api: { verification: false, dnsMap: { "db.example.com": ["93.184.216.34"] } } });
}, 120_000);
afterAll(() => suite?.dispose());

test("preview --policy-pack fails on private hosts in any spelling and lists each violation", async () => {
  const names = ["orders", "billing", "metrics", "cache", "audit"];
  gitops = await suite.stack(gitopsProgram, {
    ...secrets({
      ordersUrl: `postgres://app:${CANARY}@db.example.com:5432/orders?sslmode=require`,
      billingUrl: `postgres://app:${CANARY}@10.1.2.3:5432/billing?sslmode=require`,
      metricsUrl: `postgres://app:${CANARY}@0x7f.1/metrics?sslmode=require`,
      cacheUrl: `postgres://app:${CANARY}@[::ffff:169.254.169.254]/cache?sslmode=require`,
      auditUrl: `postgres://app:${CANARY}@db.internal/audit?sslmode=require`,
    }),
    ...Object.fromEntries(names.map((n, i) => [`datasources[${i}]`, { value: n, path: true }])),
  });
  const r = await gitops.run(["preview", "--policy-pack", pack]);
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
  await gitops.ok(["config", "rm", "--path", "datasources"]);
  await gitops.setConfig({
    "datasources[0]": { value: "orders", path: true },
    "datasources[1]": { value: "billing", path: true },
    billingUrl: secret(`postgres://postgres:${CANARY}@8.8.8.8:5432/billing`),
  });
  const r = await gitops.ok(["preview", "--policy-pack", pack]);
  expect(r.stdout).toMatch(/\[advisory\]\s+ablo-datasource-sslmode/);
  expect(r.stdout).toMatch(/\[advisory\]\s+ablo-datasource-superuser-role/);
  expect(r.stdout).not.toContain(CANARY);
});

test("up --policy-pack blocks a private host before anything reaches the API", async () => {
  await gitops.setConfig({ billingUrl: secret(`postgres://app:${CANARY}@192.168.10.20:5432/billing`) });
  const r = await gitops.run(["up", "--yes", "--policy-pack", pack]);
  expect(r.code).not.toBe(0);
  expect(await suite.server.ids()).toEqual([]);
  expect(suite.api.logs()).not.toMatch(/"POST"/);
});

test("an unknown connection string at preview is an explicit advisory, and is enforced at apply", async () => {
  const unknown = await suite.stack(
    unknownProgram,
    secrets({
      publicUrl: `postgres://app:${CANARY}@db.example.com/shop?sslmode=require`,
      privateUrl: `postgres://app:${CANARY}@172.16.5.4/shop?sslmode=require`,
    }),
  );
  const pre = await unknown.run(["preview", "--policy-pack", pack]);
  expect(pre.code).toBe(0);
  expect(pre.stdout).toMatch(/connectionString is not known during preview/);
  const up = await unknown.run(["up", "--yes", "--skip-preview", "--policy-pack", pack]);
  expect(up.code).not.toBe(0);
  expect(up.stdout).toMatch(/\[mandatory\]\s+ablo-datasource-public-host\s+\(pulumi-nodejs:dynamic\/ablo:Datasource: second\)/);
  const ids = await suite.server.ids();
  expect(ids).toHaveLength(1); // `first` only: `second` never reached the API
  await unknown.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
  expect(suite.transcript.join("\n")).not.toContain(CANARY);
});
