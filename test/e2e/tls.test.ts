import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { filesContaining, pulumiWorkspace, REPO_ROOT, startAbloLocal, startPostgres, type AbloLocal, type Postgres, type PulumiWorkspace } from "@ablo/harness";

// The product over HTTPS: the real engine runs a program using @ablo/pulumi, whose dynamic
// provider talks to ablo-local `serve --tls`, trusting its private CA the way Node does
// (NODE_EXTRA_CA_CERTS), and ablo-local verifies against a real PostgreSQL on 127.0.0.1.
const program = join(REPO_ROOT, "test", "fixtures", "datasource-program");
const CANARY = "Canary5c2e8dTlsPw"; // the password of the first role: must never show up anywhere
const OTHER_PW = "Rotated93a1TlsPw";

let pg: Postgres;
let api: AbloLocal;
let key: string;
let ws: PulumiWorkspace;
/** What every engine run gets: trust in ablo-local's CA. */
let trust: Record<string, string>;
const transcript: string[] = []; // every byte the engine printed and the API answered

type RunOpts = { stdin?: string; env?: Record<string, string | undefined> };
async function pulumi(args: string[], opts: RunOpts = {}) {
  const r = await ws.run(args, { cwd: program, ...opts, env: { ...trust, ...opts.env } });
  transcript.push(r.stdout, r.stderr);
  return r;
}
async function ok(args: string[], opts: RunOpts = {}) {
  const r = await pulumi(args, opts);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}
const setSecret = (k: string, v: string) => ok(["config", "set", "--secret", k], { stdin: v });
const outputs = async () => JSON.parse((await ok(["stack", "output", "--json", "--show-secrets"])).stdout) as Record<string, unknown>;

/** GET on the API over https, trusting the CA (global fetch cannot be given one). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer, checked by the assertions
function apiGet(path: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${api.baseUrl}${path}`, { ca: readFileSync(api.caPath!), agent: false, headers: { authorization: `Bearer ${key}` } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => {
        transcript.push(text);
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
const listIds = async () => ((await apiGet("/v1/datasources?limit=100")).body.data as Array<{ id: string }>).map((d) => d.id);

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql(`CREATE ROLE app LOGIN PASSWORD '${CANARY}' NOSUPERUSER NOBYPASSRLS`);
  await pg.sql(`CREATE ROLE app2 LOGIN PASSWORD '${OTHER_PW}' NOSUPERUSER NOBYPASSRLS`);
  await pg.sql("CREATE DATABASE shop OWNER app");
  await pg.sql("GRANT CONNECT ON DATABASE shop TO app2");
  api = await startAbloLocal({ tls: true, allowPrivateHosts: true, verification: true });
  expect(api.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  trust = { NODE_EXTRA_CA_CERTS: api.caPath! };
  key = await api.createKey("e2e-tls", "test");
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

test("up over https registers the database and waits until it is active", async () => {
  const r = await ok(["up", "--yes", "--skip-preview", "--logtostderr", "-v=9"]);
  expect(r.stdout).toMatch(/\+ 3 created/); // the stack, the SDK's provider instance, the Datasource
  const out = await outputs();
  expect(out).toMatchObject({ status: "active", host: "127.0.0.1", database: "shop", livemode: false, lastError: null });
  firstId = out.id as string;
  expect(firstId).toMatch(/^ds_test_/);
  expect(await listIds()).toEqual([firstId]);
});

test("rotating the password is an in-place update over https: same id, active again", async () => {
  await setSecret("databaseUrl", pg.url("app2", OTHER_PW, "shop"));
  const up = await ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/~ 1 updated/);
  expect(await outputs()).toMatchObject({ id: firstId, status: "active", displayName: expect.stringContaining("app2@") });
  await ok(["preview", "--expect-no-changes"]);
});

test("destroy over https leaves the server's list empty", async () => {
  await ok(["destroy", "--yes", "--skip-preview"]);
  expect(await listIds()).toEqual([]);
});

test("without NODE_EXTRA_CA_CERTS a create fails at once with the clear TLS message, and nothing is made", async () => {
  await setSecret("databaseUrl", pg.url("app", CANARY, "shop"));
  const started = Date.now();
  const r = await pulumi(["up", "--yes", "--skip-preview"], { env: { NODE_EXTRA_CA_CERTS: undefined } });
  const seconds = (Date.now() - started) / 1000;
  expect(r.code).not.toBe(0);
  const text = r.stdout + r.stderr;
  expect(text).toMatch(
    /(POST|GET) \/v1\/datasources[^:]*: the TLS certificate of 127\.0\.0\.1:\d+ is not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)/,
  );
  expect(text).toContain("point NODE_EXTRA_CA_CERTS at its certificate (ablo-local: <data>/tls/ca.pem)");
  // Not retried for the provider's 120 s budget: the engine's own run time only.
  expect(seconds).toBeLessThan(60);
  expect(await listIds()).toEqual([]);
  const exported = JSON.parse((await ok(["stack", "export"])).stdout);
  expect(exported.deployment.resources.filter((x: { type: string }) => x.type.endsWith("ablo:Datasource"))).toHaveLength(0);
});

test("the passwords and the API key appear nowhere: engine output, server logs, data directories", async () => {
  for (const secret of [CANARY, OTHER_PW, key]) {
    expect(transcript.join("\n")).not.toContain(secret);
    expect(api.logs()).not.toContain(secret);
    expect(await filesContaining(api.dataDir, secret)).toEqual([]);
    expect(await filesContaining(ws.dir, secret)).toEqual([]);
  }
});
