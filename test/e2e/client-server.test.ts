import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { DatasourceListSchema, DatasourceSchema, DeletedDatasourceSchema } from "@ablo/api";
import {
  AbloAPIError,
  AbloAuthenticationError,
  AbloClient,
  type AbloClientOptions,
  AbloError,
  AbloIdempotencyError,
  AbloInvalidRequestError,
  type AbloLogger,
  AbloModeMismatchError,
  AbloNotFoundError,
  AbloPermissionError,
  AbloRateLimitError,
  AbloTimeoutError,
  type DatasourceResponse,
} from "@ablo/client";
import { startAbloLocal, startPostgres, type AbloLocal, type Postgres } from "@ablo/harness";

// The real @ablo/client against the real compiled ablo-local over real HTTP on 127.0.0.1.
// Only loopback is ever dialed: public-looking hosts (8.8.8.8, db.example.com mapped to 8.8.8.8)
// are registered only on servers with verification off; real verification runs against the
// local PostgreSQL on a server started with allowPrivateHosts.

/** The password of every connection string in this file: it must never come back out. */
const CANARY = `Cnry${randomBytes(8).toString("hex")}Pw`;
const REQ_ID = /^req_[A-Za-z0-9]+$/;

/** Every error any client call threw, and every line the client logged (checked for the canary). */
const thrown: unknown[] = [];
const clientLog: Array<{ message: string; fields: Record<string, unknown> }> = [];
const logger: AbloLogger = { debug: (message, fields) => void clientLog.push({ message, fields: { ...fields } }) };
const clients: AbloClient[] = [];

function clientFor(api: AbloLocal, apiKey: string, extra: Partial<AbloClientOptions> = {}): AbloClient {
  const c = new AbloClient({ apiKey, baseUrl: api.baseUrl, logger, maxRetries: 2, initialRetryDelayMs: 20, maxRetryDelayMs: 100, timeoutMs: 10_000, ...extra });
  clients.push(c);
  return c;
}

/** The rejection of `p`, which must be an instance of `Class`; recorded for the canary check. */
async function rejection<T extends AbloError>(p: Promise<unknown>, Class: abstract new (...args: never[]) => T): Promise<T> {
  let result: unknown;
  try {
    result = await p;
  } catch (e) {
    thrown.push(e);
    expect(e).toBeInstanceOf(Class);
    return e as T;
  }
  throw new Error(`expected ${Class.name}, but the call succeeded: ${JSON.stringify(result)}`);
}

/** Polls until `fn` holds (the server's stdout reaches us through a pipe, a little later). */
async function eventually(fn: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await sleep(20);
  }
}

interface AccessLine {
  reqId: string;
  method: string;
  url: string;
  status: number;
  note?: string;
}

/** The server's access log: one JSON line per request (method, url, status, request id). */
function accessLog(api: AbloLocal): AccessLine[] {
  const out: AccessLine[] = [];
  for (const line of api.logs().split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const j = JSON.parse(line) as AccessLine & { msg?: string };
      if (j.msg === "request") out.push(j);
    } catch {
      // a partial line still in flight
    }
  }
  return out;
}

/** Asserts that the server logged an error response under the request id the client reports. */
async function serverLogged(api: AbloLocal, e: AbloError, status: number): Promise<void> {
  expect(e.requestId).toMatch(REQ_ID);
  await eventually(() => accessLog(api).some((l) => l.reqId === e.requestId), `request ${e.requestId} in the server log`);
  expect(accessLog(api).find((l) => l.reqId === e.requestId)?.status).toBe(status);
}

/** Client log lines (attempt, failure, retry, response) since index `from` for one path. */
function attemptsSince(from: number, path: string) {
  return clientLog.slice(from).filter((l) => l.fields.path === path);
}

