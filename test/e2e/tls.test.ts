import { join } from "node:path";
import { filesContaining, isAbloDatasource, REPO_ROOT, secret, type ProgramStack, loginRole } from "@ablo/harness";
import { startSuite, type PostgresSuite } from "./helpers";

// The product over HTTPS: the real engine runs a program using @ablo/pulumi, whose dynamic
// provider talks to ablo-local `serve --tls`, trusting its private CA the way Node does
// (NODE_EXTRA_CA_CERTS), and ablo-local verifies against a real PostgreSQL on 127.0.0.1.
const program = join(REPO_ROOT, "test", "fixtures", "datasource-program");
const CANARY = "Canary5c2e8dTlsPw"; // the password of the first role: must never show up anywhere
const OTHER_PW = "Rotated93a1TlsPw";

/** Its reader trusts the server's CA; its transcript holds every byte the engine printed and the API answered. */
let suite: PostgresSuite;
/** Every engine run trusts ablo-local's CA (NODE_EXTRA_CA_CERTS) unless a test unsets it. */
let stack: ProgramStack;

const outputs = () => stack.outputs({ showSecrets: true });

beforeAll(async () => {
  suite = await startSuite({
    org: "e2e-tls",
    api: { tls: true, allowPrivateHosts: true, verification: true },
    postgres: [loginRole("app", CANARY), loginRole("app2", OTHER_PW), "CREATE DATABASE shop OWNER app", "GRANT CONNECT ON DATABASE shop TO app2"],
  });
  expect(suite.api.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  stack = await suite.stack(program, { databaseUrl: secret(suite.pg.url("app", CANARY, "shop")) }, { env: { NODE_EXTRA_CA_CERTS: suite.api.caPath! } });
}, 180_000);

afterAll(() => suite?.dispose());

let firstId: string;

test("up over https registers the database and waits until it is active", async () => {
  const r = await stack.ok(["up", "--yes", "--skip-preview", "--logtostderr", "-v=9"]);
  expect(r.stdout).toMatch(/\+ 3 created/); // the stack, the SDK's provider instance, the Datasource
  const out = await outputs();
  expect(out).toMatchObject({ status: "active", host: "127.0.0.1", database: "shop", livemode: false, lastError: null });
  firstId = out.id as string;
  expect(firstId).toMatch(/^ds_test_/);
  expect(await suite.server.ids()).toEqual([firstId]);
});

test("rotating the password is an in-place update over https: same id, active again", async () => {
  await stack.setConfig({ databaseUrl: secret(suite.pg.url("app2", OTHER_PW, "shop")) });
  const up = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/~ 1 updated/);
  expect(await outputs()).toMatchObject({ id: firstId, status: "active", displayName: expect.stringContaining("app2@") });
  await stack.ok(["preview", "--expect-no-changes"]);
});

test("destroy over https leaves the server's list empty", async () => {
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
});

test("without NODE_EXTRA_CA_CERTS a create fails at once with the clear TLS message, and nothing is made", async () => {
  await stack.setConfig({ databaseUrl: secret(suite.pg.url("app", CANARY, "shop")) });
  const started = Date.now();
  const r = await stack.run(["up", "--yes", "--skip-preview"], { env: { NODE_EXTRA_CA_CERTS: undefined } });
  const seconds = (Date.now() - started) / 1000;
  expect(r.code).not.toBe(0);
  const text = r.stdout + r.stderr;
  expect(text).toMatch(
    /(POST|GET) \/v1\/datasources[^:]*: the TLS certificate of 127\.0\.0\.1:\d+ is not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)/,
  );
  expect(text).toContain("point NODE_EXTRA_CA_CERTS at its certificate (ablo-local: <data>/tls/ca.pem)");
  // Not retried for the provider's 120 s budget: the engine's own run time only.
  expect(seconds).toBeLessThan(60);
  expect(await suite.server.ids()).toEqual([]);
  expect((await stack.exportState()).resources.filter(isAbloDatasource)).toHaveLength(0);
});

test("the passwords and the API key appear nowhere: engine output, server logs, data directories", async () => {
  for (const secret of [CANARY, OTHER_PW, suite.key]) {
    expect(suite.transcript.join("\n")).not.toContain(secret);
    expect(suite.api.logs()).not.toContain(secret);
    expect(await filesContaining(suite.api.dataDir, secret)).toEqual([]);
    expect(await filesContaining(suite.ws.dir, secret)).toEqual([]);
  }
});
