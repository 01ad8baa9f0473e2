import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatasourceSchema } from "@ablo/api";
import { freeLoopbackPort, startAbloLocal, startPostgres, type AbloLocal, type Postgres } from "@ablo/harness";
import { CANARY, client, eventually, filesContaining } from "./helpers";

// Verification against a real PostgreSQL on 127.0.0.1 (admitted with --allow-private-hosts).
// Only loopback is ever dialed.
let pg: Postgres;
let api: AbloLocal;
let key: string;
const { call, transcript } = client(() => api.baseUrl);

beforeAll(async () => {
  [pg, api] = await Promise.all([
    startPostgres(),
    // "localhost" via the static map: the name path (resolve once, dial the checked address).
    startAbloLocal({ allowPrivateHosts: true, verification: true, dnsMap: { localhost: ["127.0.0.1"] }, rateLimit: 0 }),
  ]);
  await pg.sql(`
    CREATE ROLE app LOGIN PASSWORD '${CANARY}' NOSUPERUSER NOBYPASSRLS;
    CREATE ROLE boss LOGIN PASSWORD '${CANARY}' SUPERUSER;
    CREATE ROLE sneaky LOGIN PASSWORD '${CANARY}' NOSUPERUSER BYPASSRLS;`);
  await pg.sql("CREATE DATABASE shop OWNER app");
  await pg.sql("CREATE SCHEMA sales AUTHORIZATION app", "shop");
  key = await api.createKey("verify-org", "test");
});

afterAll(async () => {
  try {
    expect(api.logs()).not.toContain(CANARY);
    expect(await filesContaining(api.dataDir, CANARY)).toEqual([]);
    expect(transcript.filter((t) => t.includes(CANARY))).toEqual([]);
  } finally {
    await Promise.all([api?.stop(), pg?.stop()]);
  }
});

async function settled(id: string) {
  return eventually(async () => {
    const r = await call("GET", `/v1/datasources/${id}`, { token: key });
    return r.json.status === "unverified" ? undefined : DatasourceSchema.parse(r.json);
  });
}

async function register(connectionString: string, schema?: string) {
  const r = await call("POST", "/v1/datasources", { token: key, body: { connectionString, ...(schema ? { schema } : {}) } });
  expect(r.status).toBe(200);
  expect(r.json.status).toBe("unverified");
  return r.json.id as string;
}

test("an ordinary role with an existing schema becomes active", async () => {
  const ds = await settled(await register(pg.url("app", CANARY, "shop"), "sales"));
  expect(ds).toMatchObject({ status: "active", last_error: null, host: "127.0.0.1", database: "shop", schema: "sales" });
});

test.each([
  ["a superuser", () => pg.url("boss", CANARY, "shop"), undefined, /superuser/],
  ["a BYPASSRLS role", () => pg.url("sneaky", CANARY, "shop"), undefined, /BYPASSRLS/],
  ["a missing schema", () => pg.url("app", CANARY, "shop"), "nowhere", /schema "nowhere" does not exist/],
  ["a wrong password", () => pg.url("app", `${CANARY}-wrong`, "shop"), undefined, /cannot connect: authentication failed/],
  ["a missing database", () => pg.url("app", CANARY, "nodb"), undefined, /cannot connect: the database does not exist/],
  ["sslmode=require on a server without TLS", () => `${pg.url("app", CANARY, "shop")}?sslmode=require`, undefined, /TLS is required/],
])("%s is rejected with a credential-free last_error", async (_what, url, schema, why) => {
  const ds = await settled(await register(url(), schema));
  expect(ds.status).toBe("rejected");
  expect(ds.last_error).toMatch(why);
  expect(ds.last_error).not.toContain(CANARY);
});

test("nothing listening is rejected as connection refused", async () => {
  const port = await freeLoopbackPort();
  const ds = await settled(await register(`postgres://app:${CANARY}@127.0.0.1:${port}/shop`));
  expect(ds).toMatchObject({ status: "rejected", last_error: "cannot connect: connection refused" });
});

test("a host name is resolved once and the checked address is dialed", async () => {
  const ds = await settled(await register(`postgres://app:${CANARY}@localhost:${pg.port}/shop`));
  expect(ds).toMatchObject({ status: "active", host: "localhost" });
});

test("rotation goes back to unverified and is verified again", async () => {
  const id = await register(pg.url("app", CANARY, "shop"));
  expect((await settled(id)).status).toBe("active");
  const toBoss = await call("POST", `/v1/datasources/${id}`, { token: key, body: { connectionString: pg.url("boss", CANARY, "shop") } });
  expect(toBoss.json).toMatchObject({ status: "unverified", last_error: null });
  expect(await settled(id)).toMatchObject({ status: "rejected", last_error: expect.stringMatching(/superuser/) });
  const back = await call("POST", `/v1/datasources/${id}`, { token: key, body: { connectionString: pg.url("app", CANARY, "shop") } });
  expect(back.json.status).toBe("unverified");
  expect(await settled(id)).toMatchObject({ status: "active", last_error: null });
  // Metadata-only updates keep the verdict.
  const meta = await call("POST", `/v1/datasources/${id}`, { token: key, body: { metadata: { a: "b" } } });
  expect(meta.json).toMatchObject({ status: "active", metadata: { a: "b" } });
});

test("--verification off never dials; records it left unverified are verified by a later start", async () => {
  // A sentinel listener stands in for the database: with verification off nobody may connect.
  const sentinel = createServer((sock) => {
    dialed++;
    sock.destroy();
  });
  let dialed = 0;
  await new Promise<void>((r) => sentinel.listen(0, "127.0.0.1", () => r()));
  const sentinelPort = (sentinel.address() as AddressInfo).port;
  const dataDir = await mkdtemp(join(tmpdir(), "ablo-verify-later-"));
  try {
    const off = await startAbloLocal({ dataDir, allowPrivateHosts: true, verification: false, rateLimit: 0 });
    const k = await off.createKey("later", "test");
    const post = async (connectionString: string) => {
      const r = await fetch(`${off.baseUrl}/v1/datasources`, {
        method: "POST",
        headers: { authorization: `Bearer ${k}`, "content-type": "application/json" },
        body: JSON.stringify({ connectionString }),
      });
      return (await r.json()) as { id: string; status: string };
    };
    const toSentinel = await post(`postgres://app:${CANARY}@127.0.0.1:${sentinelPort}/shop`);
    const toPg = await post(pg.url("app", CANARY, "shop"));
    expect([toSentinel.status, toPg.status]).toEqual(["unverified", "unverified"]);
    await new Promise((r) => setTimeout(r, 500));
    expect(dialed).toBe(0);
    await off.stop();

    const on = await startAbloLocal({ dataDir, allowPrivateHosts: true, verification: true, rateLimit: 0 });
    try {
      const status = (id: string) =>
        eventually(async () => {
          const r = await fetch(`${on.baseUrl}/v1/datasources/${id}`, { headers: { authorization: `Bearer ${k}` } });
          const ds = (await r.json()) as { status: string };
          return ds.status === "unverified" ? undefined : ds.status;
        });
      expect(await status(toPg.id)).toBe("active");
      expect(await status(toSentinel.id)).toBe("rejected");
      expect(dialed).toBeGreaterThan(0);
    } finally {
      await on.stop();
    }
  } finally {
    sentinel.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
