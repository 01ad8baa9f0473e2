import { join } from "node:path";
import { filesContaining, REPO_ROOT, secret, type ProgramStack, loginRole } from "@ablo/harness";
import { startSuite, type PostgresSuite } from "./helpers";

// A create whose connection is lost while the API goes on processing it: the provider's retry
// reaches the server while the first attempt still holds its Idempotency-Key, and is answered
// 409 idempotency_key_in_use. Through the real engine the provider waits (Retry-After) and sends
// it again under the same key until the first attempt has committed, then gets its replay:
// `up` succeeds with exactly one datasource.
const program = join(REPO_ROOT, "test", "fixtures", "datasource-program");
const CANARY = "InUseCanary3b7Pw";

let suite: PostgresSuite;
let stack: ProgramStack;

beforeAll(async () => {
  suite = await startSuite({
    org: "in-use-org",
    api: { allowPrivateHosts: true, verification: true, admin: true },
    postgres: [loginRole("app", CANARY), "CREATE DATABASE shop OWNER app"],
  });
  stack = await suite.stack(program, { databaseUrl: secret(suite.pg.url("app", CANARY, "shop")) });
}, 180_000);

afterAll(() => suite?.dispose());

test("a retry that finds the first attempt still running waits and replays: up succeeds, one datasource", async () => {
  const rules = [{ method: "POST", path: "/v1/datasources", action: "abandon", latencyMs: 2500, count: 1 }];
  const set = await fetch(`${suite.api.baseUrl}/_admin/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ rules }),
  });
  expect(set.status).toBe(200);

  const up = await stack.run(["up", "--yes", "--skip-preview"]);
  expect(up.code).toBe(0);

  const lines = suite.api
    .logs()
    .split("\n")
    .filter((l) => l.includes('"url":"/v1/datasources"') && l.includes('"POST"'))
    .map((l) => JSON.parse(l.slice(l.indexOf("{"))) as { status: number; note?: string });
  // The abandoned first attempt, at least one 409 while it ran, then the replay.
  expect(lines[0]).toMatchObject({ status: 0, note: "fault: connection lost while processing" });
  expect(lines.filter((l) => l.status === 409).length).toBeGreaterThanOrEqual(1);
  expect(lines.at(-1)).toMatchObject({ status: 200 });

  const ids = await suite.server.ids();
  expect(ids).toHaveLength(1);
  const out = await stack.outputs();
  expect(out).toMatchObject({ id: ids[0], status: "active" });

  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(`${up.stdout}${up.stderr}${suite.api.logs()}`).not.toContain(CANARY);
  expect(await filesContaining(suite.ws.dir, CANARY)).toEqual([]);
}, 120_000);
