import { AbloClient, AbloError, type AbloClientOptions } from "@ablo/client";
import { closeClients, clientFor, expectNoLeak, rejectionOf, thrownBy } from "./helpers/client";
import { apiError, directDs, json, TestServer } from "./helpers/server";

// Canaries: if any of these strings shows up in an error rendering or a log line, a secret leaked.
const KEY = "sk_test_CANARYKEYx9q7w2e5r8t1y4u";
const PASSWORD = "CANARY-pw-Zx81Qm";
const ENCODED_PASSWORD = "CANARY%40pw%2FZx81"; // decodes to CANARY@pw/Zx81
const CONN = `postgres://app:${PASSWORD}@db.example.com:5432/shop`;
const CONN_ENCODED = `postgresql://app:${ENCODED_PASSWORD}@db.example.com/shop?sslmode=require`;
const SECRETS = [KEY, PASSWORD, ENCODED_PASSWORD, "CANARY@pw/Zx81", CONN, CONN_ENCODED, "CANARY"];

let server: TestServer;
let logged: string[];
beforeEach(async () => {
  server = await TestServer.start();
  logged = [];
});
afterEach(async () => {
  closeClients();
  await server.close();
  // Every path's log output is checked too.
  for (const line of logged) for (const s of SECRETS) expect(line).not.toContain(s);
});

function client(options: Partial<AbloClientOptions> = {}): AbloClient {
  return clientFor(server, { apiKey: KEY, maxRetries: 1, logger: { debug: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`) }, ...options });
}

async function expectSafeRejection(call: () => Promise<unknown>): Promise<AbloError> {
  const err = await rejectionOf(call);
  expect(err).toBeInstanceOf(AbloError);
  expectNoLeak(err, SECRETS);
  return err as AbloError;
}

/** The password of the connection string the client sent, raw and percent-decoded. */
function passwordsIn(body: unknown): string {
  const conn = (body as { connectionString?: string } | undefined)?.connectionString;
  if (!conn) return "";
  const raw = new URL(conn).password;
  return `raw=${raw} decoded=${decodeURIComponent(raw)}`;
}

const echoEverything = (status: number) => (req: { body: string; json: unknown; headers: Record<string, unknown> }, res: Parameters<typeof json>[0]) =>
  apiError(res, status, {
    type: status === 400 ? "invalid_request_error" : "api_error",
    code: `code ${passwordsIn(req.json)}`,
    param: `param ${passwordsIn(req.json)}`,
    // A server that echoes what it received, credentials included.
    message: `bad ${req.body} auth=${String(req.headers.authorization)} conn=${CONN} ${passwordsIn(req.json)} kw: password=${PASSWORD} key ${KEY}`,
  });

describe("no secret in any thrown error", () => {
  it("server error echoing the body, the Authorization header and the password", async () => {
    for (const conn of [CONN, CONN_ENCODED]) {
      server.handler = (req, res) => echoEverything(400)(req, res);
      const err = await expectSafeRejection(() => client().datasources.create({ connectionString: conn }));
      expect(err.statusCode).toBe(400);
      expect(err.message).toContain("[REDACTED]");
    }
  });

  it("5xx echoes, after retries", async () => {
    server.handler = (req, res) => echoEverything(500)(req, res);
    await expectSafeRejection(() => client().datasources.update("ds_test_1", { connectionString: CONN }));
  });

  it("429 after retries", async () => {
    server.handler = (_req, res) => apiError(res, 429, { type: "rate_limit_error", message: `slow ${KEY}` }, { "Retry-After": "1" });
    await expectSafeRejection(() => client({ maxRetryAfterMs: 5 }).datasources.create({ connectionString: CONN }));
  });

  it("non-JSON error body quoting the request", async () => {
    server.handler = (req, res) => {
      res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(`upstream said ${req.body} ${String(req.headers.authorization)}`);
    };
    await expectSafeRejection(() => client().datasources.create({ connectionString: CONN }));
  });

  it("non-JSON 2xx body quoting the request (JSON.parse errors quote their input)", async () => {
    server.handler = (req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(`${req.body.slice(0, 40)} not json`);
    };
    await expectSafeRejection(() => client().datasources.create({ connectionString: CONN }));
  });

  it("response validation error, with the secret in unknown and wrong fields", async () => {
    server.handler = (_req, res) => json(res, 200, directDs({ livemode: CONN, extra_secret: CONN, host: 42, [`${PASSWORD}`]: KEY }));
    const err = await expectSafeRejection(() => client().datasources.create({ connectionString: CONN }));
    expect(err.param).toBe("livemode");
  });

  it("client-side params validation, secrets in unknown keys and bad values", async () => {
    await expectSafeRejection(() => client().datasources.create({ connectionString: CONN, [CONN]: PASSWORD, schema: PASSWORD } as never));
    await expectSafeRejection(() => client().datasources.create({ connectionString: CONN, metadata: { k: PASSWORD.repeat(100) } }));
    await expectSafeRejection(() => client().datasources.update("ds_test_1", { connectionString: CONN, metadata: 5 } as never));
    await expectSafeRejection(() => client().datasources.retrieve(CONN));
    await expectSafeRejection(() => client().datasources.create({ connectionString: CONN }, { idempotencyKey: `${PASSWORD}\n` }));
  });

  it("connection reset on every attempt", async () => {
    server.handler = (_req, res) => {
      res.socket?.destroy();
    };
    await expectSafeRejection(() => client().datasources.create({ connectionString: CONN }));
  });

  it("connection refused", async () => {
    const url = server.url;
    await server.close();
    await expectSafeRejection(() => client({ baseUrl: url }).datasources.create({ connectionString: CONN }));
  });

  it("timeout", async () => {
    server.handler = () => undefined;
    await expectSafeRejection(() => client({ timeoutMs: 80 }).datasources.create({ connectionString: CONN }));
  });

  it("response too large", async () => {
    server.handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(`"${"x".repeat(11 * 1024 * 1024)}"`);
    };
    const err = await expectSafeRejection(() => client().datasources.retrieve("ds_test_1"));
    expect(err.code).toBe("response_too_large");
  });

  it("insecure transport", async () => {
    const c = new AbloClient({ apiKey: KEY, baseUrl: "http://db.example.invalid", logger: { debug: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`) } });
    await expectSafeRejection(() => c.datasources.create({ connectionString: CONN }));
  });

  it("mode mismatch", async () => {
    await expectSafeRejection(() => client().datasources.retrieve("ds_live1"));
  });

  it("bad configuration", () => {
    for (const options of [{ apiKey: `${KEY}\n` }, { apiKey: KEY, baseUrl: `https://app:${PASSWORD}@api.example.com` }, { apiKey: KEY, baseUrl: CONN }]) {
      const err = thrownBy(() => new AbloClient(options));
      expect(err).toBeInstanceOf(AbloError);
      expectNoLeak(err, SECRETS);
    }
  });

  it("wait timeout", async () => {
    server.handler = (_req, res) => json(res, 200, directDs({ id: "ds_test_w" }));
    await expectSafeRejection(() => client().datasources.waitForStatus("ds_test_w", { timeoutMs: 30, pollMs: 10 }));
  });
});

it("the client object itself never shows the key", () => {
  const c = client();
  expectNoLeak(c, [KEY]);
});
