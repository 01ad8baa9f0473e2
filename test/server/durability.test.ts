import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAbloLocal, type AbloLocal } from "@ablo/harness";
import { abloLocalForSuite, CANARY, filesContaining } from "./helpers";

// Restart and kill -9: every answered write survives, sealed; the master key must match.
const DNS = { "db.example.com": ["93.184.216.34"] };
const cs = (n: number) => `postgres://app${n}:${CANARY}@db.example.com:5432/shop`;

let api: AbloLocal;
let key: string;
const { call } = abloLocalForSuite({ verification: false, dnsMap: DNS, rateLimit: 0 }, async (started) => {
  api = started;
  key = await api.createKey("durable", "live");
});
const list = async () => (await call("GET", "/v1/datasources?limit=100", { token: key })).json.data as Array<{ id: string }>;

test("every answered create, update and delete survives kill -9", async () => {
  const created = await Promise.all(
    Array.from({ length: 25 }, (_, i) => call("POST", "/v1/datasources", { token: key, body: { connectionString: cs(i), metadata: { i: String(i) } } })),
  );
  expect(created.every((r) => r.status === 200)).toBe(true);
  const [gone, changed] = [created[0]!.json.id as string, created[1]!.json.id as string];
  expect((await call("DELETE", `/v1/datasources/${gone}`, { token: key })).status).toBe(200);
  const updated = await call("POST", `/v1/datasources/${changed}`, { token: key, body: { metadata: { i: "changed" } } });
  const replayable = await call("POST", "/v1/datasources", { token: key, body: { connectionString: cs(99) }, headers: { "idempotency-key": "survives-kill" } });
  const before = await list();
  await api.kill9(); // right after the last answer: no shutdown code runs

  // The WAL on disk holds the pages now: still nothing in plaintext.
  expect(await filesContaining(api.dataDir, CANARY)).toEqual([]);
  await api.restart();

  expect(await list()).toEqual(before);
  for (const r of created.slice(2)) expect((await call("GET", `/v1/datasources/${r.json.id}`, { token: key })).text).toBe(r.text);
  expect((await call("GET", `/v1/datasources/${gone}`, { token: key })).status).toBe(404);
  expect((await call("GET", `/v1/datasources/${changed}`, { token: key })).text).toBe(updated.text);
  const replay = await call("POST", "/v1/datasources", { token: key, body: { connectionString: cs(99) }, headers: { "idempotency-key": "survives-kill" } });
  expect(replay.text).toBe(replayable.text);
  expect(replay.headers.get("idempotent-replayed")).toBe("true");
  expect((await list()).length).toBe(before.length);
});

test("a graceful restart keeps everything and the same base URL; keys keep working", async () => {
  const made = await call("POST", "/v1/datasources", { token: key, body: { connectionString: cs(7) } });
  const url = api.baseUrl;
  await api.restart();
  expect(api.baseUrl).toBe(url);
  expect((await call("GET", `/v1/datasources/${made.json.id}`, { token: key })).text).toBe(made.text);
});

test("the data directory holds no plaintext connection string", async () => {
  expect(await filesContaining(api.dataDir, CANARY)).toEqual([]);
  expect(await filesContaining(api.dataDir, "db.example.com:5432/shop?")).toEqual([]);
});

describe("master key", () => {
  test("a server with another master key refuses the data directory", async () => {
    const other = randomBytes(32).toString("base64");
    await expect(startAbloLocal({ dataDir: api.dataDir, verification: false, env: { ABLO_LOCAL_MASTER_KEY: other } })).rejects.toThrow(
      /master key does not open this data directory/,
    );
  });

  test("ABLO_LOCAL_MASTER_KEY replaces the key file, and the data reopens only with it", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ablo-envkey-"));
    const env = { ABLO_LOCAL_MASTER_KEY: randomBytes(32).toString("hex") };
    try {
      const s = await startAbloLocal({ dataDir, verification: false, dnsMap: DNS, env });
      const k = await s.createKey("env", "test");
      const r = await fetch(`${s.baseUrl}/v1/datasources`, {
        method: "POST",
        headers: { authorization: `Bearer ${k}`, "content-type": "application/json" },
        body: JSON.stringify({ connectionString: cs(1) }),
      });
      expect(r.status).toBe(200);
      await s.kill9();
      expect(existsSync(join(dataDir, "master.key"))).toBe(false);
      await s.restart();
      await s.stop();
      // Without the env key it refuses to start, and does not mint a key file that could never open the data.
      await expect(startAbloLocal({ dataDir, verification: false })).rejects.toThrow(/set ABLO_LOCAL_MASTER_KEY/);
      expect(existsSync(join(dataDir, "master.key"))).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
