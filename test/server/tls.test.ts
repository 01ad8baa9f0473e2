import { readFileSync, statSync } from "node:fs";
import { Agent as HttpsAgent, type AgentOptions } from "node:https";
import type { Duplex } from "node:stream";
import { inspect } from "node:util";
import { AbloClient, type AbloClientOptions, AbloConnectionError, type AbloLogger } from "@ablo/client";
import { startAbloLocal, type AbloLocal } from "@ablo/harness";
import { CANARY } from "./helpers";

// ablo-local `serve --tls` through the harness, and the real @ablo/client over HTTPS on 127.0.0.1.
// Verification is off: 8.8.8.8 is only a string in a connection string, never dialed.
const connectionString = `postgres://app:${CANARY}@8.8.8.8:5432/shop`;

/** An https.Agent that counts the connections it opens (a retry would open a second one). */
class CountingAgent extends HttpsAgent {
  connections = 0;
  constructor(options: AgentOptions) {
    super(options);
  }
  override createConnection(...args: Parameters<HttpsAgent["createConnection"]>): Duplex | null | undefined {
    this.connections++;
    return super.createConnection(...args);
  }
}

let api: AbloLocal;
let key: string;
const agents: HttpsAgent[] = [];
const clientLog: Array<{ message: string; fields: Record<string, unknown> }> = [];
const logger: AbloLogger = { debug: (message, fields) => void clientLog.push({ message, fields: { ...fields } }) };

function clientWith(agent: HttpsAgent, extra: Partial<AbloClientOptions> = {}): AbloClient {
  agents.push(agent);
  return new AbloClient({
    apiKey: key,
    baseUrl: api.baseUrl,
    httpAgent: agent,
    logger,
    maxRetries: 3,
    initialRetryDelayMs: 20,
    maxRetryDelayMs: 50,
    timeoutMs: 10_000,
    ...extra,
  });
}
const trusting = () => clientWith(new HttpsAgent({ ca: readFileSync(api.caPath!), keepAlive: true }));

beforeAll(async () => {
  api = await startAbloLocal({
    tls: true,
    verification: false,
    // One reset of a retrieve: the fault must work on a TLS socket, and the client retry past it.
    faults: { rules: [{ method: "GET", path: "/v1/datasources/*", action: "reset", count: 1 }] },
  });
  key = await api.createKey("tls-org", "test");
}, 60_000);

afterAll(async () => {
  for (const a of agents) a.destroy();
  await api?.stop();
});

test("the harness serves https and names the CA under the data directory", () => {
  expect(api.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(api.caPath).toBe(`${api.dataDir}/tls/ca.pem`);
  expect(readFileSync(api.caPath!, "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/);
  for (const f of ["ca-key.pem", "server-key.pem"]) expect(statSync(`${api.dataDir}/tls/${f}`).mode & 0o777).toBe(0o600);
});

test("a client trusting the CA creates, retrieves (past an injected reset) and deletes", async () => {
  const c = trusting();
  const created = await c.datasources.create({ connectionString });
  expect(created).toMatchObject({ host: "8.8.8.8", database: "shop", status: "unverified" });
  const from = clientLog.length;
  expect(await c.datasources.retrieve(created.id)).toMatchObject({ id: created.id });
  // The first attempt was reset by the server (over TLS), the retry answered.
  expect(
    clientLog
      .slice(from)
      .filter((l) => l.message === "ablo retry")
      .map((l) => l.fields.code),
  ).toEqual(["ECONNRESET"]);
  expect(api.logs()).toContain("fault: connection reset");
  expect(await c.datasources.del(created.id)).toMatchObject({ id: created.id, deleted: true });
  expect((await c.datasources.list()).data).toEqual([]);
});

test("without the CA: a typed tls_untrusted error after one request, naming no secret", async () => {
  const agent = new CountingAgent({ keepAlive: true });
  const c = clientWith(agent, { retryBudgetMs: 30_000 }); // a budget would retry anything retryable for 30 s
  const from = clientLog.length;
  let error: unknown;
  try {
    await c.datasources.create({ connectionString });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(AbloConnectionError);
  const e = error as AbloConnectionError;
  expect(e.code).toBe("tls_untrusted");
  const port = new URL(api.baseUrl).port;
  expect(e.message).toMatch(
    new RegExp(
      `^POST /v1/datasources: the TLS certificate of 127\\.0\\.0\\.1:${port} is not trusted \\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\\)\\. `,
    ),
  );
  expect(e.message).toContain("NODE_EXTRA_CA_CERTS");
  expect(e.message).toContain("<data>/tls/ca.pem");
  // One attempt, one connection, no retry.
  expect(agent.connections).toBe(1);
  expect(clientLog.slice(from).filter((l) => l.message === "ablo request")).toHaveLength(1);
  expect(clientLog.slice(from).filter((l) => l.message === "ablo retry")).toEqual([]);
  for (const text of [e.message, JSON.stringify(e), String(e), e.stack ?? "", inspect(e, { depth: 10, showHidden: true, customInspect: false })]) {
    expect(text).not.toContain(key);
    expect(text).not.toContain(CANARY);
  }
  // The same with the client's own agent (no httpAgent given).
  const own = new AbloClient({ apiKey: key, baseUrl: api.baseUrl, maxRetries: 3, initialRetryDelayMs: 20 });
  try {
    await expect(own.datasources.list()).rejects.toMatchObject({ name: "AbloConnectionError", code: "tls_untrusted" });
  } finally {
    own.close();
  }
});

test("after restart the same CA is reused and still trusted", async () => {
  const before = readFileSync(api.caPath!, "utf8");
  const serverCert = readFileSync(`${api.dataDir}/tls/server.pem`, "utf8");
  await api.restart();
  expect(readFileSync(api.caPath!, "utf8")).toBe(before);
  expect(readFileSync(`${api.dataDir}/tls/server.pem`, "utf8")).toBe(serverCert);
  const c = trusting(); // a CA read before the restart would do as well: it is the same
  const created = await c.datasources.create({ connectionString });
  expect((await c.datasources.list()).data.map((d) => d.id)).toEqual([created.id]);
  await c.datasources.del(created.id);
});

test("the canary and the key appear in no log line and no client log", () => {
  expect(api.logs()).not.toContain(CANARY);
  expect(api.logs()).not.toContain(key);
  expect(JSON.stringify(clientLog)).not.toContain(CANARY);
  expect(JSON.stringify(clientLog)).not.toContain(key);
});
