import { request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { ErrorBodySchema } from "@ablo/api";
import { startAbloLocal, type AbloLocal, type StartAbloLocalOptions } from "@ablo/harness";

/** The password in every connection string the server tests send: it must never come back. */
export const CANARY = "Canary7e1dPassw0rd";

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is (no JSON encoding, no content type unless given in headers). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

/**
 * A small API client over fetch that keeps every response body (for the canary check) and
 * asserts what every answer must have: a Request-Id header, JSON, and for errors the contract's
 * shape with a request_id equal to the header.
 */
export function client(baseUrl: () => string) {
  const transcript: string[] = [];
  async function call(method: string, path: string, opts: CallOptions = {}): Promise<Res> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    let body: string | Buffer | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: new Uint8Array(body instanceof Buffer ? body : Buffer.from(body)) } : {}),
    });
    const text = await res.text();
    transcript.push(text, JSON.stringify([...res.headers]));
    const requestId = res.headers.get("request-id");
    if (!requestId || !/^req_[A-Za-z0-9]+$/.test(requestId)) throw new Error(`${method} ${path}: no Request-Id header (${res.status} ${text.slice(0, 200)})`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path}: answer is not JSON (${res.status}): ${text.slice(0, 200)}`);
    }
    if (res.status >= 400) {
      const parsed = ErrorBodySchema.safeParse(json);
      if (!parsed.success) throw new Error(`${method} ${path}: error body does not match the contract: ${text}`);
      if (parsed.data.error.request_id !== requestId) throw new Error(`${method} ${path}: request_id ${parsed.data.error.request_id} != header ${requestId}`);
    }
    return { status: res.status, headers: res.headers, text, json };
  }
  return { call, transcript };
}

/** A raw HTTP exchange (to see resets and dropped responses exactly as a socket does). */
export function rawRequest(
  url: string,
  opts: { method: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method, headers: opts.headers ?? {}, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

export { filesContaining } from "@ablo/harness";

/** Polls until `fn` returns something other than undefined. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(everyMs);
  }
}

/**
 * One ablo-local for the enclosing describe block (or file): started before its tests, stopped
 * after them, once every response body it sent and every line it logged were checked for the
 * canary. `onStart` makes the keys the tests use.
 */
export function abloLocalForSuite(options: StartAbloLocalOptions, onStart: (api: AbloLocal) => Promise<void>) {
  let api: AbloLocal | undefined;
  const running = (): AbloLocal => {
    if (!api) throw new Error("ablo-local is not running (used outside the suite?)");
    return api;
  };
  const { call, transcript } = client(() => running().baseUrl);
  beforeAll(async () => {
    api = await startAbloLocal(options);
    await onStart(api);
  });
  afterAll(async () => {
    try {
      expect(transcript.filter((t) => t.includes(CANARY))).toEqual([]);
      expect(api?.logs() ?? "").not.toContain(CANARY);
    } finally {
      await api?.stop();
    }
  });
  return { api: running, call, transcript };
}
