import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";

export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
  /** 1-based index of the TCP connection this request came on. */
  socket: number;
}

export type Handler = (req: RecordedRequest, res: http.ServerResponse, n: number) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1, recording every request and counting TCP connections. */
export class TestServer {
  readonly requests: RecordedRequest[] = [];
  connections = 0;
  private readonly socketIds = new WeakMap<object, number>();

  private constructor(
    private readonly server: http.Server,
    public handler: Handler,
  ) {}

  static async start(handler: Handler = (_req, res) => json(res, 404, {})): Promise<TestServer> {
    const server = http.createServer();
    const ts = new TestServer(server, handler);
    server.on("connection", (socket) => {
      ts.connections += 1;
      ts.socketIds.set(socket, ts.connections);
    });
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        let parsed: unknown;
        try {
          parsed = body ? JSON.parse(body) : undefined;
        } catch {
          parsed = undefined;
        }
        const recorded: RecordedRequest = {
          method: req.method ?? "",
          url: req.url ?? "",
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
          json: parsed,
          socket: ts.socketIds.get(req.socket) ?? 0,
        };
        ts.requests.push(recorded);
        Promise.resolve(ts.handler(recorded, res, ts.requests.length)).catch((e: unknown) => {
          res.statusCode = 599;
          res.end(inspect(e));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    void ts.url; // remember the port: tests reuse it after close() to get ECONNREFUSED
    return ts;
  }

  get url(): string {
    this.port ??= (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }
  private port: number | undefined;

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Request-Id": `req_${Math.random().toString(36).slice(2, 10)}`, ...headers });
  res.end(text);
}

export function apiError(res: http.ServerResponse, status: number, error: Record<string, unknown>, headers: Record<string, string> = {}): void {
  json(res, status, { error: { request_id: "req_body", ...error } }, { "Request-Id": "req_header", ...headers });
}

let seq = 0;
/** A complete direct datasource as the contract's server emits it. */
export function directDs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return {
    object: "datasource",
    id: `ds_test_${String(seq).padStart(6, "0")}`,
    connection: "direct",
    status: "unverified",
    livemode: false,
    metadata: {},
    created: 1_764_000_000 + seq,
    provider: "postgresql",
    host: "db.example.com",
    database: "shop",
    schema: "public",
    display_name: "app@db.example.com:5432/shop",
    last_error: null,
    ...overrides,
  };
}

export function endpointDs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    object: "datasource",
    id: "dse_000001",
    connection: "endpoint",
    status: "active",
    livemode: false,
    metadata: {},
    created: 1_764_000_000,
    environment: "test",
    endpoint: "https://hooks.example.com/ablo",
    key_last4: "ab12",
    cursor: null,
    event_lag: 0,
    retry_count: 0,
    last_request_at: null,
    last_success_at: null,
    last_error: null,
    ...overrides,
  };
}
