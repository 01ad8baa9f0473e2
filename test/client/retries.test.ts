import { AbloConnectionError, AbloInvalidRequestError, AbloRateLimitError, AbloTimeoutError, AbloAPIError, type AbloError } from "@ablo/client";
import { clientFor, CONN, rejectionOf, testServerPerTest } from "./helpers/client";
import { apiError, directDs, json, type TestServer } from "./helpers/server";

let server: TestServer;
testServerPerTest((s) => (server = s));

const keysOf = () => server.requests.map((r) => r.headers["idempotency-key"]);

describe("429", () => {
  it("retries after Retry-After, capped by maxRetryAfterMs, with the same Idempotency-Key", async () => {
    server.handler = (_req, res, n) =>
      n === 1 ? apiError(res, 429, { type: "rate_limit_error", message: "slow down" }, { "Retry-After": "30" }) : json(res, 200, directDs());
    const started = Date.now();
    await clientFor(server, { maxRetryAfterMs: 80 }).datasources.create({ connectionString: CONN });
    const elapsed = Date.now() - started;
    expect(server.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(70);
    expect(elapsed).toBeLessThan(5_000);
    const [first, second] = keysOf();
    expect(first).toBeDefined();
    expect(second).toBe(first);
  });

  it("honours a Retry-After below the cap", async () => {
    server.handler = (_req, res, n) =>
      n === 1 ? apiError(res, 429, { type: "rate_limit_error", message: "slow down" }, { "Retry-After": "1" }) : json(res, 200, directDs());
    const started = Date.now();
    await clientFor(server, { maxRetryAfterMs: 10_000 }).datasources.retrieve("ds_test_1");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("gives up after maxRetries with AbloRateLimitError carrying retryAfterMs", async () => {
    server.handler = (_req, res) => apiError(res, 429, { type: "rate_limit_error", code: "rate_limited", message: "slow down" }, { "Retry-After": "2" });
    const err = await rejectionOf(() => clientFor(server, { maxRetries: 2, maxRetryAfterMs: 5 }).datasources.create({ connectionString: CONN }));
    expect(err).toBeInstanceOf(AbloRateLimitError);
    expect((err as AbloRateLimitError).retryAfterMs).toBe(2_000);
    expect(server.requests).toHaveLength(3);
    expect(new Set(keysOf()).size).toBe(1);
  });
});

describe("5xx", () => {
  it("retries 503 with backoff and the same Idempotency-Key, then succeeds", async () => {
    server.handler = (_req, res, n) => (n < 3 ? apiError(res, 503, { type: "api_error", message: "unavailable" }) : json(res, 200, directDs()));
    await clientFor(server).datasources.update("ds_test_1", { metadata: { a: "b" } });
    expect(server.requests).toHaveLength(3);
    expect(new Set(keysOf()).size).toBe(1);
  });

  it("retries GET and DELETE too (idempotent)", async () => {
    server.handler = (req, res, n) =>
      n % 2 === 1
        ? apiError(res, 500, { type: "api_error", message: "oops" })
        : req.method === "DELETE"
          ? json(res, 200, { object: "datasource", id: "ds_test_1", deleted: true })
          : json(res, 200, directDs());
    const client = clientFor(server);
    await client.datasources.retrieve("ds_test_1");
    await client.datasources.del("ds_test_1");
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "GET", "DELETE", "DELETE"]);
  });

  it("ends with AbloAPIError after maxRetries", async () => {
    server.handler = (_req, res) => apiError(res, 500, { type: "api_error", message: "down" });
    const err = await rejectionOf(() => clientFor(server, { maxRetries: 1 }).datasources.retrieve("ds_test_1"));
    expect(err).toBeInstanceOf(AbloAPIError);
    expect(server.requests).toHaveLength(2);
  });
});

describe("no retry", () => {
  it.each([400, 401, 403, 404, 409])("on %i", async (status) => {
    const type = { 400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "invalid_request_error", 409: "idempotency_error" }[
      status
    ];
    server.handler = (_req, res) => apiError(res, status, { type, message: "no" });
    await rejectionOf(() => clientFor(server, { maxRetries: 3 }).datasources.create({ connectionString: CONN }));
    expect(server.requests).toHaveLength(1);
  });
});

describe("idempotency keys", () => {
  it("a new logical POST gets a new key", async () => {
    server.handler = (_req, res) => json(res, 200, directDs());
    const client = clientFor(server);
    await client.datasources.create({ connectionString: CONN });
    await client.datasources.create({ connectionString: CONN });
    await client.datasources.update("ds_test_1", { metadata: {} });
    const keys = keysOf();
    expect(new Set(keys).size).toBe(3);
  });

  it("a caller's key is sent on every retry", async () => {
    server.handler = (_req, res, n) => (n === 1 ? apiError(res, 502, { type: "api_error", message: "x" }) : json(res, 200, directDs()));
    await clientFor(server).datasources.create({ connectionString: CONN }, { idempotencyKey: "my-key-1" });
    expect(keysOf()).toEqual(["my-key-1", "my-key-1"]);
  });
});

describe("connection errors", () => {
  it("retries a reset connection (server destroys the socket) with the same key", async () => {
    server.handler = (req, res, n) => {
      if (n === 1) res.socket?.destroy();
      else json(res, 200, directDs());
    };
    await clientFor(server).datasources.create({ connectionString: CONN });
    expect(server.requests).toHaveLength(2);
    const [first, second] = keysOf();
    expect(second).toBe(first);
  });

  it("ends with AbloConnectionError (ECONNRESET) when every attempt is reset", async () => {
    server.handler = (_req, res) => {
      res.socket?.destroy();
    };
    const err = await rejectionOf(() => clientFor(server, { maxRetries: 2 }).datasources.retrieve("ds_test_1"));
    expect(err).toBeInstanceOf(AbloConnectionError);
    expect((err as AbloError).code).toBe("ECONNRESET");
    expect((err as AbloError).type).toBe("connection_error");
    expect(server.requests).toHaveLength(3);
  });

  it("retries ECONNREFUSED and then reports it", async () => {
    const url = server.url;
    await server.close();
    const logs: Array<Record<string, unknown>> = [];
    const client = clientFor(server, { baseUrl: url, maxRetries: 2, logger: { debug: (_m, f) => logs.push(f) } });
    const err = await rejectionOf(() => client.datasources.retrieve("ds_test_1"));
    expect(err).toBeInstanceOf(AbloConnectionError);
    expect((err as AbloError).code).toBe("ECONNREFUSED");
    expect(logs.filter((l) => l.delayMs !== undefined)).toHaveLength(2);
  });
});

describe("timeouts", () => {
  it("an attempt that exceeds timeoutMs is AbloTimeoutError", async () => {
    server.handler = () => undefined; // never answers
    const started = Date.now();
    const err = await rejectionOf(() => clientFor(server, { timeoutMs: 100, maxRetries: 0 }).datasources.retrieve("ds_test_1"));
    expect(err).toBeInstanceOf(AbloTimeoutError);
    expect((err as AbloError).code).toBe("request_timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("the deadline covers a server that drips its body", async () => {
    server.handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const timer = setInterval(() => res.write(" "), 20);
      res.on("close", () => clearInterval(timer));
    };
    const err = await rejectionOf(() => clientFor(server, { timeoutMs: 150, maxRetries: 0 }).datasources.retrieve("ds_test_1"));
    expect(err).toBeInstanceOf(AbloTimeoutError);
  });

  it("a timed-out POST is retried with the same Idempotency-Key", async () => {
    server.handler = (_req, res, n) => (n === 1 ? undefined : json(res, 200, directDs()));
    await clientFor(server, { timeoutMs: 150, maxRetries: 1 }).datasources.create({ connectionString: CONN });
    expect(server.requests).toHaveLength(2);
    const [first, second] = keysOf();
    expect(second).toBe(first);
  });
});

it("client-side parameter errors are never retried nor sent", async () => {
  const err = await rejectionOf(() => clientFor(server).datasources.create({ connectionString: "" }));
  expect(err).toBeInstanceOf(AbloInvalidRequestError);
  expect(server.requests).toHaveLength(0);
});
