import * as http from "node:http";
import { AbloClient, AbloConfigurationError, AbloInsecureTransportError, AbloModeMismatchError, AbloNotFoundError, isLoopbackHost } from "@ablo/client";
import { clientFor, closeClients, CONN, LIVE_KEY, rejectionOf, TEST_KEY, thrownBy } from "./helpers/client";
import { directDs, json, TestServer } from "./helpers/server";

let server: TestServer;
beforeEach(async () => {
  server = await TestServer.start((_req, res) => json(res, 200, directDs()));
});
afterEach(async () => {
  closeClients();
  await server.close();
});

/** An agent that records, and refuses, every attempt to open a socket. */
class TrapAgent extends http.Agent {
  dials = 0;
  override createConnection(): never {
    this.dials += 1;
    throw new Error("dialed");
  }
}

describe("keep-alive", () => {
  it("reuses one TCP connection across sequential requests", async () => {
    const client = clientFor(server);
    for (let i = 0; i < 5; i++) await client.datasources.retrieve("ds_test_1");
    expect(server.requests).toHaveLength(5);
    expect(server.connections).toBe(1);
    expect(new Set(server.requests.map((r) => r.socket))).toEqual(new Set([1]));
  });

  it("sends the key, Accept and a User-Agent on each request", async () => {
    await clientFor(server).datasources.retrieve("ds_test_1");
    const headers = server.requests[0]?.headers;
    expect(headers?.authorization).toBe(`Bearer ${TEST_KEY}`);
    expect(headers?.accept).toBe("application/json");
    expect(headers?.["user-agent"]).toMatch(/^ablo-client\//);
    expect(headers?.connection).toBe("keep-alive");
  });
});

describe("insecure transport", () => {
  it.each(["http://db.example.invalid", "http://api.example.com", "http://10.0.0.1:8080", "http://[::ffff:10.0.0.1]"])(
    "refuses %s before dialing, for a connection string and for the API key",
    async (baseUrl) => {
      const agent = new TrapAgent();
      const logs: string[] = [];
      const client = new AbloClient({ apiKey: TEST_KEY, baseUrl, httpAgent: agent, logger: { debug: (m) => logs.push(m) } });
      const create = await rejectionOf(() => client.datasources.create({ connectionString: CONN }));
      expect(create).toBeInstanceOf(AbloInsecureTransportError);
      expect((create as Error).message).toContain("connection string");
      const rotate = await rejectionOf(() => client.datasources.update("ds_test_1", { connectionString: CONN }));
      expect(rotate).toBeInstanceOf(AbloInsecureTransportError);
      const get = await rejectionOf(() => client.datasources.retrieve("ds_test_1"));
      expect(get).toBeInstanceOf(AbloInsecureTransportError);
      expect((get as Error).message).toContain("API key");
      expect(agent.dials).toBe(0);
      expect(logs).toEqual([]);
    },
  );

  it("allows plain http to a loopback server", async () => {
    await expect(clientFor(server).datasources.create({ connectionString: CONN })).resolves.toMatchObject({ object: "datasource" });
  });

  it("classifies loopback hosts as WHATWG URL spells them", () => {
    const host = (u: string) => new URL(u).hostname;
    for (const u of [
      "http://127.0.0.1",
      "http://127.1.2.3",
      "http://0x7f.1",
      "http://2130706433",
      "http://[::1]",
      "http://[0:0:0:0:0:0:0:1]",
      "http://[::ffff:127.0.0.1]",
      "http://localhost",
      "http://LOCALHOST.",
      "http://localhost:8080",
    ]) {
      expect([u, isLoopbackHost(host(u))]).toEqual([u, true]);
    }
    for (const u of [
      "http://128.0.0.1",
      "http://10.0.0.1",
      "http://[::2]",
      "http://[::ffff:10.0.0.1]",
      "http://localhost.example.com",
      "http://127.0.0.1.nip.io",
      "http://api.example.com",
      "http://[fe80::1]",
    ]) {
      expect([u, isLoopbackHost(host(u))]).toEqual([u, false]);
    }
  });
});

describe("configuration", () => {
  it.each([
    [{ apiKey: "" }, "apiKey"],
    [{ apiKey: "sk_test_a\r\nX-Evil: 1" }, "apiKey"],
    [{ apiKey: TEST_KEY, baseUrl: "not a url" }, "baseUrl"],
    [{ apiKey: TEST_KEY, baseUrl: "ftp://api.example.com" }, "baseUrl"],
    [{ apiKey: TEST_KEY, baseUrl: "https://user:pw@api.example.com" }, "baseUrl"],
    [{ apiKey: TEST_KEY, timeoutMs: 0 }, "timeoutMs"],
    [{ apiKey: TEST_KEY, maxRetries: 1.5 }, "maxRetries"],
  ])("%j is rejected naming %s", (options, param) => {
    const err = thrownBy(() => new AbloClient(options));
    expect(err).toBeInstanceOf(AbloConfigurationError);
    expect((err as AbloConfigurationError).param).toBe(param);
    expect(String(err)).not.toContain("pw@");
  });

  it("keeps a base URL path prefix", async () => {
    const client = clientFor(server, { baseUrl: `${server.url}/ablo/` });
    await client.datasources.retrieve("ds_test_1");
    expect(server.requests[0]?.path).toBe("/ablo/v1/datasources/ds_test_1");
  });
});

describe("mode mismatch", () => {
  it.each([
    [LIVE_KEY, "ds_test_abc", "live", "test"],
    [TEST_KEY, "ds_abc", "test", "live"],
    ["cap_live_scoped000", "ds_test_abc", "live", "test"],
    ["cap_test_scoped000", "ds_abc", "test", "live"],
  ])("%s with %s is refused before the request", async (apiKey, id, keyMode, idMode) => {
    const client = clientFor(server, { apiKey });
    for (const call of [
      () => client.datasources.retrieve(id),
      () => client.datasources.update(id, { metadata: {} }),
      () => client.datasources.del(id),
      () => client.datasources.list({ starting_after: id }),
    ]) {
      const err = await rejectionOf(call);
      expect(err).toBeInstanceOf(AbloModeMismatchError);
      expect(err).toMatchObject({ keyMode, idMode, code: "mode_mismatch", type: "mode_mismatch_error" });
    }
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [LIVE_KEY, "ds_abc"],
    [TEST_KEY, "ds_test_abc"],
    [LIVE_KEY, "dse_abc"],
    [TEST_KEY, "dse_abc"],
    ["opaque-capability-token", "ds_test_abc"],
  ])("%s with %s is sent", async (apiKey, id) => {
    await clientFor(server, { apiKey }).datasources.retrieve(id);
    expect(server.requests).toHaveLength(1);
  });
});

describe("logger", () => {
  it("logs method, path, status, request id and attempt; never headers or bodies", async () => {
    server.handler = (_req, res, n) =>
      n === 1
        ? json(res, 503, { error: { type: "api_error", message: "x" } }, { "Request-Id": "req_a" })
        : json(res, 200, directDs(), { "Request-Id": "req_b" });
    const lines: Array<[string, Record<string, unknown>]> = [];
    const client = clientFor(server, { logger: { debug: (m, f) => lines.push([m, f]) } });
    await client.datasources.create({ connectionString: CONN, metadata: { note: "hello" } });

    const responses = lines.filter(([m]) => m === "ablo response").map(([, f]) => f);
    expect(responses).toEqual([
      expect.objectContaining({ method: "POST", path: "/v1/datasources", status: 503, requestId: "req_a", attempt: 1 }),
      expect.objectContaining({ method: "POST", path: "/v1/datasources", status: 200, requestId: "req_b", attempt: 2 }),
    ]);
    expect(lines.some(([m]) => m === "ablo retry")).toBe(true);
    const text = JSON.stringify(lines);
    for (const forbidden of [TEST_KEY, "Bearer", CONN, "hello", "Idempotency", "authorization"]) expect(text).not.toContain(forbidden);
  });

  it("a throwing logger does not break requests", async () => {
    const client = clientFor(server, {
      logger: {
        debug: () => {
          throw new Error("logger down");
        },
      },
    });
    await expect(client.datasources.retrieve("ds_test_1")).resolves.toBeDefined();
  });
});

it("instanceof works across the hierarchy", async () => {
  server.handler = (_req, res) => json(res, 404, { error: { type: "invalid_request_error", code: "resource_missing", message: "No such datasource" } });
  const err = await rejectionOf(() => clientFor(server).datasources.retrieve("ds_test_x"));
  expect(err).toBeInstanceOf(AbloNotFoundError);
  expect(err).toBeInstanceOf(Error);
});
