import { AbloNotFoundError, AbloResponseValidationError, AbloInvalidRequestError, AbloTimeoutError } from "@ablo/client";
import { clientFor, CONN, rejectionOf, TEST_KEY, testServerPerTest } from "./helpers/client";
import { apiError, directDs, endpointDs, json, type TestServer } from "./helpers/server";

/** The reference page's example response, verbatim: no `connection`, no `status`, fields of both kinds. */
const REFERENCE_EXAMPLE = {
  object: "datasource",
  id: "<string>",
  livemode: true,
  metadata: {},
  created: 123,
  provider: "postgresql",
  host: "<string>",
  database: "<string>",
  schema: "<string>",
  display_name: "<string>",
  endpoint: "<string>",
  key_last4: "<string>",
  cursor: "<string>",
  event_lag: 123,
  retry_count: 123,
  last_request_at: 123,
  last_success_at: 123,
  last_error: "<string>",
};

let server: TestServer;
testServerPerTest((s) => (server = s));

describe("create", () => {
  it("POSTs the params with defaults applied, bearer auth and an Idempotency-Key", async () => {
    const ds = directDs();
    server.handler = (_req, res) => json(res, 200, ds);
    const created = await clientFor(server).datasources.create({ connectionString: CONN, metadata: { team: "data" } });

    expect(created).toEqual(ds);
    const [req] = server.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/v1/datasources");
    expect(req?.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(req?.json).toEqual({ connectionString: CONN, connection: "direct", schema: "public", metadata: { team: "data" } });
  });

  it("sends a caller's Idempotency-Key as given", async () => {
    server.handler = (_req, res) => json(res, 200, directDs());
    await clientFor(server).datasources.create({ connectionString: CONN }, { idempotencyKey: "pulumi-urn-123" });
    expect(server.requests[0]?.headers["idempotency-key"]).toBe("pulumi-urn-123");
  });

  it("refuses bad params before sending, naming the parameter", async () => {
    const client = clientFor(server);
    const err = await rejectionOf(() => client.datasources.create({ connectionString: CONN, schema: "bad-name" }));
    expect(err).toBeInstanceOf(AbloInvalidRequestError);
    expect((err as AbloInvalidRequestError).param).toBe("schema");
    const unknown = await rejectionOf(() => client.datasources.create({ connectionString: CONN, colour: "red" } as never));
    expect(unknown).toBeInstanceOf(AbloInvalidRequestError);
    const badKey = await rejectionOf(() => client.datasources.create({ connectionString: CONN }, { idempotencyKey: "x".repeat(256) }));
    expect((badKey as AbloInvalidRequestError).param).toBe("idempotencyKey");
    expect(server.requests).toHaveLength(0);
  });
});

describe("retrieve", () => {
  it("GETs by id, without an Idempotency-Key", async () => {
    const ds = directDs({ status: "active" });
    server.handler = (_req, res) => json(res, 200, ds);
    const got = await clientFor(server).datasources.retrieve(ds.id as string);
    expect(got).toEqual(ds);
    expect(server.requests[0]?.method).toBe("GET");
    expect(server.requests[0]?.path).toBe(`/v1/datasources/${ds.id as string}`);
    expect(server.requests[0]?.headers["idempotency-key"]).toBeUndefined();
  });

  it("parses the reference page's example (no connection, no status) as a direct datasource", async () => {
    server.handler = (_req, res) => json(res, 200, REFERENCE_EXAMPLE);
    const got = await clientFor(server).datasources.retrieve("ds_test_example");
    expect(got.connection).toBe("direct");
    expect(got.status).toBeUndefined();
    if (got.connection !== "direct") throw new Error("narrowing");
    expect(got.host).toBe("<string>");
    expect(got.display_name).toBe("<string>");
  });

  it("parses the endpoint kind, inferring `connection` from the dse_ prefix when missing", async () => {
    const { connection: _omitted, ...body } = endpointDs();
    server.handler = (_req, res) => json(res, 200, body);
    const got = await clientFor(server).datasources.retrieve("dse_000001");
    expect(got.connection).toBe("endpoint");
    if (got.connection !== "endpoint") throw new Error("narrowing");
    expect(got.endpoint).toBe("https://hooks.example.com/ablo");
    expect(got.key_last4).toBe("ab12");
  });

  it("tolerates unknown fields, and does not pass them through", async () => {
    server.handler = (_req, res) => json(res, 200, directDs({ brand_new_field: { nested: true }, another: 1 }));
    const got = await clientFor(server).datasources.retrieve("ds_test_1");
    expect(got).not.toHaveProperty("brand_new_field");
    expect(got.object).toBe("datasource");
  });

  it("a missing required field is an AbloResponseValidationError naming the field", async () => {
    const { livemode: _gone, ...body } = directDs();
    server.handler = (_req, res) => json(res, 200, body, { "Request-Id": "req_missing" });
    const err = await rejectionOf(() => clientFor(server).datasources.retrieve("ds_test_1"));
    expect(err).toBeInstanceOf(AbloResponseValidationError);
    const e = err as AbloResponseValidationError;
    expect(e.param).toBe("livemode");
    expect(e.message).toContain("livemode");
    expect(e.issues[0]?.path).toBe("livemode");
    expect(e.requestId).toBe("req_missing");
    expect(e.statusCode).toBe(200);
  });

  it("a wrong-typed field and a non-JSON 2xx body are validation errors too", async () => {
    server.handler = (_req, res) => json(res, 200, directDs({ created: "yesterday" }));
    const wrong = await rejectionOf(() => clientFor(server).datasources.retrieve("ds_test_1"));
    expect((wrong as AbloResponseValidationError).param).toBe("created");

    server.handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end("<html>gateway</html>");
    };
    const notJson = await rejectionOf(() => clientFor(server).datasources.retrieve("ds_test_1"));
    expect(notJson).toBeInstanceOf(AbloResponseValidationError);
    expect((notJson as AbloResponseValidationError).code).toBe("invalid_json");
  });

  it("refuses ids that are not typed-id tokens, without a request", async () => {
    const client = clientFor(server);
    for (const id of ["", "..", "ds_1/../../admin", "ds 1"]) {
      const err = await rejectionOf(() => client.datasources.retrieve(id));
      expect(err).toBeInstanceOf(AbloInvalidRequestError);
      expect((err as AbloInvalidRequestError).param).toBe("id");
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe("update", () => {
  it("POSTs metadata to the id path with an Idempotency-Key", async () => {
    const ds = directDs({ metadata: { team: "ml" } });
    server.handler = (_req, res) => json(res, 200, ds);
    const got = await clientFor(server).datasources.update(ds.id as string, { metadata: { team: "ml" } });
    expect(got.metadata).toEqual({ team: "ml" });
    const [req] = server.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe(`/v1/datasources/${ds.id as string}`);
    expect(req?.json).toEqual({ metadata: { team: "ml" } });
    expect(req?.headers["idempotency-key"]).toBeDefined();
  });

  it("rotates credentials by sending a new connection string", async () => {
    server.handler = (_req, res) => json(res, 200, directDs({ status: "unverified" }));
    await clientFor(server).datasources.update("ds_test_1", { connectionString: "postgres://app:new-pw@db.example.com:5432/shop" });
    expect(server.requests[0]?.json).toEqual({ connectionString: "postgres://app:new-pw@db.example.com:5432/shop" });
  });
});

describe("del", () => {
  it("DELETEs and parses the deletion; a second delete is AbloNotFoundError", async () => {
    server.handler = (req, res, n) =>
      n === 1
        ? json(res, 200, { object: "datasource", id: "ds_test_1", deleted: true })
        : apiError(res, 404, { type: "invalid_request_error", code: "resource_missing", message: "No such datasource: ds_test_1", param: "id" });
    const client = clientFor(server);
    await expect(client.datasources.del("ds_test_1")).resolves.toEqual({ object: "datasource", id: "ds_test_1", deleted: true });
    expect(server.requests[0]?.method).toBe("DELETE");
    expect(server.requests[0]?.headers["idempotency-key"]).toBeUndefined();
    const err = await rejectionOf(() => client.datasources.del("ds_test_1"));
    expect(err).toBeInstanceOf(AbloNotFoundError);
    expect(err).toBeInstanceOf(AbloInvalidRequestError);
    expect((err as AbloNotFoundError).code).toBe("resource_missing");
  });
});

describe("list", () => {
  const all = Array.from({ length: 7 }, () => directDs());
  function paginate(req: { query: URLSearchParams }, res: Parameters<typeof json>[0]): void {
    const limit = Number(req.query.get("limit"));
    const after = req.query.get("starting_after");
    const start = after ? all.findIndex((d) => d.id === after) + 1 : 0;
    const data = all.slice(start, start + limit);
    json(res, 200, { object: "list", data, has_more: start + limit < all.length, url: "/v1/datasources" });
  }

  it("GETs one page with limit and starting_after", async () => {
    server.handler = paginate;
    const page = await clientFor(server).datasources.list({ limit: 2, starting_after: all[1]?.id as string });
    expect(page.data.map((d) => d.id)).toEqual([all[2]?.id, all[3]?.id]);
    expect(page.has_more).toBe(true);
    expect(server.requests[0]?.query.get("limit")).toBe("2");
    expect(server.requests[0]?.query.get("starting_after")).toBe(all[1]?.id);
  });

  it("sends the default limit and rejects an out-of-range one", async () => {
    server.handler = paginate;
    const client = clientFor(server);
    await client.datasources.list();
    expect(server.requests[0]?.query.get("limit")).toBe("10");
    const err = await rejectionOf(() => client.datasources.list({ limit: 101 }));
    expect((err as AbloInvalidRequestError).param).toBe("limit");
  });

  it("auto-pages over 3 pages via starting_after", async () => {
    server.handler = paginate;
    const seen: string[] = [];
    for await (const ds of clientFor(server).datasources.listAutoPaging({ limit: 3 })) seen.push(ds.id);
    expect(seen).toEqual(all.map((d) => d.id));
    expect(server.requests.map((r) => r.query.get("starting_after"))).toEqual([null, all[2]?.id, all[5]?.id]);
  });

  it("stops when the consumer breaks, without fetching further pages", async () => {
    server.handler = paginate;
    for await (const ds of clientFor(server).datasources.listAutoPaging({ limit: 3 })) {
      if (ds.id === all[1]?.id) break;
    }
    expect(server.requests).toHaveLength(1);
  });

  it("a server that repeats a cursor is an error, not an endless loop", async () => {
    server.handler = (_req, res) => json(res, 200, { object: "list", data: [all[0]], has_more: true, url: "/v1/datasources" });
    const err = await rejectionOf(async () => {
      for await (const _ of clientFor(server).datasources.listAutoPaging({ limit: 1 })) void _;
    });
    expect((err as { code?: string }).code).toBe("pagination_loop");
  });

  it("validates every item of a page, naming its index", async () => {
    const { created: _gone, ...broken } = directDs();
    server.handler = (_req, res) => json(res, 200, { object: "list", data: [directDs(), broken], has_more: false, url: "/v1/datasources" });
    const err = await rejectionOf(() => clientFor(server).datasources.list());
    expect((err as AbloResponseValidationError).param).toBe("data.1.created");
  });
});

describe("waitForStatus", () => {
  it("polls until the status leaves unverified", async () => {
    server.handler = (_req, res, n) => json(res, 200, directDs({ id: "ds_test_w", status: n < 3 ? "unverified" : "active" }));
    const ds = await clientFor(server).datasources.waitForStatus("ds_test_w", { pollMs: 5, timeoutMs: 5_000 });
    expect(ds.status).toBe("active");
    expect(server.requests).toHaveLength(3);
  });

  it("accepts a custom predicate", async () => {
    server.handler = (_req, res, n) => json(res, 200, directDs({ id: "ds_test_w", status: "active", metadata: { n: String(n) } }));
    const ds = await clientFor(server).datasources.waitForStatus("ds_test_w", { until: (d) => d.metadata.n === "2", pollMs: 5 });
    expect(ds.metadata.n).toBe("2");
  });

  it("backs off from pollMs to maxPollMs", async () => {
    server.handler = (_req, res) => json(res, 200, directDs({ id: "ds_test_w", status: "unverified" }));
    const err = await rejectionOf(() => clientFor(server).datasources.waitForStatus("ds_test_w", { pollMs: 10, maxPollMs: 80, timeoutMs: 400 }));
    expect(err).toBeInstanceOf(AbloTimeoutError);
    // Pauses 10, 20, 40, 80, 80, … within 400 ms: about 7 polls, where a fixed 10 ms pause gives ~40.
    expect(server.requests.length).toBeGreaterThanOrEqual(4);
    expect(server.requests.length).toBeLessThanOrEqual(12);
  });

  it("is bounded: AbloTimeoutError (wait_timeout) when the status never changes", async () => {
    server.handler = (_req, res) => json(res, 200, directDs({ id: "ds_test_w", status: "unverified" }));
    const started = Date.now();
    const err = await rejectionOf(() => clientFor(server).datasources.waitForStatus("ds_test_w", { pollMs: 20, timeoutMs: 150 }));
    expect(err).toBeInstanceOf(AbloTimeoutError);
    expect((err as AbloTimeoutError).code).toBe("wait_timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