/** Nothing the client or the server produced holds the canary. */
function expectNoCanary(apis: AbloLocal[]): void {
  // Sanity: errors were collected (most from requests whose connection string held the canary).
  expect(thrown.length).toBeGreaterThan(0);
  const leaks: string[] = [];
  thrown.forEach((e, i) => {
    const views: Record<string, string> = {
      String: String(e),
      JSON: JSON.stringify(e),
      inspect: inspect(e, { depth: 10 }),
      // Past any custom inspect: every own property, hidden ones too.
      raw: inspect(e, { depth: 10, customInspect: false, showHidden: true }),
      stack: (e as Error).stack ?? "",
      message: (e as Error).message,
    };
    for (const [view, text] of Object.entries(views)) if (text.includes(CANARY)) leaks.push(`thrown[${i}] ${(e as Error).name} via ${view}`);
  });
  clientLog.forEach((l, i) => {
    if (JSON.stringify(l).includes(CANARY)) leaks.push(`client log line ${i}: ${l.message}`);
  });
  apis.forEach((api, i) => {
    expect(accessLog(api).length).toBeGreaterThan(0); // the log is really being read
    if (api.logs().includes(CANARY)) leaks.push(`api.logs() of server ${i}`);
  });
  clients.forEach((c, i) => {
    if (JSON.stringify(c).includes(CANARY) || inspect(c, { depth: 5 }).includes(CANARY)) leaks.push(`client ${i}`);
  });
  expect(leaks).toEqual([]);
}

afterAll(() => {
  for (const c of clients) c.close();
});

