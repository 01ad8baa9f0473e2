import { randomUUID } from "node:crypto";
import type { Agent as HttpAgent } from "node:http";
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import type { z } from "zod";
import type { BaseUrl } from "./base-url";
import {
  AbloAPIError,
  AbloConnectionError,
  AbloError,
  AbloInsecureTransportError,
  AbloResponseValidationError,
  AbloRouteNotFoundError,
  AbloTimeoutError,
} from "./errors";
import { budgetHeaders, RateBudget } from "./rate-budget";
import { redact, secretsOf } from "./redact";
import { errorFromResponse } from "./response-errors";
import { tlsErrorFromThrown } from "./tls-errors";
import { isRetryableNetworkCode, isRetryableStatus, mayRetry, parseRetryAfter, retryDelayMs, type RetryPolicy } from "./retry";
import { parseResponse } from "./validate";

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

export interface RequestSpec<T = unknown> {
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
  /**
   * What a 2xx body must be. One that is not (see Transport.request) is asked for again; without
   * a schema every 2xx is returned as it came (`data` is the body, unchecked).
   */
  schema?: z.ZodType<T>;
}

export interface ApiResponse<T = unknown> {
  status: number;
  requestId: string | undefined;
  /** The server said this answer replays an earlier request's (`Idempotent-Replayed: true`). */
  replayed: boolean;
  /**
   * The server's clock when it answered (its `Date` header), Unix seconds; undefined when absent or
   * not an HTTP date. Compare it with times the server wrote (a datasource's `created`), never
   * with this machine's clock: the two clocks may disagree by minutes.
   */
  serverTime: number | undefined;
  /** Parsed JSON, or undefined with `notJson` set. */
  body: unknown;
  notJson: boolean;
  /** The body checked by the request's schema (the body itself when it had none). */
  data: T;
}

/** Largest response body accepted; far above any page of 100 datasources. */
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/**
 * Until the server has answered once, connection failures are retried this long only: a wrong
 * base URL (a port that refuses, say) fails in seconds, while an API that answered before and is
 * restarting is ridden out with the whole budget. 2.5 s: `pulumi up` pays it twice (its preview's
 * provider process, then its update's), and must name the problem within 10 s (it took 11.5-21 s at 5 s).
 */
const FIRST_CONTACT_BUDGET_MS = 2_500;

/**
 * Asks for a 2xx answer that could not be read, a POST each time under the same Idempotency-Key.
 * Five: at the fault suite's 10 % of garbled creates, three asks left a create unread about once
 * in a thousand, and an `up` of long-lived stacks makes thousands of requests.
 */
