import { join } from "node:path";
import { filesContaining, pulumiWorkspace, REPO_ROOT, startAbloLocal, startPostgres, type AbloLocal, type Postgres, type PulumiWorkspace } from "@ablo/harness";

// A create whose connection is lost while the API goes on processing it: the provider's retry
// reaches the server while the first attempt still holds its Idempotency-Key, and is answered
// 409 idempotency_key_in_use. Through the real engine the provider waits (Retry-After) and sends
// it again under the same key until the first attempt has committed, then gets its replay:
// `up` succeeds with exactly one datasource.
const program = join(REPO_ROOT, "test", "fixtures", "datasource-program");
const CANARY = "InUseCanary3b7Pw";

let pg: Postgres;
let api: AbloLocal;
let key: string;
let ws: PulumiWorkspace;

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql(`CREATE ROLE app LOGIN PASSWORD '${CANARY}' NOSUPERUSER NOBYPASSRLS`);
  await pg.sql("CREATE DATABASE shop OWNER app");
  api = await startAbloLocal({ allowPrivateHosts: true, verification: true, admin: true });
  key = await api.createKey("in-use-org", "test");
  ws = await pulumiWorkspace();
  await ws.ok(["stack", "init", ws.stack], { cwd: program });
  await ws.ok(["config", "set", "--secret", "ablo:apiKey"], { cwd: program, stdin: key });
  await ws.ok(["config", "set", "ablo:baseUrl", api.baseUrl], { cwd: program });
  await ws.ok(["config", "set", "--secret", "databaseUrl"], { cwd: program, stdin: pg.url("app", CANARY, "shop") });
}, 180_000);

afterAll(async () => {
  await ws?.dispose();
  await api?.stop();
  await pg?.stop();
});

test("a retry that finds the first attempt still running waits and replays: up succeeds, one datasource", async () => {
  const rules = [{ method: "POST", path: "/v1/datasources", action: "abandon", latencyMs: 2500, count: 1 }];
  const set = await fetch(`${api.baseUrl}/_admin/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rules }) });
  expect(set.status).toBe(200);

  const up = await ws.run(["up", "--yes", "--skip-preview"], { cwd: program });
  expect(up.code).toBe(0);

  const lines = api
    .logs()
    .split("\n")
    .filter((l) => l.includes('"url":"/v1/datasources"') && l.includes('"POST"'))
    .map((l) => JSON.parse(l.slice(l.indexOf("{"))) as { status: number; note?: string });
  // The abandoned first attempt, at least one 409 while it ran, then the replay.
  expect(lines[0]).toMatchObject({ status: 0, note: "fault: connection lost while processing" });
  expect(lines.filter((l) => l.status === 409).length).toBeGreaterThanOrEqual(1);
  expect(lines.at(-1)).toMatchObject({ status: 200 });

  const list = await fetch(`${api.baseUrl}/v1/datasources`, { headers: { authorization: `Bearer ${key}` } });
  const { data } = (await list.json()) as { data: Array<{ id: string; status: string }> };
  expect(data).toHaveLength(1);
  const out = JSON.parse((await ws.ok(["stack", "output", "--json"], { cwd: program })).stdout) as { id: string; status: string };
  expect(out).toMatchObject({ id: data[0]!.id, status: "active" });

  await ws.ok(["destroy", "--yes", "--skip-preview"], { cwd: program });
  expect(`${up.stdout}${up.stderr}${api.logs()}`).not.toContain(CANARY);
  expect(await filesContaining(ws.dir, CANARY)).toEqual([]);
}, 120_000);
