import { join } from "node:path";
import { filesContaining, pulumiWorkspace, REPO_ROOT, startAbloLocal, startPostgres, type AbloLocal, type Postgres, type PulumiWorkspace } from "@ablo/harness";

// The product, end to end: the real engine runs a program using @ablo/pulumi, whose dynamic
// provider talks to a real ablo-local, which verifies against a real PostgreSQL on 127.0.0.1.
const program = join(REPO_ROOT, "test", "fixtures", "datasource-program");
const CANARY = "Canary7f3a9cPw"; // the password of every role below: must never show up anywhere
const OTHER_PW = "Rotated51bdPw";

let pg: Postgres;
let api: AbloLocal;
let key: string;
let ws: PulumiWorkspace;
const transcript: string[] = []; // every byte the engine printed, grepped for the canary at the end

async function pulumi(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) {
  const r = await ws.run(args, { cwd: program, ...opts });
  transcript.push(r.stdout, r.stderr);
  return r;
}
async function ok(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) {
  const r = await pulumi(args, opts);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}
const setSecret = (k: string, v: string) => ok(["config", "set", "--secret", k], { stdin: v });
const outputs = async () => JSON.parse((await ok(["stack", "output", "--json", "--show-secrets"])).stdout) as Record<string, unknown>;
async function apiGet(path: string, token = key) {
  const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.text();
  transcript.push(body);
  return { status: res.status, body: JSON.parse(body) };
}
const listIds = async () => ((await apiGet("/v1/datasources?limit=100")).body.data as Array<{ id: string }>).map((d) => d.id);
/** Requests the server has logged so far, to prove a failed preview sent nothing. */
const requestCount = () =>
  api
    .logs()
    .split("\n")
    .filter((l) => l.includes("/v1/datasources")).length;

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql(`CREATE ROLE app LOGIN PASSWORD '${CANARY}' NOSUPERUSER NOBYPASSRLS`);
  await pg.sql(`CREATE ROLE app2 LOGIN PASSWORD '${OTHER_PW}' NOSUPERUSER NOBYPASSRLS`);
  await pg.sql(`CREATE ROLE boss LOGIN PASSWORD '${CANARY}' SUPERUSER`);
  await pg.sql("CREATE DATABASE shop OWNER app");
  await pg.sql("CREATE DATABASE billing OWNER app");
  await pg.sql("GRANT CONNECT ON DATABASE shop TO app2");
  api = await startAbloLocal({ allowPrivateHosts: true, verification: true });
  key = await api.createKey("e2e-org", "test");
  ws = await pulumiWorkspace();
  await ok(["stack", "init", ws.stack]);
  await setSecret("ablo:apiKey", key);
  await ok(["config", "set", "ablo:baseUrl", api.baseUrl]);
  await setSecret("databaseUrl", pg.url("app", CANARY, "shop"));
}, 180_000);

afterAll(async () => {
  await ws?.dispose();
  await api?.stop();
  await pg?.stop();
});

let firstId: string;

test("bad inputs fail at preview, name the field, and send nothing to the server", async () => {
  const before = requestCount();
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ["wrong scheme", () => setSecret("databaseUrl", `mysql://app:${CANARY}@127.0.0.1/shop`), /property connectionString .*postgres:\/\//],
    ["bad metadata", () => ok(["config", "set", "--path", `metadata.${"k".repeat(41)}`, "v"]), /property metadata/],
    ["sandbox key with a live id", () => ok(["config", "set", "adoptId", "ds_1A2b3C"]), /property adoptId .*live datasource but ablo:apiKey is a test key/],
    ["missing key", () => ok(["config", "rm", "ablo:apiKey"]), /property ablo:apiKey .*No Ablo API key/],
  ];
  for (const [name, breakIt, expected] of cases) {
    await ok(["config", "rm", "--path", "metadata"]).catch(() => undefined);
    await breakIt();
    const r = await pulumi(["preview"], { env: { ABLO_API_KEY: "" } });
    expect({ name, failed: r.code !== 0 }).toEqual({ name, failed: true });
    expect(`${name}: ${r.stdout}${r.stderr}`).toMatch(expected);
    // put everything back
    await setSecret("databaseUrl", pg.url("app", CANARY, "shop"));
    await ok(["config", "rm", "adoptId"]);
    await ok(["config", "rm", "--path", "metadata"]).catch(() => undefined);
    await setSecret("ablo:apiKey", key);
  }
  expect(requestCount()).toBe(before);
  expect(await listIds()).toEqual([]);
});

test("up registers the database and waits until it is active", async () => {
  // Engine and provider logs at the highest verbosity, to grep for the canary afterwards.
  const r = await ok(["up", "--yes", "--skip-preview", "--logtostderr", "-v=9"]);
  expect(r.stdout).toMatch(/\+ 3 created/); // the stack, the SDK's provider instance, the Datasource
  const out = await outputs();
  expect(out).toMatchObject({
    status: "active",
    host: "127.0.0.1",
    database: "shop",
    schema: "public",
    livemode: false,
    lastError: null,
    displayName: expect.stringContaining("app@127.0.0.1"),
  });
  firstId = out.id as string;
  expect(firstId).toMatch(/^ds_test_/);
  expect(await listIds()).toEqual([firstId]);
});

