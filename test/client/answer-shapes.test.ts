/**
 * The answer-shape matrix: every route the client uses × every way a server can say "not here".
 * A plain node:http server on loopback (not ablo-local) gives every request the same answer; each
 * row says which typed error the client raises and how many requests that took. A missing route
 * is never retried (the client allows 5 retries here), and only a contract 404 `resource_missing`
 * on a URL naming an id means "gone".
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AbloClient, AbloNotFoundError, AbloResponseValidationError, AbloRouteNotFoundError } from "@ablo/client";
import { expectNoLeak, rejectionOf } from "./helpers/client";

const KEY = "sk_test_matrix00000000000000";
const PW = "m4trix-pw";
const ID = "ds_test_matrix1";

const ROUTES: Array<[route: string, call: (c: AbloClient) => Promise<unknown>]> = [
  ["POST /v1/datasources", (c) => c.datasources.create({ connectionString: `postgres://app:${PW}@db.example.com:5432/shop` })],
  ["GET /v1/datasources", (c) => c.datasources.list()],
  ["GET /v1/datasources/{id}", (c) => c.datasources.retrieve(ID)],
  ["POST /v1/datasources/{id}", (c) => c.datasources.update(ID, { metadata: { team: "data" } })],
  ["DELETE /v1/datasources/{id}", (c) => c.datasources.del(ID)],
];

const send =
  (status: number, type: string, body: string, headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(status, { "Content-Type": type, ...headers });
    res.end(body);
  };
const json = (status: number, body: unknown) => send(status, "application/json", JSON.stringify(body));
const contract404 = (code: string) => json(404, { error: { type: "invalid_request_error", code, message: "Not here", request_id: "req_m" } });
const page = (status: number) => send(status, "text/html", "<html><body><h1>Not Found</h1></body></html>");

/** `gone`: AbloNotFoundError on a URL naming an id, a missing route on the collection. */
type Outcome = "missing route" | "gone" | "unreadable";
const ANSWERS: Array<[what: string, answer: (res: ServerResponse) => void, outcome: Outcome, says?: string]> = [
  ["404 contract body, resource_missing", contract404("resource_missing"), "gone"],
  ["404 contract body, unrecognized_request_url", contract404("unrecognized_request_url"), "missing route"],
  ["404 contract body, another code", contract404("route_not_found"), "missing route"],
  ["404 HTML page", page(404), "missing route"],
  ['404 {"message":"Not Found"}', json(404, { message: "Not Found" }), "missing route"],
  ['404 {"detail":"Not found"}', json(404, { detail: "Not found" }), "missing route"],
  ["405", send(405, "text/plain", "Method Not Allowed", { Allow: "GET" }), "missing route"],
  ["501", send(501, "text/plain", "Not Implemented"), "missing route"],
  ["200 HTML page", page(200), "unreadable"],
  // The query of a sign-in redirect may carry anything: the message names the path only.
  ["302 to /login", send(302, "text/html", "", { Location: `/login?next=%2Fv1&token=${PW}` }), "missing route", "redirect (HTTP 302 to /login)"],
];

const MATRIX = ROUTES.flatMap(([route, call]) =>
  ANSWERS.map(([what, answer, outcome, says = ""]) => {
    const expected = outcome === "gone" && !route.includes("{id}") ? "missing route" : outcome;
    return { route, what, call, answer, expected, says, requests: expected === "unreadable" ? 5 : 1 };
  }),
);

let answer: (res: ServerResponse) => void = page(404);
let requests = 0;
const server = createServer((req, res) => {
  requests += 1;
  req.resume().once("end", () => answer(res));
});
let client: AbloClient;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  client = new AbloClient({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}`, maxRetries: 5, initialRetryDelayMs: 1, maxRetryDelayMs: 5 });
});
afterAll(async () => {
  client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test("the matrix is 5 routes × 10 answers", () => expect(MATRIX).toHaveLength(50));

/** The class each outcome is raised as (a missing route is never AbloNotFoundError, nor "gone" a missing route). */
const CLASS = { "missing route": AbloRouteNotFoundError, gone: AbloNotFoundError, unreadable: AbloResponseValidationError } as const;

test.each(MATRIX)("$route answered with $what: $expected after $requests request(s)", async ({ route, call, answer: a, expected, says, requests: asked }) => {
  answer = a;
  requests = 0;
  const err = (await rejectionOf(() => call(client))) as Error;
  expect([err.constructor.name, requests]).toEqual([CLASS[expected].name, asked]);
  expectNoLeak(err, [KEY, PW]);
  if (err instanceof AbloRouteNotFoundError) {
    expect(err.route).toBe(route);
    expect(err.message.startsWith(`${route} is not served by this API`)).toBe(true);
    expect(err.message).toContain(says);
  }
});
