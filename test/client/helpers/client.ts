import { inspect } from "node:util";
import { AbloClient, type AbloClientOptions } from "@ablo/client";
import { TestServer } from "./server";

export const TEST_KEY = "sk_test_unit0000000000000000";
export const LIVE_KEY = "sk_live_unit0000000000000000";
export const CONN = "postgres://app:s3cret-pw@db.example.com:5432/shop";

const clients: AbloClient[] = [];

/** A client on the test server with millisecond backoff, closed by closeClients(). */
export function clientFor(server: TestServer, options: Partial<AbloClientOptions> = {}): AbloClient {
  const client = new AbloClient({
    apiKey: TEST_KEY,
    baseUrl: server.url,
    initialRetryDelayMs: 5,
    maxRetryDelayMs: 20,
    maxRetryAfterMs: 50,
    timeoutMs: 5_000,
    ...options,
  });
  clients.push(client);
  return client;
}

export function closeClients(): void {
  for (const c of clients.splice(0)) c.close();
}

/** A fresh TestServer for every test of the file, closed after it with the clients made on it. */
export function testServerPerTest(started: (server: TestServer) => void): void {
  let server: TestServer | undefined;
  beforeEach(async () => {
    server = await TestServer.start();
    started(server);
  });
  afterEach(async () => {
    closeClients();
    await server?.close();
  });
}

/** Runs `fn`, expects it to reject, returns the rejection. */
export async function rejectionOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

/** Runs `fn`, expects it to throw, returns what it threw. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

/** Every way an error gets printed or serialized. */
function renderings(err: unknown): Record<string, string> {
  const e = err as Error & { cause?: unknown };
  return {
    string: String(err),
    json: JSON.stringify(err),
    inspect: inspect(err, { depth: 10 }),
    inspectHidden: inspect(err, { depth: 10, showHidden: true }),
    // What util.inspect would show without our custom hook: every own property.
    inspectRaw: inspect(err, { depth: 10, showHidden: true, customInspect: false }),
    stack: e.stack ?? "",
    cause: inspect(e.cause, { depth: 10, showHidden: true, customInspect: false }),
    ownProps: inspect({ ...(err as object) }, { depth: 10, customInspect: false }),
  };
}

export function expectNoLeak(err: unknown, secrets: readonly string[]): void {
  for (const [how, text] of Object.entries(renderings(err))) {
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`secret leaked through ${how}: ${text.slice(0, 2000)}`);
    }
  }
}
