/**
 * When to retry and how long to wait. Pure functions: the request loop in http.ts owns the
 * sleeping, so tests can reason about delays without timers.
 */
export interface RetryPolicy {
  /** Retries after the first attempt (so `maxRetries + 1` attempts at most). */
  maxRetries: number;
  /** First backoff delay; doubles per retry up to `maxDelayMs`, minus up to 25% jitter. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Upper bound on a server's `Retry-After`, so a hostile or confused server cannot park us. */
  maxRetryAfterMs: number;
  /**
   * When > 0, retries go on until this much time has passed since the first attempt, however
   * many that takes (`maxRetries` no longer limits). For callers that must not give up on a
   * request whose outcome is unknown (a POST that may have committed) after a few quick faults.
   */
  budgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  budgetMs: 0,
};

/** Whether another attempt fits: by count, or by time when the policy has a budget. */
export function mayRetry(policy: RetryPolicy, attempt: number, elapsedMs: number, delayMs: number): boolean {
  if (policy.budgetMs > 0) return elapsedMs + delayMs < policy.budgetMs;
  return attempt <= policy.maxRetries;
}

/**
 * errno codes of failures before any answer: safe to retry, GETs and DELETEs being idempotent and
 * every POST carrying its Idempotency-Key. ENOTFOUND is left out: a wrong host stays wrong.
 */
const RETRYABLE_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ENETDOWN",
  "response_aborted",
]);

/**
 * 429 and 5xx; and 409 `idempotency_key_in_use`: the first attempt under the same key is still
 * running, so this one may be sent again, with the same key, once it has finished (Stripe's rule).
 */
export function isRetryableStatus(status: number, code?: string): boolean {
  return status === 429 || status >= 500 || (status === 409 && code === "idempotency_key_in_use");
}

export function isRetryableNetworkCode(code: string | undefined): boolean {
  return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or garbage. */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Delay before retry number `retry` (1-based). A server's Retry-After wins, capped; otherwise
 * exponential backoff with jitter so that many clients throttled together do not return together.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const backoff = Math.min(policy.initialDelayMs * 2 ** (retry - 1), policy.maxDelayMs);
  return Math.round(backoff * (1 - random() * 0.25));
}
