import {
  AbloAPIError,
  AbloAuthenticationError,
  AbloError,
  AbloIdempotencyError,
  AbloInvalidRequestError,
  AbloNotFoundError,
  AbloPermissionError,
  AbloRateLimitError,
  AbloRouteNotFoundError,
} from "@ablo/client";
import { clientFor, CONN, expectNoLeak, rejectionOf, testServerPerTest, TEST_KEY } from "./helpers/client";
import { apiError, json, type TestServer } from "./helpers/server";

let server: TestServer;
testServerPerTest((s) => (server = s));

const cases = [
  { status: 400, type: "invalid_request_error", code: "host_not_public", param: "connectionString", Class: AbloInvalidRequestError },
  { status: 401, type: "authentication_error", code: "api_key_invalid", param: undefined, Class: AbloAuthenticationError },
  { status: 403, type: "permission_error", code: "scope_missing", param: undefined, Class: AbloPermissionError },
  { status: 404, type: "invalid_request_error", code: "resource_missing", param: "id", Class: AbloNotFoundError },
  { status: 409, type: "idempotency_error", code: "idempotency_key_in_use", param: undefined, Class: AbloIdempotencyError },
  { status: 429, type: "rate_limit_error", code: "rate_limited", param: undefined, Class: AbloRateLimitError },
  { status: 500, type: "api_error", code: "internal", param: undefined, Class: AbloAPIError },
  { status: 503, type: "api_error", code: "unavailable", param: undefined, Class: AbloAPIError },
] as const;

describe.each(cases)("HTTP $status", ({ status, type, code, param, Class }) => {
  it(`becomes ${Class.name} with requestId, code, param, statusCode and type`, async () => {
    server.handler = (_req, res) => apiError(res, status, { type, code, param, message: `failed with ${status}` });
    // A POST on a URL naming an id: there a 404 resource_missing is the datasource gone (on the collection, a missing route).
    const err = await rejectionOf(() => clientFor(server, { maxRetries: 0 }).datasources.update("ds_test_1", { connectionString: CONN }));
    expect(err).toBeInstanceOf(Class);
    expect(err).toBeInstanceOf(AbloError);
    const e = err as AbloError;
    expect(e.name).toBe(Class.name);
    expect(e.statusCode).toBe(status);
    expect(e.type).toBe(type);
    expect(e.code).toBe(code);
    expect(e.param).toBe(param);
    // The Request-Id header wins over the body's copy.
    expect(e.requestId).toBe("req_header");
    expect(e.message).toBe(`failed with ${status}`);
    expect(e.cause).toBeUndefined();
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ name: Class.name, statusCode: status, type, code, requestId: "req_header" });
  });
});

describe("responses outside the contract", () => {
  it("falls back to the body's request_id when the header is missing", async () => {
    server.handler = (_req, res) => {
      res.writeHead(400, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { type: "invalid_request_error", message: "bad", request_id: "req_in_body" } }));
    };
    const err = (await rejectionOf(() => clientFor(server).datasources.retrieve("ds_test_1"))) as AbloError;
    expect(err.requestId).toBe("req_in_body");
  });

  it("a non-JSON 502 from a proxy is an AbloAPIError saying the status", async () => {
    server.handler = (_req, res) => {
      res.writeHead(502, { "Content-Type": "text/html" });
      res.end("<html>bad gateway</html>");
    };
    const err = (await rejectionOf(() => clientFor(server, { maxRetries: 0 }).datasources.retrieve("ds_test_1"))) as AbloError;
    expect(err).toBeInstanceOf(AbloAPIError);
    expect(err.statusCode).toBe(502);
    expect(err.message).toContain("HTTP 502");
  });

  it("an unknown error type on an unlisted 4xx still maps by type, or to AbloAPIError", async () => {
    server.handler = (_req, res, n) =>
      n === 1
        ? apiError(res, 422, { type: "invalid_request_error", message: "unprocessable" })
        : apiError(res, 418, { type: "teapot_error", message: "short and stout" });
    const client = clientFor(server);
    expect(await rejectionOf(() => client.datasources.retrieve("ds_test_1"))).toBeInstanceOf(AbloInvalidRequestError);
    const teapot = (await rejectionOf(() => client.datasources.retrieve("ds_test_1"))) as AbloError;
    expect(teapot).toBeInstanceOf(AbloAPIError);
    expect(teapot.statusCode).toBe(418);
  });

  it("an error type named like an object's own key is unknown, not a class lookup", async () => {
    server.handler = (_req, res) => apiError(res, 418, { type: "constructor", message: "not a type" });
    const err = (await rejectionOf(() => clientFor(server).datasources.retrieve("ds_test_1"))) as AbloError;
    expect(err).toBeInstanceOf(AbloAPIError);
    expect(err.type).toBe("api_error");
  });

  it("does not follow redirects (the key must not be replayed elsewhere): the route is not served there", async () => {
    server.handler = (_req, res, n) => {
      if (n === 1) {
        res.writeHead(307, { Location: `${server.url}/elsewhere` });
        res.end();
      } else json(res, 200, {});
    };
    const err = (await rejectionOf(() => clientFor(server, { maxRetries: 5 }).datasources.retrieve("ds_test_1"))) as AbloRouteNotFoundError;
    expect(err).toBeInstanceOf(AbloRouteNotFoundError);
    expect([err.statusCode, err.code, err.route]).toEqual([307, "route_redirected", "GET /v1/datasources/{id}"]);
    expect(err.message).toBe(
      "GET /v1/datasources/{id} is not served by this API: it answered with a redirect (HTTP 307 to /elsewhere), and redirects are not followed",
    );
    expect(server.requests).toHaveLength(1);
  });

  it("a redirect's message names its path only: no host, user info or query, and no secret", async () => {
    server.handler = (_req, res) => {
      res.writeHead(302, { Location: `https://sso:hunter2@login.example.com/start/${TEST_KEY}?token=t0ken&next=%2Fv1` });
      res.end();
    };
    const err = (await rejectionOf(() => clientFor(server).datasources.list())) as AbloRouteNotFoundError;
    expect(err.message).toContain("(HTTP 302 to /start/[REDACTED])");
    expect(err.route).toBe("GET /v1/datasources");
    expectNoLeak(err, [TEST_KEY, "hunter2", "t0ken", "login.example.com"]);
  });
});
