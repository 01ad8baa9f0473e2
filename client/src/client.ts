import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { parseBaseUrl } from "./base-url";
import { Datasources } from "./datasources";
import { AbloConfigurationError } from "./errors";
import { type AbloLogger, Transport } from "./http";
import { DEFAULT_RETRY_POLICY } from "./retry";

export interface AbloClientOptions {
  /** `sk_live_…`, `sk_test_…` or a capability token (`cap_live_…`, `cap_test_…`). */
  apiKey: string;
  /** Default https://api.abloatai.com. Plain http:// only to a loopback host. */
  baseUrl?: string;
  /** Deadline of one attempt, connection to last byte (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and connection errors (default 2). */
  maxRetries?: number;
  /**
   * Retry for this long instead of `maxRetries` times (default 0: count-based). Every retry of a
   * POST carries the same Idempotency-Key, so a long budget never duplicates a create.
   */
  retryBudgetMs?: number;
  /** Cap on a server's Retry-After (default 60 s). */
  maxRetryAfterMs?: number;
  /** First exponential-backoff delay (default 500 ms) and its cap (default 8 s). */
  initialRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Gets method, path, status, request id and attempt; never bodies or headers. */
  logger?: AbloLogger;
  /** Replaces the client's own keep-alive agent (e.g. to tunnel through a proxy); not closed by close(). */
  httpAgent?: HttpAgent;
}

const VERSION = "0.2.0";

export class AbloClient {
  readonly datasources: Datasources;
  private readonly ownAgent: HttpAgent | undefined;
  readonly #baseUrl: string;

  constructor(options: AbloClientOptions) {
    const apiKey = options?.apiKey;
    // Checked here because Node would reject it later with an error naming the header.
    if (typeof apiKey !== "string" || apiKey.length === 0 || !/^[\x21-\x7e]+$/.test(apiKey)) {
      throw new AbloConfigurationError({
        type: "configuration_error",
        code: "api_key_invalid",
        param: "apiKey",
        message: "apiKey must be a non-empty token of printable ASCII characters (sk_live_…, sk_test_… or a capability token)",
      });
    }
    const baseUrl = parseBaseUrl(options.baseUrl);
    const timeoutMs = positive(options.timeoutMs, "timeoutMs", 30_000);
    const retry = {
      maxRetries: nonNegativeInt(options.maxRetries, "maxRetries", DEFAULT_RETRY_POLICY.maxRetries),
      maxRetryAfterMs: nonNegative(options.maxRetryAfterMs, "maxRetryAfterMs", DEFAULT_RETRY_POLICY.maxRetryAfterMs),
      initialDelayMs: nonNegative(options.initialRetryDelayMs, "initialRetryDelayMs", DEFAULT_RETRY_POLICY.initialDelayMs),
      maxDelayMs: nonNegative(options.maxRetryDelayMs, "maxRetryDelayMs", DEFAULT_RETRY_POLICY.maxDelayMs),
      budgetMs: nonNegative(options.retryBudgetMs, "retryBudgetMs", DEFAULT_RETRY_POLICY.budgetMs),
    };
    // One pooled agent per client: sockets are reused across requests and retries.
    this.ownAgent = options.httpAgent
      ? undefined
      : baseUrl.protocol === "https:"
        ? new HttpsAgent({ keepAlive: true, maxSockets: 16 })
        : new HttpAgent({ keepAlive: true, maxSockets: 16 });
    const transport = new Transport({
      apiKey,
      baseUrl,
      timeoutMs,
      retry,
      agent: options.httpAgent ?? this.ownAgent!,
      logger: options.logger,
      userAgent: `ablo-client/${VERSION} node/${process.versions.node}`,
    });
    this.datasources = new Datasources(transport, apiKey);
    this.#baseUrl = baseUrl.href;
  }

  /** Checks, in seconds, that the base URL is the Ablo API and takes the key (see Datasources.probe). */
  probe(): Promise<void> {
    return this.datasources.probe(this.#baseUrl);
  }

  /** Closes pooled sockets (idle keep-alive sockets do not hold the process open, but tests like it tidy). */
  close(): void {
    this.ownAgent?.destroy();
  }

  toJSON(): Record<string, unknown> {
    return { object: "AbloClient" };
  }
}

function positive(value: number | undefined, param: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw invalidOption(param, "a positive number");
  return value;
}

function nonNegative(value: number | undefined, param: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw invalidOption(param, "a non-negative number");
  return value;
}

function nonNegativeInt(value: number | undefined, param: string, fallback: number): number {
  const n = nonNegative(value, param, fallback);
  if (!Number.isInteger(n)) throw invalidOption(param, "a non-negative integer");
  return n;
}

function invalidOption(param: string, what: string): AbloConfigurationError {
  return new AbloConfigurationError({ type: "configuration_error", code: "option_invalid", param, message: `${param} must be ${what}` });
}