test("the connection string is a secret in state and never an output", async () => {
  const plain = (await ok(["stack", "export"])).stdout;
  expect(plain).not.toContain(CANARY);
  // --show-secrets decrypts the inputs too (where the secret connection string must live for
  // diffs): only its outputs are checked, so it stays out of the transcript.
  const shown = await ws.ok(["stack", "export", "--show-secrets"], { cwd: program });
  const full = JSON.parse(shown.stdout);
  const res = full.deployment.resources.find((r: { type: string }) => r.type === "pulumi-nodejs:dynamic/ablo:Datasource");
  expect(JSON.stringify(res.outputs)).not.toContain(CANARY);
  expect(res.outputs.connectionString).toBeUndefined();
  expect(res.outputs.fingerprint.plaintext).toMatch(/^"sha256:/);
  // The serialized provider is a module reference: small and free of any secret or key.
  const provider: string = res.outputs.__provider;
  expect(provider).toContain('require("@ablo/pulumi/dynamic-provider")');
  expect(provider).not.toContain(CANARY);
  expect(provider).not.toContain(key);
  expect(provider.length).toBeLessThan(256);
  console.log(`__provider size per resource in state: ${provider.length} bytes`);
  // In the plain export the fingerprint and the input are ciphertext.
  const plainRes = JSON.parse(plain).deployment.resources.find((r: { type: string }) => r.type === "pulumi-nodejs:dynamic/ablo:Datasource");
  expect(plainRes.outputs.fingerprint).toHaveProperty("ciphertext");
  expect(plainRes.inputs.connectionString).toHaveProperty("ciphertext");
});

test("a second up and a refresh change nothing", async () => {
  await ok(["preview", "--expect-no-changes"]);
  const up = await ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/3 unchanged/);
  await ok(["refresh", "--yes", "--skip-preview"]);
  await ok(["preview", "--expect-no-changes"]);
});

test("rotation is an in-place update: same id, verified again", async () => {
  await setSecret("databaseUrl", pg.url("app2", OTHER_PW, "shop"));
  const pre = await ok(["preview", "--diff"]);
  expect(pre.stdout).toMatch(/~ 1 to update/);
  const up = await ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/~ 1 updated/);
  const out = await outputs();
  expect(out).toMatchObject({ id: firstId, status: "active", displayName: expect.stringContaining("app2@") });
  await ok(["preview", "--expect-no-changes"]);
});

test("metadata changes in place", async () => {
  await ok(["config", "set", "--path", "metadata.team", "platform"]);
  const up = await ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/~ 1 updated/);
  expect(await outputs()).toMatchObject({ id: firstId, metadata: { team: "platform" } });
  // Beside the user's keys, the provider's mark of a finished create (provider/src/owner.ts).
  expect((await apiGet(`/v1/datasources/${firstId}`)).body.metadata).toEqual({ team: "platform", pulumi_owner: expect.stringMatching(/^[\w-]{32}$/) });
});

test("another database replaces the datasource and deletes the old one on the server", async () => {
  await setSecret("databaseUrl", pg.url("app", CANARY, "billing"));
  const up = await ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/\+-? ?1 replaced/);
  const out = await outputs();
  expect(out.id).not.toBe(firstId);
  expect(out).toMatchObject({ database: "billing", status: "active" });
  expect((await apiGet(`/v1/datasources/${firstId}`)).status).toBe(404);
  expect(await listIds()).toEqual([out.id]);
  firstId = out.id as string;
});

test("an out-of-band delete is dropped by refresh, and up creates it again", async () => {
  const del = await fetch(`${api.baseUrl}/v1/datasources/${firstId}`, { method: "DELETE", headers: { authorization: `Bearer ${key}` } });
  expect(del.status).toBe(200);
  await ok(["refresh", "--yes", "--skip-preview"]);
  const exported = JSON.parse((await ok(["stack", "export"])).stdout);
  expect(exported.deployment.resources.filter((r: { type: string }) => r.type.endsWith("ablo:Datasource"))).toHaveLength(0);
  await ok(["up", "--yes", "--skip-preview"]);
  const ids = await listIds();
  expect(ids).toHaveLength(1);
  expect(ids[0]).not.toBe(firstId);
});

test("a forced replacement with unchanged inputs makes a new datasource and deletes the old one", async () => {
  const state = JSON.parse((await ok(["stack", "export"])).stdout);
  const res = state.deployment.resources.find((r: { type: string }) => r.type.endsWith("ablo:Datasource"));
  await ok(["up", "--yes", "--skip-preview", "--replace", res.urn]);
  const after = (await outputs()).id as string;
  expect(after).not.toBe(res.id);
  expect(await listIds()).toEqual([after]);
  expect((await apiGet(`/v1/datasources/${after}`)).body.status).toBe("active");
});

test("a superuser role is rejected at verification with a clear error, and leaves no orphan", async () => {
  const before = await listIds();
  await setSecret("databaseUrl", pg.url("boss", CANARY, "shop")); // shop ≠ billing: a replacement
  const r = await pulumi(["up", "--yes", "--skip-preview"]);
  expect(r.code).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(/rejected .*superuser/i);
  expect(r.stdout + r.stderr).toMatch(/has been deleted, so nothing is left behind/);
  expect(await listIds()).toEqual(before); // the old one kept, the rejected one removed
  await setSecret("databaseUrl", pg.url("app", CANARY, "billing"));
  await ok(["preview", "--expect-no-changes"]);
});

test("destroy leaves the server's list empty", async () => {
  await ok(["destroy", "--yes", "--skip-preview"]);
  expect(await listIds()).toEqual([]);
});

test("the canary password appears nowhere: engine output, logs, server data", async () => {
  expect(transcript.join("\n")).not.toContain(CANARY);
  expect(api.logs()).not.toContain(CANARY);
  expect(await filesContaining(api.dataDir, CANARY)).toEqual([]);
  expect(await filesContaining(ws.dir, CANARY)).toEqual([]);
});