const UNREADABLE_ANSWER_ASKS = 5;

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
  /** Every attempt of this client (one API key) waits for a slot here: see rate-budget.ts. */
  readonly #budget: RateBudget;
  #firstServerTime: number | undefined;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#budget = new RateBudget({ now: () => performance.now(), sleep: this.sleep });
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

  /**
   * The server's clock at the first answer this client read (its `Date` header), Unix seconds:
   * anything the server says it made at or after this time was made while this client lived.
   */
  get firstServerTime(): number | undefined {
    return this.#firstServerTime;
  }

  /**
   * One logical request: its attempts, until an answer that is read or an error that stands.
   * Two counts, kept apart. Transient failures (429, 5xx, resets, timeouts) are retried under the
   * retry policy. A 2xx whose body does not match `spec.schema` (truncated, a page, missing
   * fields: a garbled answer, from the API or a proxy) is asked for again at once, at most
   * UNREADABLE_ANSWER_ASKS asks in all, then the AbloResponseValidationError stands. Every
   * attempt of a POST carries the same Idempotency-Key: a create or update the server committed
   * is replayed, never made twice, and a create whose answer was lost is not lost.
   */
  async request<T = unknown>(spec: RequestSpec<T>): Promise<ApiResponse<T>> {
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
    // One key per logical POST, reused by every retry and every ask so the server can replay instead of redo.
    const idempotencyKey = spec.method === "POST" ? (spec.idempotencyKey ?? randomUUID()) : undefined;
    const { retry } = this.#options;
    const where = `${spec.method} ${spec.path}`;
    // The ask (1-based) and, within it, the attempt and when it began: an unreadable answer ends
    // an ask, and the next one has the retry policy afresh, as any new request would.
    let ask = 1;
    let attempt = 1;
    let askStarted = Date.now();

    for (let sent = 1; ; sent++) {
      // The key's turn first: an attempt's time and its log line start when it goes out.
      await this.#budget.take();
      const started = Date.now();
      const sentAt = performance.now();
      this.log("ablo request", { method: spec.method, path: spec.path, attempt: sent });
      let error: AbloError;
      let retryAfterMs: number | undefined;
      let retryable: boolean;
      let policy: RetryPolicy;
      try {
        const res = await this.once(spec, idempotencyKey).finally(() => this.#budget.release());
        this.#contacted = true;
        this.#firstServerTime ??= parseHttpDate(headerOf(res, "date"));
        this.#budget.settle({ status: res.status, sentAt, ...budgetHeaders((name) => headerOf(res, name)) });
        const rawRequestId = headerOf(res, "request-id");
        const requestId = rawRequestId === undefined ? undefined : redact(rawRequestId, secrets);
        this.log("ablo response", { method: spec.method, path: spec.path, status: res.status, requestId, attempt: sent, durationMs: Date.now() - started });
        const { body, notJson } = parseJson(res.data);
        if (res.status >= 200 && res.status < 300) {
          const answer = {
            status: res.status,
            requestId,
            body,
            notJson,
            replayed: headerOf(res, "idempotent-replayed") === "true",
            serverTime: parseHttpDate(headerOf(res, "date")),
          };
          if (spec.schema === undefined) return { ...answer, data: body as T };
          try {
            return { ...answer, data: parseResponse(spec.schema, answer, where) };
          } catch (err) {
            if (!(err instanceof AbloResponseValidationError) || ask >= UNREADABLE_ANSWER_ASKS) throw err;
            this.log("ablo unreadable answer", { method: spec.method, path: spec.path, status: res.status, requestId, code: err.code, ask });
            ask += 1;
            attempt = 1;
            askStarted = Date.now();
            continue;
          }
        }
        retryAfterMs = parseRetryAfter(headerOf(res, "retry-after"));
        error = errorFromResponse(res.status, body, requestId, retryAfterMs, spec, secrets, headerOf(res, "location"));
        // A route the server lacks (or redirects away from) stays missing: never retried (a 501 is a 5xx).
        retryable = !(error instanceof AbloRouteNotFoundError) && isRetryableStatus(res.status, error.code);
        policy = spec.budgetMs === undefined ? retry : { ...retry, budgetMs: spec.budgetMs };
      } catch (thrown) {
        error = this.errorFromThrown(thrown, spec, secrets);
        retryable = error instanceof AbloTimeoutError || (error instanceof AbloConnectionError && isRetryableNetworkCode(error.code));
        const budgetMs = Math.min(spec.budgetMs ?? Infinity, this.#contacted ? Infinity : FIRST_CONTACT_BUDGET_MS);
        // A count-based policy (budget 0) is short already and stays as it is.
        policy = budgetMs === Infinity || retry.budgetMs === 0 ? retry : { ...retry, budgetMs: Math.min(retry.budgetMs, budgetMs) };
        this.log("ablo request failed", { method: spec.method, path: spec.path, code: error.code, attempt: sent, durationMs: Date.now() - started });
      }
      const delayMs = retryDelayMs(policy, attempt, retryAfterMs);
      // The key's limit is shared: every request of it waits out a 429, not this one alone.
      if (error.statusCode === 429) this.#budget.pause(delayMs);
      if (!retryable || !mayRetry(policy, attempt, Date.now() - askStarted, delayMs)) throw error;
      this.log("ablo retry", {
        method: spec.method,
        path: spec.path,
        attempt: sent,
        status: error.statusCode,
        code: error.code,
        requestId: error.requestId,
        delayMs,
      });
      await this.sleep(delayMs);
      attempt += 1;
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

/**
 * An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime forms, all in
 * GMT) as Unix seconds; undefined for anything else. Date.parse alone would take nearly any text
 * ("1" is a day in 2001) and read a zone-less asctime date as local time.
 */
export function parseHttpDate(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  const gmt = /^[A-Za-z]{3,9}, \d{2}[ -][A-Za-z]{3}[ -]\d{2,4} \d{2}:\d{2}:\d{2} GMT$/.test(text);
  const asctime = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/.test(text);
  if (!gmt && !asctime) return undefined;
  const ms = Date.parse(asctime ? `${text} GMT` : text);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
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
