import { join } from "node:path";
import { isAbloDatasource, REPO_ROOT, secret, type ProgramStack } from "@ablo/harness";
import { startSuite, type Suite } from "./helpers";

// Waiting for verification through the real engine, against a server that never verifies
// (verification off: the public address below is a string, never dialed).
const program = join(REPO_ROOT, "test", "fixtures", "datasource-program");
let suite: Suite;
let stack: ProgramStack;

beforeAll(async () => {
  suite = await startSuite({ org: "wait-org", api: { verification: false } });
  stack = await suite.stack(program, { databaseUrl: secret("postgres://app:WaitCanary1@8.8.8.8:5432/shop?sslmode=require") });
}, 120_000);
afterAll(() => suite?.dispose());

test("a create still unverified at its timeout fails clearly and leaves no orphan", async () => {
  await stack.setConfig({ createTimeout: "3s" });
  const r = await stack.run(["up", "--yes", "--skip-preview"]);
  expect(r.code).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(/still unverified after 3s; raise customTimeouts\.create/);
  expect(await suite.server.ids()).toEqual([]);
  expect((await stack.exportState()).resources.filter(isAbloDatasource)).toHaveLength(0);
});

test("waitForVerification: false returns at once with status unverified", async () => {
  await stack.setConfig({ waitForVerification: "false" });
  await stack.ok(["up", "--yes", "--skip-preview"]);
  const out = await stack.outputs();
  expect(out.status).toBe("unverified");
  expect(await suite.server.ids()).toEqual([out.id]);
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
});
