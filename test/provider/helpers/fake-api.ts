/**
 * A small in-memory Ablo API on loopback, written here, not ablo-local: each inferred route can be
 * made to answer "not here" in one of the ways real servers do, so the provider is tried against
 * servers we did not write.
 */
import type { ServerResponse } from "node:http";
import { directDs, json, TestServer } from "../../client/helpers/server";

export type Route = "create" | "retrieve" | "update" | "delete" | "list";

/** Ways a server says "not here". */
export const NOT_HERE = {
  "404 contract body, resource_missing": (res: ServerResponse) => contractError(res, 404, "resource_missing"),
  "404 contract body, unrecognized_request_url": (res: ServerResponse) => contractError(res, 404, "unrecognized_request_url"),
  "404 contract body, another code": (res: ServerResponse) => contractError(res, 404, "route_disabled"),
  "404 HTML page": (res: ServerResponse) => page(res, 404, "<html><h1>Not Found</h1></html>"),
  "404 another API's JSON": (res: ServerResponse) => json(res, 404, { message: "Not Found", documentation_url: "https://docs.example.com" }),
  "405": (res: ServerResponse) => json(res, 405, { error: { message: "Method Not Allowed" } }),
  "501": (res: ServerResponse) => json(res, 501, { error: { type: "api_error", message: "Not Implemented" } }),
  "200 HTML page": (res: ServerResponse) => page(res, 200, "<html><body>Welcome to the portal</body></html>"),
  "302 redirect": (res: ServerResponse) =>
    void res.writeHead(302, { Location: "/login?next=%2Fv1", "Content-Type": "text/html" }).end("<a href='/login'>login</a>"),
} as const satisfies Record<string, (res: ServerResponse) => void>;
export type NotHere = keyof typeof NOT_HERE;

function contractError(res: ServerResponse, status: number, code: string): void {
  json(res, status, { error: { type: "invalid_request_error", code, message: `No such thing (${code})`, request_id: "req_x" } });
}
function page(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "Content-Type": "text/html" });
  res.end(html);
}

export interface FakeApiOptions {
  /** Routes the server does not serve, each answering in its way. */
  lacks?: Partial<Record<Route, NotHere>>;
  /** Seconds the server's clock is off this machine's (negative: behind), in `created` and `Date` alike. */
  clockOffset?: number;
  /** Says `Idempotent-Replayed: true` on a replay (default true). */
  replayHeader?: boolean;
  /** Send a `Date` header (default true; Node's server sends one unless told not to). */
  dateHeader?: boolean;
}

export interface FakeApi {
  server: TestServer;
  store: Map<string, Record<string, unknown>>;
  /** Idempotency-Key → the answer of its first create, replayed as it was. */
  keys: Map<string, Record<string, unknown>>;
  /** Requests per route, as `METHOD path-template`. */
  seen: string[];
  /** Moves the server's clock on (a later run starts seconds after the last one ended, never within its second). */
  advance(seconds: number): void;
}

export async function fakeApi({ lacks = {}, clockOffset = 0, replayHeader = true, dateHeader = true }: FakeApiOptions = {}): Promise<FakeApi> {
  let offset = clockOffset;
  const now = () => Math.floor(Date.now() / 1000) + offset;
  const store = new Map<string, Record<string, unknown>>();
  const keys = new Map<string, Record<string, unknown>>();
  const seen: string[] = [];
  const server = await TestServer.start((req, res) => {
    if (dateHeader) res.setHeader("Date", new Date(now() * 1000).toUTCString());
    else res.sendDate = false;
    const id = /^\/v1\/datasources\/([\w-]+)$/.exec(req.path)?.[1];
    const route: Route | undefined =
      req.path === "/v1/datasources"
        ? req.method === "POST"
          ? "create"
          : "list"
        : id === undefined
          ? undefined
          : ({ GET: "retrieve", POST: "update", DELETE: "delete" } as Record<string, Route>)[req.method];
    seen.push(`${req.method} ${id ? "/v1/datasources/{id}" : req.path}`);
    if (route === undefined) return NOT_HERE["404 HTML page"](res);
    const lacking = lacks[route];
    if (lacking !== undefined) return NOT_HERE[lacking](res);
    const gone = () => contractError(res, 404, "resource_missing");
    const body = req.json as { metadata?: Record<string, string>; schema?: string; connectionString?: string } | undefined;
    switch (route) {
      case "create": {
        if (typeof body?.connectionString !== "string") {
          return json(res, 400, {
            error: { type: "invalid_request_error", code: "parameter_missing", param: "connectionString", message: "connectionString is required" },
          });
        }
        const key = String(req.headers["idempotency-key"]);
        const earlier = keys.get(key);
        if (earlier !== undefined) return json(res, 200, earlier, replayHeader ? { "Idempotent-Replayed": "true" } : {});
        const ds = directDs({ status: "active", metadata: body?.metadata ?? {}, schema: body?.schema ?? "public", created: now() });
        store.set(ds.id as string, ds);
        keys.set(key, { ...ds });
        return json(res, 200, ds);
      }
      case "retrieve":
        return store.has(id!) ? json(res, 200, store.get(id!)) : gone();
      case "update": {
        const ds = store.get(id!);
        if (!ds) return gone();
        const merged: Record<string, string> = { ...(ds.metadata as Record<string, string>), ...body?.metadata };
        ds.metadata = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== ""));
        return json(res, 200, ds);
      }
      case "delete":
        if (!store.delete(id!)) return gone();
        return json(res, 200, { object: "datasource", id, deleted: true });
      case "list":
        return json(res, 200, { object: "list", data: [...store.values()].reverse(), has_more: false, url: "/v1/datasources" });
    }
  });
  return { server, store, keys, seen, advance: (seconds) => (offset += seconds) };
}
