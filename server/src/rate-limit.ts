import { RateLimitError } from "./errors";

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token bucket per API key: `perSecond` requests a second, bursts up to one second's worth.
 * In memory: a restart forgets the buckets, which only errs on the lenient side.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  /** Takes one token for `key` or throws a 429 with the whole seconds until one is available. */
  take(key: string): void {
    if (!this.enabled) return;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.perSecond, at: t };
    b.tokens = Math.min(this.perSecond, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return;
    }
    throw new RateLimitError(Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond)));
  }
}
