import { randomUUID } from "node:crypto";
import type { Agent as HttpAgent } from "node:http";
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import type { BaseUrl } from "./base-url";
import { AbloAPIError, AbloConnectionError, AbloError, AbloInsecureTransportError, AbloRouteNotFoundError, AbloTimeoutError } from "./errors";
import { redact, secretsOf } from "./redact";
import { errorFromResponse } from "./response-errors";
import { tlsErrorFromThrown } from "./tls-errors";
import { isRetryableNetworkCode, isRetryableStatus, mayRetry, parseRetryAfter, retryDelayMs, type RetryPolicy } from "./retry";

/** Receives one line per attempt, response and retry: method, path, status, request id, attempt. */
export interface AbloLogger {
  debug(message: string, fields: Record<string, unknown>): void;
}

export interface TransportOptions {
  apiKey: string;
  baseUrl: BaseUrl;
  timeoutMs: number;
  retry: RetryPolicy;
  agent: HttpAgent;
  logger?: AbloLogger | undefined;
  userAgent: string;
  /** Injected by tests; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestSpec {
  method: "GET" | "POST" | "DELETE";
  /** Path below the base URL, starting with `/v1/`. Ids must already be URI-encoded. */
  path: string;
  /** The path with `{id}` for ids, as errors about a missing route name it; default `path`. */
  route?: string;
  /** This request's own retry budget (ms), in place of the policy's: a probe that must answer fast. */
  budgetMs?: number;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** POST only; generated once per logical request when absent. */
  idempotencyKey?: string | undefined;
  /** Extra secrets of this request (a connection string) to scrub from any message. */
  secrets?: ReadonlyArray<string | undefined>;
  /** The body holds a connection string: the insecure-transport message says so. */
  sendsConnectionString?: boolean;
}

export interface ApiResponse {
  status: number;
  requestId: string | undefined;
  /** The server said this answer replays an earlier request's (`Idempotent-Replayed: true`). */
  replayed: boolean;
  /** Parsed JSON, or undefined with `notJson` set. */
  body: unknown;
  notJson: boolean;
}

/** Largest response body accepted; far above any page of 100 datasources. */
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/**
 * Until the server has answered once, connection failures are retried this long only: a wrong
 * base URL (a port that refuses, say) fails in seconds, while an API that answered before and is
 * restarting is ridden out with the whole budget.
 */
const FIRST_CONTACT_BUDGET_MS = 5_000;

/**
 * One HTTP exchange with retries. Everything that crosses this boundary outward is an AbloError
 * built from safe fields: axios errors (which carry the request config, headers and body) are
 * read here and dropped.
 */
