/**
 * The client against an API that is not ablo-local: routes it lacks, a base URL that is not the
 * Ablo API, and answers that break the contract. Real HTTP servers on loopback; the DNS case
 * relies on test/setup/loopback-only.ts, which answers every name but localhost as unknown.
 */
import dns from "node:dns";
import { createServer, type Server } from "node:net";
import {
  AbloAuthenticationError,
  AbloEndpointError,
  AbloNotFoundError,
  AbloResponseValidationError,
  AbloRouteNotFoundError,
  type AbloClient,
} from "@ablo/client";
import { apiError, directDs, json, type TestServer } from "./helpers/server";
import { clientFor, CONN, expectNoLeak, rejectionOf, testServerPerTest, TEST_KEY } from "./helpers/client";

let server: TestServer;
testServerPerTest((s) => (server = s));

const PW = "s3cret-pw";

describe("a route the API does not serve", () => {
  it.each([
    ["an HTML 404", (res: Parameters<typeof json>[0]) => (res.writeHead(404, { "Content-Type": "text/html" }), res.end("<h1>Not Found</h1>"))],
    ["a loose JSON 404 (No such route.)", (res: Parameters<typeof json>[0]) => json(res, 404, { error: { message: "No such route." } })],
    [
      "the contract's shape with another code",
      (res: Parameters<typeof json>[0]) =>
        apiError(res, 404, { type: "invalid_request_error", code: "unrecognized_request_url", message: "Unrecognized request URL" }),
    ],
    ["a 405", (res: Parameters<typeof json>[0]) => json(res, 405, { error: { message: "Method Not Allowed" } })],
    ["a 501", (res: Parameters<typeof json>[0]) => apiError(res, 501, { type: "api_error", message: "Not Implemented" })],
  ])("%s is an AbloRouteNotFoundError naming the route, asked once (never retried)", async (_what, answer) => {
    server.handler = (_req, res) => answer(res);
    const client = clientFor(server, { maxRetries: 5 });
    const err = await rejectionOf(() => client.datasources.del("ds_test_abc"));
    expect(err).toBeInstanceOf(AbloRouteNotFoundError);
    expect(err).not.toBeInstanceOf(AbloNotFoundError);
    expect((err as AbloRouteNotFoundError).route).toBe("DELETE /v1/datasources/{id}");
    expect((err as Error).message).toMatch(/^DELETE \/v1\/datasources\/\{id\} is not served by this API \(HTTP \d{3}/);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ["create", (c: AbloClient) => c.datasources.create({ connectionString: CONN }), "POST /v1/datasources"],
    ["list", (c: AbloClient) => c.datasources.list(), "GET /v1/datasources"],
  ])("a 404 on the collection (%s) is a missing route even with the contract's resource_missing: no id to be gone", async (_what, call, route) => {
    server.handler = (_req, res) => apiError(res, 404, { type: "invalid_request_error", code: "resource_missing", message: "No such datasource" });
    const err = await rejectionOf(() => call(clientFor(server, { maxRetries: 5 })));
    expect(err).toBeInstanceOf(AbloRouteNotFoundError);
    expect((err as AbloRouteNotFoundError).route).toBe(route);
    expect(server.requests).toHaveLength(1);
  });

  it("only the contract's resource_missing is a datasource that is gone", async () => {
    server.handler = (_req, res) => apiError(res, 404, { type: "invalid_request_error", code: "resource_missing", message: "No such datasource" });
    expect(await rejectionOf(() => clientFor(server).datasources.retrieve("ds_test_abc"))).toBeInstanceOf(AbloNotFoundError);
  });
});

describe("probe: is the base URL the Ablo API?", () => {
  const timed = async (client: AbloClient) => {
    const started = Date.now();
    const err = await rejectionOf(() => client.probe());
    return { err: err as Error, seconds: (Date.now() - started) / 1000 };
  };

  it("an Ablo answer (404 resource_missing, 403) passes", async () => {
    server.handler = (_req, res) => apiError(res, 404, { type: "invalid_request_error", code: "resource_missing", message: "No such datasource" });
    await clientFor(server).probe();
    server.handler = (_req, res) => apiError(res, 403, { type: "permission_error", message: "scope" });
    await clientFor(server).probe();
  });

  it("an API without the retrieve route (an HTML 404 page for it) passes on the documented route's 400, and nothing is created", async () => {
    server.handler = (req, res) => {
      if (req.method === "POST" && req.url === "/v1/datasources") {
        return apiError(res, 400, { type: "invalid_request_error", code: "parameter_missing", param: "connectionString", message: "Missing connectionString" });
      }
      res.writeHead(404, { "Content-Type": "text/html" });
      res.end("<h1>Not Found</h1>");
    };
    await clientFor(server).probe();
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["GET /v1/datasources/ds_test_abloprobe0", "POST /v1/datasources"]);
    expect(server.requests[1]!.body).toBe("{}");
  });

  it("a refused key is the authentication error", async () => {
    server.handler = (_req, res) => apiError(res, 401, { type: "authentication_error", message: "Invalid API key" });
    expect(await rejectionOf(() => clientFor(server).probe())).toBeInstanceOf(AbloAuthenticationError);
  });

  it.each([
    ["HTML for everything", (res: Parameters<typeof json>[0]) => (res.writeHead(200, { "Content-Type": "text/html" }), res.end("<html>welcome</html>"))],
    ["404 HTML for everything", (res: Parameters<typeof json>[0]) => (res.writeHead(404, { "Content-Type": "text/html" }), res.end("<h1>404</h1>"))],
    [
      "another API's JSON 404",
      (res: Parameters<typeof json>[0]) => json(res, 404, { message: "Route GET:/v1/x not found", error: "Not Found", statusCode: 404 }),
    ],
  ])("a server that is not Ablo (%s) fails in seconds, naming the URL", async (_what, answer) => {
    server.handler = (_req, res) => answer(res);
    const { err, seconds } = await timed(clientFor(server, { retryBudgetMs: 120_000 }));
    expect(err).toBeInstanceOf(AbloEndpointError);
    expect(err.message).toContain(`${server.url} does not answer like the Ablo API`);
    expect(seconds).toBeLessThan(10);
  });

  it("a port that refuses fails within 10 s, naming the URL, even with a 2-minute retry budget", async () => {
    const url = server.url;
    await server.close();
    const { err, seconds } = await timed(clientFor({ url } as TestServer, { retryBudgetMs: 120_000, initialRetryDelayMs: 250, maxRetryDelayMs: 4_000 }));
    expect(err).toBeInstanceOf(AbloEndpointError);
    expect(err.message).toMatch(new RegExp(`^${url} cannot be reached: .*ECONNREFUSED`));
    expect(seconds).toBeLessThan(10);
  });

  it("a name that does not resolve fails at once (no DNS query: the test resolver knows no names)", async () => {
    const started = Date.now();
    const client = clientFor({ url: "https://api.ablo.invalid" } as TestServer, { retryBudgetMs: 120_000 });
    const err = (await rejectionOf(() => client.probe())) as Error;
    expect(dns.lookup.name).toBe("lookup"); // the tests' resolver (test/setup/loopback-only.cjs), not the system's
    expect(err).toBeInstanceOf(AbloEndpointError);
    expect(err.message).toMatch(/^https:\/\/api\.ablo\.invalid cannot be reached: .*ENOTFOUND/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("once the API has answered, a restart is ridden out: connection failures are retried for the whole budget", async () => {
    let n = 0;
    server.handler = (_req, res) => json(res, 200, directDs({ id: `ds_test_${++n}` }));
    const client = clientFor(server, { retryBudgetMs: 20_000, initialRetryDelayMs: 200, maxRetryDelayMs: 500 });
    await client.datasources.retrieve("ds_test_1");
    const port = Number(new URL(server.url).port);
    await server.close();
    // Down for 6 s, more than the first-contact budget (5 s), then back on the same port.
    let replacement: Server | undefined;
    setTimeout(() => {
      replacement = createServer((socket) => {
        socket.once("data", () => {
          const body = JSON.stringify(directDs({ id: "ds_test_back" }));
          socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        });
      }).listen(port, "127.0.0.1");
    }, 6_000);
    try {
      expect((await client.datasources.retrieve("ds_test_1")).id).toBe("ds_test_back");
    } finally {
      await new Promise((r) => (replacement ? replacement.close(r) : r(undefined)));
    }
  }, 30_000);
});

describe("answers that break the contract", () => {
  it.each([
    ["a missing id", JSON.stringify({ ...directDs(), id: undefined })],
    ["wrong types", JSON.stringify({ ...directDs(), livemode: "yes", created: "today" })],
    ["HTML with a 200", "<html>ok</html>"],
    ["truncated JSON", JSON.stringify(directDs()).slice(0, 40)],
    ["a 200 with an error body", JSON.stringify({ error: { type: "api_error", message: "oops" } })],
  ])("a create answered with %s is asked again under the same key, then fails typed, without the secret", async (_what, text) => {
    server.handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(text);
    };
    const err = await rejectionOf(() => clientFor(server).datasources.create({ connectionString: CONN }));
    expect(err).toBeInstanceOf(AbloResponseValidationError);
    expectNoLeak(err, [PW, TEST_KEY]);
    const keys = new Set(server.requests.map((r) => r.headers["idempotency-key"]));
    expect([server.requests.length, keys.size]).toEqual([5, 1]);
  });

  it("unreadable answers and transient failures are counted apart: five asks, each with its own retries, all under one key", async () => {
    // 503, garbled, 503, garbled, …: with one retry allowed, a shared count would stop at the second 503.
    server.handler = (_req, res, n) => {
      if (n % 2 === 1) return apiError(res, 503, { type: "api_error", message: "busy" });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end("<html>ok</html>");
    };
    const err = await rejectionOf(() => clientFor(server, { maxRetries: 1 }).datasources.create({ connectionString: CONN }));
    expect(err).toBeInstanceOf(AbloResponseValidationError);
    const keys = new Set(server.requests.map((r) => r.headers["idempotency-key"]));
    expect([server.requests.length, keys.size]).toEqual([10, 1]);
  });

  it("a create whose answer was unreadable once is replayed on the second ask: one datasource, not two", async () => {
    const made = new Map<string, Record<string, unknown>>();
    server.handler = (req, res) => {
      const key = String(req.headers["idempotency-key"]);
      const first = !made.has(key);
      if (first) made.set(key, directDs());
      if (first) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(made.get(key)).slice(0, 30)); // cut short
        return;
      }
      json(res, 200, made.get(key), { "Idempotent-Replayed": "true" });
    };
    const client = clientFor(server);
    const { datasource, replayed } = await client.datasources.createOrReplay({ connectionString: CONN });
    expect([made.size, datasource.id, replayed]).toEqual([1, made.values().next().value!.id, true]);
  });

  it.each([
    ["the server's Date", "Tue, 01 Dec 2026 10:00:00 GMT", 1_796_119_200],
    ["no Date", undefined, undefined],
    ["a Date that is not an HTTP date", "yesterday-ish", undefined],
  ])("a create with %s says the server's clock (serverTime) as it is", async (_what, date, serverTime) => {
    server.handler = (_req, res) => {
      res.sendDate = false; // node:http's own Date, unless the row gives one
      json(res, 200, directDs(), date === undefined ? {} : { Date: date });
    };
    const answered = await clientFor(server).datasources.createOrReplay({ connectionString: CONN });
    expect(answered.serverTime).toBe(serverTime);
  });

  it("a create answered 200 whose connection then dropped is retried under the same key and replayed", async () => {
    const made = new Map<string, Record<string, unknown>>();
    server.handler = (req, res) => {
      const key = String(req.headers["idempotency-key"]);
      if (!made.has(key)) {
        made.set(key, directDs());
        const body = JSON.stringify(made.get(key));
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(body.length) });
        res.write(body.slice(0, 20));
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      json(res, 200, made.get(key), { "Idempotent-Replayed": "true" });
    };
    const ds = await clientFor(server).datasources.create({ connectionString: CONN });
    expect([made.size, ds.id]).toEqual([1, made.values().next().value!.id]);
  });
});