// ---------------------------------------------------------------------------------------------
describe("endpoints round-trip (real verification against the local PostgreSQL)", () => {
  let pg: Postgres;
  let api: AbloLocal;
  let key: string;

  beforeAll(async () => {
    [pg, api] = await Promise.all([startPostgres(), startAbloLocal({ allowPrivateHosts: true, verification: true, rateLimit: 0 })]);
    // Two ordinary roles on the same host, port and database: the second is the rotation target.
    await pg.sql(`
      CREATE ROLE app LOGIN PASSWORD '${CANARY}' NOSUPERUSER NOBYPASSRLS;
      CREATE ROLE app2 LOGIN PASSWORD '${CANARY}' NOSUPERUSER NOBYPASSRLS;`);
    await pg.sql("CREATE DATABASE shop OWNER app");
    key = await api.createKey("e2e-endpoints", "test");
  }, 60_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), pg?.stop()]);
  });

  test("create → retrieve → update metadata → rotate credentials (unverified, then active) → del → second del is 404", async () => {
    const ds = clientFor(api, key).datasources;
    const before = Math.floor(Date.now() / 1000);
    const created = await ds.create({ connectionString: pg.url("app", CANARY, "shop"), metadata: { team: "data", env: "ci" } });
    expect(DatasourceSchema.safeParse(created).success).toBe(true);
    expect(created.id).toMatch(/^ds_test_[A-Za-z0-9]+$/);
    expect(created).toEqual({
      object: "datasource",
      id: created.id,
      connection: "direct",
      status: "unverified",
      livemode: false,
      metadata: { team: "data", env: "ci" },
      created: expect.any(Number),
      provider: "postgresql",
      host: "127.0.0.1",
      database: "shop",
      schema: "public",
      display_name: `app@127.0.0.1:${pg.port}/shop`,
      last_error: null,
    });
    expect(created.created).toBeGreaterThanOrEqual(before - 1);
    expect(created.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);

    const active = await ds.waitForStatus(created.id, { pollMs: 50, timeoutMs: 15_000 });
    expect(active).toEqual({ ...created, status: "active", last_error: null });

    const retrieved = await ds.retrieve(created.id);
    expect(DatasourceSchema.safeParse(retrieved).success).toBe(true);
    expect(retrieved).toEqual(active);

    // Metadata: merged, "" removes a key; nothing else changes, verification is not redone.
    const relabelled = await ds.update(created.id, { metadata: { env: "", owner: "e2e" } });
    expect(relabelled).toEqual({ ...active, metadata: { team: "data", owner: "e2e" } });
    expect(await ds.retrieve(created.id)).toEqual(relabelled);

    // Rotation: another ordinary role on the same host, port and database.
    const rotated = await ds.update(created.id, { connectionString: pg.url("app2", CANARY, "shop") });
    expect(rotated).toEqual({ ...relabelled, status: "unverified", display_name: `app2@127.0.0.1:${pg.port}/shop`, last_error: null });
    const reverified = await ds.waitForStatus(created.id, { pollMs: 50, timeoutMs: 15_000 });
    expect(reverified).toEqual({ ...rotated, status: "active" });

    const deleted = await ds.del(created.id);
    expect(DeletedDatasourceSchema.safeParse(deleted).success).toBe(true);
    expect(deleted).toEqual({ object: "datasource", id: created.id, deleted: true });

    const again = await rejection(ds.del(created.id), AbloNotFoundError);
    expect(again).toMatchObject({ statusCode: 404, type: "invalid_request_error", code: "resource_missing", param: "id" });
    await serverLogged(api, again, 404);
    const gone = await rejection(ds.retrieve(created.id), AbloNotFoundError);
    expect(gone).toMatchObject({ statusCode: 404, code: "resource_missing", param: "id" });
    expect(gone.requestId).toMatch(REQ_ID);
    expect(gone.requestId).not.toBe(again.requestId);
  });

  test("list and listAutoPaging walk more than one page (limit 2, 5 datasources), newest first", async () => {
    const ds = clientFor(api, await api.createKey("e2e-list", "test")).datasources;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await ds.create({ connectionString: pg.url("app", CANARY, "shop"), metadata: { n: String(i) } })).id);
    const newestFirst = [...ids].reverse();

    const page1 = await ds.list({ limit: 2 });
    expect(DatasourceListSchema.safeParse(page1).success).toBe(true);
    expect(page1).toMatchObject({ object: "list", has_more: true, url: "/v1/datasources" });
    expect(page1.data.map((d) => d.id)).toEqual(newestFirst.slice(0, 2));
    expect(page1.data[0]).toMatchObject({ metadata: { n: "4" }, database: "shop", livemode: false });
    const page2 = await ds.list({ limit: 2, starting_after: page1.data[1]!.id });
    expect(page2.has_more).toBe(true);
    expect(page2.data.map((d) => d.id)).toEqual(newestFirst.slice(2, 4));
    const page3 = await ds.list({ limit: 2, starting_after: page2.data[1]!.id });
    expect(page3.has_more).toBe(false);
    expect(page3.data.map((d) => d.id)).toEqual(newestFirst.slice(4));

    const from = clientLog.length;
    const walked: DatasourceResponse[] = [];
    for await (const d of ds.listAutoPaging({ limit: 2 })) walked.push(d);
    expect(walked.map((d) => d.id)).toEqual(newestFirst);
    for (const d of walked) expect(DatasourceSchema.safeParse(d).success).toBe(true);
    // Three pages, three GETs.
    expect(
      attemptsSince(from, "/v1/datasources")
        .filter((l) => l.message === "ablo response")
        .map((l) => l.fields.status),
    ).toEqual([200, 200, 200]);

    // Starting in the middle.
    const rest: string[] = [];
    for await (const d of ds.listAutoPaging({ limit: 2, starting_after: newestFirst[1] })) rest.push(d.id);
    expect(rest).toEqual(newestFirst.slice(2));

    // Let verification settle before deleting (keeps the server log free of late results).
    for (const id of ids) await ds.waitForStatus(id, { pollMs: 50, timeoutMs: 15_000 });
    for (const id of ids) expect(await ds.del(id)).toEqual({ object: "datasource", id, deleted: true });
    expect(await ds.list({ limit: 2 })).toMatchObject({ data: [], has_more: false });
  });

  test("the canary password never leaks (errors, client log, server log)", () => {
    expectNoCanary([api]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("errors map to typed classes (public hosts only, verification off)", () => {
  let api: AbloLocal;
  let key: string;
  const publicUrl = (database = "shop", user = "app") => `postgres://${user}:${CANARY}@db.example.com:5432/${database}?sslmode=require`;

  beforeAll(async () => {
    api = await startAbloLocal({
      verification: false,
      rateLimit: 0,
      // Static DNS: never asks real DNS. One public name, one that resolves to a private address.
      dnsMap: { "db.example.com": ["8.8.8.8"], "internal.example.com": ["10.1.2.3"] },
    });
    key = await api.createKey("e2e-errors", "test");
  }, 60_000);

  afterAll(async () => {
    await api?.stop();
  });

  test("a registration on a public host works (the baseline for the errors below)", async () => {
    const d = await clientFor(api, key).datasources.create({ connectionString: `postgres://app:${CANARY}@8.8.8.8:5432/shop` });
    expect(d).toMatchObject({ host: "8.8.8.8", database: "shop", status: "unverified", display_name: "app@8.8.8.8:5432/shop" });
  });

  test("an unknown key → AbloAuthenticationError (401, api_key_invalid, request id)", async () => {
    const bad = clientFor(api, `sk_test_${"x".repeat(40)}`).datasources;
    const e1 = await rejection(bad.list(), AbloAuthenticationError);
    expect(e1).toMatchObject({ statusCode: 401, type: "authentication_error", code: "api_key_invalid", param: undefined });
    await serverLogged(api, e1, 401);
    const e2 = await rejection(bad.create({ connectionString: publicUrl() }), AbloAuthenticationError);
    expect(e2).toMatchObject({ statusCode: 401, code: "api_key_invalid" });
    expect(e2.requestId).toMatch(REQ_ID);
    // 401 is not retried.
    expect(clientLog.filter((l) => l.message === "ablo retry" && (l.fields.requestId === e1.requestId || l.fields.requestId === e2.requestId))).toEqual([]);
  });

  test("a capability token without datasources:write → AbloPermissionError on create; nothing is created", async () => {
    const readOnly = clientFor(api, await api.createKey("e2e-scopes", "test", ["datasources:read"])).datasources;
    expect((await readOnly.list()).data).toEqual([]); // the token itself is valid
    const e = await rejection(readOnly.create({ connectionString: publicUrl() }), AbloPermissionError);
    expect(e).toMatchObject({ statusCode: 403, type: "permission_error", code: "scope_missing" });
    await serverLogged(api, e, 403);
    const owner = clientFor(api, await api.createKey("e2e-scopes", "test")).datasources;
    expect((await owner.list()).data).toEqual([]);
  });

  test.each([
    ["a private address (10.0.0.1)", () => `postgres://app:${CANARY}@10.0.0.1:5432/shop`],
    ["a name that resolves to a private address", () => `postgres://app:${CANARY}@internal.example.com:5432/shop`],
    ["loopback", () => `postgres://app:${CANARY}@127.0.0.1:5432/shop`],
  ])("%s → AbloInvalidRequestError host_not_public on connectionString", async (_what, url) => {
    const e = await rejection(clientFor(api, key).datasources.create({ connectionString: url() }), AbloInvalidRequestError);
    expect(e).not.toBeInstanceOf(AbloNotFoundError);
    expect(e).toMatchObject({ statusCode: 400, type: "invalid_request_error", code: "host_not_public", param: "connectionString" });
    await serverLogged(api, e, 400);
  });

  test.each([
    ["another scheme", "invalid_scheme", () => `mysql://app:${CANARY}@db.example.com:3306/shop`],
    ["an IPv4-mapped IPv6 private address", "host_not_public", () => `postgres://app:${CANARY}@[::ffff:10.0.0.1]:5432/shop`],
    ["the metadata address in hex", "host_not_public", () => `postgres://app:${CANARY}@0xA9FEA9FE:5432/shop`],
    ["a host= parameter pointing elsewhere", "host_param_conflict", () => `postgres://app:${CANARY}@db.example.com:5432/shop?host=10.0.0.1`],
    ["a unix socket path", "unix_socket", () => `postgres://app:${CANARY}@%2Fvar%2Frun%2Fpostgresql/shop`],
    [
      "a password in the query string and a private second host",
      "host_not_public",
      () => `postgres://app@db.example.com:5432,10.0.0.1:5432/shop?password=${CANARY}`,
    ],
  ])("%s → AbloInvalidRequestError %s on connectionString", async (_what, code, url) => {
    const e = await rejection(clientFor(api, key).datasources.create({ connectionString: url() }), AbloInvalidRequestError);
    expect(e).toMatchObject({ statusCode: 400, type: "invalid_request_error", code, param: "connectionString" });
    await serverLogged(api, e, 400);
  });

  test("client-side checks fail before sending: unknown parameter, bad id", async () => {
    const ds = clientFor(api, key).datasources;
    const from = clientLog.length;
    const e = await rejection(ds.create({ connectionString: publicUrl(), [`x${CANARY}`]: CANARY }), AbloInvalidRequestError);
    expect(e).toMatchObject({ code: "parameter_invalid", requestId: undefined, statusCode: undefined });
    const bad = await rejection(ds.retrieve("../../v1/datasources"), AbloInvalidRequestError);
    expect(bad).toMatchObject({ code: "parameter_invalid", param: "id", requestId: undefined });
    expect(clientLog.length).toBe(from);
  });

  test("waitForStatus gives up with AbloTimeoutError when verification never runs; an unknown cursor is 404", async () => {
    const ds = clientFor(api, key).datasources;
    const d = await ds.create({ connectionString: publicUrl() });
    const e = await rejection(ds.waitForStatus(d.id, { timeoutMs: 150, pollMs: 30 }), AbloTimeoutError);
    expect(e).toMatchObject({ type: "timeout_error", code: "wait_timeout" });
    expect(await ds.del(d.id)).toEqual({ object: "datasource", id: d.id, deleted: true });
    const cursor = await rejection(ds.list({ starting_after: d.id }), AbloNotFoundError);
    expect(cursor).toMatchObject({ statusCode: 404, code: "resource_missing", param: "starting_after" });
    await serverLogged(api, cursor, 404);
  });

  test("an update that changes the database (or the schema) → AbloInvalidRequestError; the record is unchanged", async () => {
    const ds = clientFor(api, key).datasources;
    const d = await ds.create({ connectionString: publicUrl("shop") });
    const e = await rejection(ds.update(d.id, { connectionString: publicUrl("warehouse") }), AbloInvalidRequestError);
    expect(e).toMatchObject({ statusCode: 400, type: "invalid_request_error", code: "parameter_invalid", param: "connectionString" });
    await serverLogged(api, e, 400);
    const s = await rejection(ds.update(d.id, { schema: "sales" }), AbloInvalidRequestError);
    expect(s).toMatchObject({ statusCode: 400, code: "parameter_invalid", param: "schema" });
    expect(s.requestId).toMatch(REQ_ID);
    expect(await ds.retrieve(d.id)).toEqual(d);
    // The same target with new credentials is a rotation, not an error.
    expect(await ds.update(d.id, { connectionString: publicUrl("shop", "app2") })).toMatchObject({
      id: d.id,
      database: "shop",
      display_name: "app2@db.example.com:5432/shop",
    });
  });

  test("another organization's id → AbloNotFoundError on retrieve, update and del (no existence leak)", async () => {
    const mine = clientFor(api, key).datasources;
    const d = await mine.create({ connectionString: publicUrl(), metadata: { owner: "errors" } });
    const theirs = clientFor(api, await api.createKey("e2e-other-org", "test")).datasources;
    for (const call of [() => theirs.retrieve(d.id), () => theirs.update(d.id, { metadata: { owner: "thief" } }), () => theirs.del(d.id)]) {
      const e = await rejection(call(), AbloNotFoundError);
      expect(e).toMatchObject({ statusCode: 404, type: "invalid_request_error", code: "resource_missing", param: "id" });
      await serverLogged(api, e, 404);
    }
    expect(await mine.retrieve(d.id)).toEqual(d);
  });

  test("a live key with a ds_test_ id → AbloModeMismatchError before any request is sent", async () => {
    const sandbox = clientFor(api, await api.createKey("e2e-modes", "test")).datasources;
    const d = await sandbox.create({ connectionString: publicUrl() });
    expect(d.id).toMatch(/^ds_test_/);
    const live = clientFor(api, await api.createKey("e2e-modes", "live")).datasources;

    // Everything sent so far has reached the server log (the last response's request id is in it).
    const lastSeen = clientLog.filter((l) => l.message === "ablo response").at(-1)?.fields.requestId;
    await eventually(() => accessLog(api).some((l) => l.reqId === lastSeen), "the last request in the server log");
    const linesBefore = accessLog(api).length;
    const logBefore = clientLog.length;
    const calls = [
      () => live.retrieve(d.id),
      () => live.update(d.id, { connectionString: publicUrl() }),
      () => live.del(d.id),
      () => live.list({ starting_after: d.id }),
    ];
    for (const call of calls) {
      const e = await rejection(call(), AbloModeMismatchError);
      expect(e).toMatchObject({
        type: "mode_mismatch_error",
        code: "mode_mismatch",
        keyMode: "live",
        idMode: "test",
        statusCode: undefined,
        requestId: undefined,
      });
      expect(["id", "starting_after"]).toContain(e.param);
    }
    // The client never attempted a request ...
    expect(clientLog.length).toBe(logBefore);
    // ... and the server saw none: the next request it logs is this sentinel.
    const sentinel = await live.list({ limit: 1 });
    expect(sentinel.data).toEqual([]);
    const sentinelId = clientLog.at(-1)?.fields.requestId;
    expect(sentinelId).toMatch(REQ_ID);
    await eventually(() => accessLog(api).some((l) => l.reqId === sentinelId), "the sentinel request in the server log");
    const newLines = accessLog(api).slice(linesBefore);
    expect(newLines.map((l) => `${l.method} ${l.url} ${l.status}`)).toEqual(["GET /v1/datasources?limit= 200"]); // query values are not logged
    expect(api.logs()).not.toContain(d.id);
    // The record is intact for its own mode.
    expect(await sandbox.retrieve(d.id)).toEqual(d);
  });

  test("the canary password never leaks (errors, client log, server log)", () => {
    expectNoCanary([api]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("retries and idempotency against injected faults", () => {
  let api: AbloLocal;
  const url = (database = "shop") => `postgres://app:${CANARY}@db.example.com:5432/${database}`;
  const COLLECTION = "/v1/datasources";

  async function setFaults(rules: unknown[]): Promise<void> {
    const res = await fetch(`${api.baseUrl}/_admin/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rules }),
    });
    expect(res.status).toBe(200);
  }
  async function faultRules(): Promise<Array<{ action: string; fired: number; remaining: number | null }>> {
    const res = await fetch(`${api.baseUrl}/_admin/faults`);
    return ((await res.json()) as { rules: Array<{ action: string; fired: number; remaining: number | null }> }).rules;
  }
  /** A fresh organization per test: its list holds exactly what the test created. */
  async function freshClient(org: string, extra: Partial<AbloClientOptions> = {}): Promise<AbloClient> {
    return clientFor(api, await api.createKey(org, "test"), extra);
  }

  beforeAll(async () => {
    api = await startAbloLocal({ verification: false, rateLimit: 0, admin: true, dnsMap: { "db.example.com": ["8.8.8.8"] } });
  }, 60_000);

  afterEach(async () => {
    await fetch(`${api.baseUrl}/_admin/faults`, { method: "DELETE" });
  });

  afterAll(async () => {
    await api?.stop();
  });

  test("503 twice, then success → retried with backoff, exactly one datasource", async () => {
    const c = await freshClient("e2e-503");
    await setFaults([{ method: "POST", path: COLLECTION, action: "error", status: 503, count: 2 }]);
    const from = clientLog.length;
    const created = await c.datasources.create({ connectionString: url() });
    const attempts = attemptsSince(from, COLLECTION);
    expect(attempts.filter((l) => l.message === "ablo response").map((l) => l.fields.status)).toEqual([503, 503, 200]);
    expect(attempts.filter((l) => l.message === "ablo retry").map((l) => l.fields.code)).toEqual(["injected_fault", "injected_fault"]);
    expect(await faultRules()).toMatchObject([{ action: "error", fired: 2, remaining: 0 }]);
    const { data } = await c.datasources.list();
    expect(data.map((d) => d.id)).toEqual([created.id]);
  });

  test("503 on every attempt → AbloAPIError after maxRetries, nothing created", async () => {
    const c = await freshClient("e2e-503-exhausted");
    await setFaults([{ method: "POST", path: COLLECTION, action: "error", status: 503 }]);
    const e = await rejection(c.datasources.create({ connectionString: url() }), AbloAPIError);
    expect(e).toMatchObject({ statusCode: 503, type: "api_error", code: "injected_fault" });
    await serverLogged(api, e, 503);
    expect(await faultRules()).toMatchObject([{ fired: 3 }]); // 1 + maxRetries
    await setFaults([]);
    expect((await c.datasources.list()).data).toEqual([]);
  });

  test("429 with Retry-After: 1 → the client waits the server's delay, then succeeds", async () => {
    const c = await freshClient("e2e-429", { initialRetryDelayMs: 10, maxRetryDelayMs: 10 });
    await setFaults([{ method: "POST", path: COLLECTION, action: "rate_limit", retryAfter: 1, count: 1 }]);
    const from = clientLog.length;
    const started = Date.now();
    const created = await c.datasources.create({ connectionString: url() });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(950); // not the 10 ms backoff
    expect(elapsed).toBeLessThan(5_000);
    const attempts = attemptsSince(from, COLLECTION);
    expect(attempts.filter((l) => l.message === "ablo response").map((l) => l.fields.status)).toEqual([429, 200]);
    expect(attempts.find((l) => l.message === "ablo retry")?.fields).toMatchObject({ status: 429, code: "rate_limit", delayMs: 1000 });
    expect((await c.datasources.list()).data.map((d) => d.id)).toEqual([created.id]);
  });

  test("429 with no retries left → AbloRateLimitError carrying retryAfterMs", async () => {
    const c = await freshClient("e2e-429-exhausted", { maxRetries: 0 });
    await setFaults([{ method: "GET", path: COLLECTION, action: "rate_limit", retryAfter: 1, count: 1 }]);
    const e = await rejection(c.datasources.list(), AbloRateLimitError);
    expect(e).toMatchObject({ statusCode: 429, type: "rate_limit_error", code: "rate_limit", retryAfterMs: 1000 });
    await serverLogged(api, e, 429);
  });

  test("commit, then drop the response → the retry reuses the Idempotency-Key, the server replays: exactly one datasource", async () => {
    const c = await freshClient("e2e-drop");
    await setFaults([{ method: "POST", path: COLLECTION, action: "drop_after_commit", count: 1 }]);
    const from = clientLog.length;
    // No explicit key: the client's own generated key must be reused by its retry.
    const created = await c.datasources.create({ connectionString: url(), metadata: { case: "drop" } });
    expect(created).toMatchObject({ object: "datasource", status: "unverified", metadata: { case: "drop" }, host: "db.example.com" });

    const attempts = attemptsSince(from, COLLECTION);
    expect(attempts.map((l) => l.message)).toEqual(["ablo request", "ablo request failed", "ablo retry", "ablo request", "ablo response"]);
    expect(attempts[1]!.fields.code).toBe("ECONNRESET");
    expect(attempts[4]!.fields.status).toBe(200);

    // The server committed on the first attempt and replayed on the second.
    const replayId = attempts[4]!.fields.requestId;
    expect(replayId).toMatch(REQ_ID);
    await eventually(() => accessLog(api).some((l) => l.reqId === replayId), "the replayed POST in the server log");
    const allPosts = accessLog(api).filter((l) => l.method === "POST" && l.url === COLLECTION);
    const posts = allPosts.slice(0, allPosts.findIndex((l) => l.reqId === replayId) + 1).slice(-2);
    expect(posts.map((l) => [l.status, l.note])).toEqual([
      [0, "fault: response dropped after commit"],
      [200, undefined],
    ]);
    expect(await faultRules()).toMatchObject([{ action: "drop_after_commit", fired: 1, remaining: 0 }]);

    const { data } = await c.datasources.list();
    expect(data.map((d) => d.id)).toEqual([created.id]);
    expect(data[0]).toEqual(created);
  });

  test("a connection reset before the request is handled → retried, exactly one datasource", async () => {
    const c = await freshClient("e2e-reset");
    await setFaults([{ method: "POST", path: COLLECTION, action: "reset", count: 1 }]);
    const from = clientLog.length;
    const created = await c.datasources.create({ connectionString: url() });
    const attempts = attemptsSince(from, COLLECTION);
    expect(attempts.filter((l) => l.message === "ablo request failed").map((l) => l.fields.code)).toEqual(["ECONNRESET"]);
    expect(attempts.filter((l) => l.message === "ablo response").map((l) => l.fields.status)).toEqual([200]);
    expect((await c.datasources.list()).data.map((d) => d.id)).toEqual([created.id]);
  });

  test("a client timeout on a slow first attempt → retried with the same key: exactly one datasource, also after the abandoned attempt ends", async () => {
    // Wide margins: the retried attempt must finish within timeoutMs even on a loaded 2-core machine.
    const c = await freshClient("e2e-timeout", { timeoutMs: 1500 });
    await setFaults([{ method: "POST", path: COLLECTION, action: "latency", latencyMs: 4000, count: 1 }]);
    const from = clientLog.length;
    const created = await c.datasources.create({ connectionString: url(), metadata: { case: "timeout" } });
    const attempts = attemptsSince(from, COLLECTION);
    expect(attempts.filter((l) => l.message === "ablo request failed").map((l) => l.fields.code)).toEqual(["request_timeout"]);
    expect(attempts.filter((l) => l.message === "ablo response").map((l) => l.fields.status)).toEqual([200]);
    // Let the abandoned first attempt run out its delay on the server (replayed or dropped), then count.
    await sleep(4000);
    expect((await c.datasources.list()).data.map((d) => d.id)).toEqual([created.id]);
  });

  test("the same explicit Idempotency-Key: same body replays, another body → AbloIdempotencyError (not retried)", async () => {
    const c = await freshClient("e2e-idem");
    const idempotencyKey = `e2e-${randomBytes(8).toString("hex")}`;
    const first = await c.datasources.create({ connectionString: url(), metadata: { k: "v" } }, { idempotencyKey });
    const replay = await c.datasources.create({ connectionString: url(), metadata: { k: "v" } }, { idempotencyKey });
    expect(replay).toEqual(first);

    const from = clientLog.length;
    const e = await rejection(c.datasources.create({ connectionString: url("warehouse"), metadata: { k: "v" } }, { idempotencyKey }), AbloIdempotencyError);
    expect(e).toMatchObject({ statusCode: 409, type: "idempotency_error", code: "idempotency_key_reused" });
    await serverLogged(api, e, 409);
    expect(attemptsSince(from, COLLECTION).filter((l) => l.message === "ablo request")).toHaveLength(1);

    const { data } = await c.datasources.list();
    expect(data.map((d) => d.id)).toEqual([first.id]);
    expect(data[0]).toMatchObject({ database: "shop" });
  });

  test("the canary password never leaks (errors, client log, server log)", () => {
    expectNoCanary([api]);
  });
});