export class Transport {
  // #private: util.inspect and JSON.stringify never see the key held in the options.
  readonly #options: TransportOptions;
  private readonly http: AxiosInstance;
  private readonly sleep: (ms: number) => Promise<void>;
  /** The server has given an HTTP answer at least once. */
  #contacted = false;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.http = axios.create({
      adapter: "http",
      httpAgent: options.agent,
      httpsAgent: options.agent,
      // Env proxies would route around the agent; an https→http redirect would resend the key in clear.
      proxy: false,
      maxRedirects: 0,
      maxContentLength: MAX_RESPONSE_BYTES,
      maxBodyLength: MAX_RESPONSE_BYTES,
      // Statuses are classified below; the body is parsed below so parse errors stay ours.
      validateStatus: () => true,
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      transformRequest: [(data: unknown) => data],
    });
  }

  async request(spec: RequestSpec): Promise<ApiResponse> {
    const { baseUrl } = this.#options;
    if (!baseUrl.secure) {
      const what = spec.sendsConnectionString ? "a connection string" : "the API key";
      throw new AbloInsecureTransportError({
        type: "insecure_transport_error",
        code: "insecure_transport",
        param: "baseUrl",
        message:
          `Refusing to send ${what} over plaintext http:// to a non-loopback host; ` +
          "use an https:// baseUrl (http:// is allowed for 127.0.0.0/8, ::1 and localhost only).",
      });
    }
    const secrets = secretsOf([this.#options.apiKey, ...(spec.secrets ?? [])]);
    // One key per logical POST, reused by every retry so the server can replay instead of redo.
    const idempotencyKey = spec.method === "POST" ? (spec.idempotencyKey ?? randomUUID()) : undefined;
    const { retry } = this.#options;
    const firstStarted = Date.now();

    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      this.log("ablo request", { method: spec.method, path: spec.path, attempt });
      let error: AbloError;
      let retryAfterMs: number | undefined;
      let retryable: boolean;
      let policy: RetryPolicy;
      try {
        const res = await this.once(spec, idempotencyKey);
        this.#contacted = true;
        const rawRequestId = headerOf(res, "request-id");
        const requestId = rawRequestId === undefined ? undefined : redact(rawRequestId, secrets);
        this.log("ablo response", { method: spec.method, path: spec.path, status: res.status, requestId, attempt, durationMs: Date.now() - started });
        const { body, notJson } = parseJson(res.data);
        if (res.status >= 200 && res.status < 300) {
          return { status: res.status, requestId, body, notJson, replayed: headerOf(res, "idempotent-replayed") === "true" };
        }
        retryAfterMs = parseRetryAfter(headerOf(res, "retry-after"));
        error = errorFromResponse(res.status, body, requestId, retryAfterMs, spec, secrets);
        // A route the server lacks stays missing: never retried (a 501 is a 5xx).
        retryable = !(error instanceof AbloRouteNotFoundError) && isRetryableStatus(res.status, error.code);
        policy = spec.budgetMs === undefined ? retry : { ...retry, budgetMs: spec.budgetMs };
      } catch (thrown) {
        error = this.errorFromThrown(thrown, spec, secrets);
        retryable = error instanceof AbloTimeoutError || (error instanceof AbloConnectionError && isRetryableNetworkCode(error.code));
        const budgetMs = Math.min(spec.budgetMs ?? Infinity, this.#contacted ? Infinity : FIRST_CONTACT_BUDGET_MS);
        // A count-based policy (budget 0) is short already and stays as it is.
        policy = budgetMs === Infinity || retry.budgetMs === 0 ? retry : { ...retry, budgetMs: Math.min(retry.budgetMs, budgetMs) };
        this.log("ablo request failed", { method: spec.method, path: spec.path, code: error.code, attempt, durationMs: Date.now() - started });
      }
      const delayMs = retryDelayMs(policy, attempt, retryAfterMs);
      if (!retryable || !mayRetry(policy, attempt, Date.now() - firstStarted, delayMs)) throw error;
      this.log("ablo retry", {
        method: spec.method,
        path: spec.path,
        attempt,
        status: error.statusCode,
        code: error.code,
        requestId: error.requestId,
        delayMs,
      });
      await this.sleep(delayMs);
    }
  }

  private async once(spec: RequestSpec, idempotencyKey: string | undefined): Promise<AxiosResponse<unknown>> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#options.apiKey}`,
      Accept: "application/json",
      "User-Agent": this.#options.userAgent,
    };
    if (spec.body !== undefined) headers["Content-Type"] = "application/json";
    if (idempotencyKey !== undefined) headers["Idempotency-Key"] = idempotencyKey;
    // A total deadline per attempt: axios' own `timeout` only bounds socket idleness.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DeadlineExceeded()), this.#options.timeoutMs);
    try {
      return await this.http.request({
        method: spec.method,
        url: this.#options.baseUrl.href + spec.path + queryString(spec.query),
        headers,
        data: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: controller.signal,
      });
    } catch (thrown) {
      if (controller.signal.aborted) throw new DeadlineExceeded();
      throw thrown;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads only the errno-style code of whatever was thrown; the thrown object itself is dropped. */
  private errorFromThrown(thrown: unknown, spec: RequestSpec, secrets: readonly string[]): AbloError {
    const where = `${spec.method} ${spec.path}`;
    if (thrown instanceof AbloError) return thrown;
    const untrusted = tlsErrorFromThrown(thrown, where, this.#options.baseUrl.href);
    if (untrusted) return untrusted;
    if (thrown instanceof DeadlineExceeded) {
      return new AbloTimeoutError({ type: "timeout_error", code: "request_timeout", message: `${where} timed out after ${this.#options.timeoutMs} ms` });
    }
    const code = safeCode(thrown);
    const message = thrown instanceof Error ? redact(thrown.message, secrets) : "unknown error";
    if (code === "ERR_BAD_RESPONSE") {
      if (/maxContentLength/.test(message)) {
        return new AbloAPIError({ type: "api_error", code: "response_too_large", message: `${where}: response larger than ${MAX_RESPONSE_BYTES} bytes` });
      }
      return new AbloConnectionError({ type: "connection_error", code: "response_aborted", message: `${where}: connection lost while reading the response` });
    }
    return new AbloConnectionError({ type: "connection_error", code, message: `${where}: connection error${code ? ` (${code})` : ""}: ${message}` });
  }

  private log(message: string, fields: Record<string, unknown>): void {
    try {
      this.#options.logger?.debug(message, fields);
    } catch {
      // A broken logger must not break requests.
    }
  }
}

class DeadlineExceeded extends Error {}

function queryString(query: RequestSpec["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : "";
}

function headerOf(res: AxiosResponse<unknown>, name: string): string | undefined {
  const value: unknown = res.headers[name];
  return typeof value === "string" ? value : undefined;
}

/** JSON.parse messages quote the input: never surface them. */
function parseJson(data: unknown): { body: unknown; notJson: boolean } {
  if (typeof data !== "string") return { body: undefined, notJson: true };
  try {
    return { body: JSON.parse(data), notJson: false };
  } catch {
    return { body: undefined, notJson: true };
  }
}

function safeCode(thrown: unknown): string | undefined {
  const code = (thrown as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code : undefined;
}
