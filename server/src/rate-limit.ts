import { RateLimitError } from "./errors";

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token bucket per API key: `perSecond` requests a second, bursts up to one second's worth.
 * In memory: a restart forgets the buckets, which only errs on the lenient side.
 *
 * With `headers`, every answer to a key says its budget, as the IETF draft's `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the bucket is full again) do: the
 * real API's headers are inferred, so clients must work with them and without them
 * (`ablo-local serve --no-rate-limit-headers`).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly headers = true,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  /**
   * Takes one token for `key` and returns the headers stating what is left, or throws a 429 with
   * the whole seconds until one is available.
   */
  take(key: string): Record<string, string> {
    if (!this.enabled) return {};
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.perSecond, at: t };
    b.tokens = Math.min(this.perSecond, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return this.budgetHeaders(b);
    }
    throw new RateLimitError(Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond)), undefined, this.budgetHeaders(b));
  }

  private budgetHeaders(b: Bucket): Record<string, string> {
    if (!this.headers) return {};
    return {
      "RateLimit-Limit": String(this.perSecond),
      "RateLimit-Remaining": String(Math.floor(b.tokens)),
      "RateLimit-Reset": String(Math.ceil((this.perSecond - b.tokens) / this.perSecond)),
    };
  }
}
