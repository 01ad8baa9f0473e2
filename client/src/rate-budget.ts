/**
 * One API key's request budget, shared by every request its client sends (the provider holds one
 * client per key and base URL, so this is the whole process's budget for that key). The API's
 * limit is per key and shared with every pipeline that uses the key; a client that retries into it
 * spends that budget on 429s. So every attempt waits for a slot here first, and:
 * - a 429 pauses every request of the key until its Retry-After, not only the one that got it;
 * - the send rate is learned from the answers, as the AWS SDKs' adaptive retry mode does: slow
 *   start (at most a window in flight, one to begin with, one more per answer: doubling each round
 *   trip, so that a fast API is not held back) until the first sign of the limit, then a rate,
 *   additive increase and multiplicative decrease: on a 429, to what the server let
 *   through in the last second, at most x0.7, once for all the answers to what went out before
 *   the cut; x0.9 when the server says none are left before refusing one;
 * - rate-limit headers (`RateLimit-*`, `X-RateLimit-*`), when the server sends them, give the
 *   limit at once, what the key's other users leave of it, and a warning before a 429; they are
 *   never required.
 * Written here: the libraries that pace requests (bottleneck, p-throttle) take a fixed rate; none
 * learns it from 429s and headers. Times are milliseconds of a monotonic clock, injected by tests.
 */
export interface BudgetClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** What an answer says of the budget. */
export interface BudgetSignal {
  /** HTTP status; 429 is a throttle. */
  status: number;
  /** The server's limit per second, when it says (a `RateLimit-Limit` over a window, per second). */
  limitPerSecond?: number | undefined;
  /** Requests left in the window, when it says. */
  remaining?: number | undefined;
  /** When the attempt went out (the clock's time): a sign of the limit counts once per cut, from what was sent after it. */
  sentAt: number;
}

/** Until a rate is learned, it is unused: slow start limits what is in flight. */
const INITIAL_RATE = 4;
const MIN_RATE = 0.5;
const MAX_RATE = 1_000;
/** In flight at most in slow start, however fast the answers come. */
const MAX_WINDOW = 1_000;
/**
 * Requests sent together without waiting: a quarter second's worth, two at least, so that a few
 * requests one after another (a create, then its verification's polls) do not wait, while a
 * thousand at once are paced.
 */
const BURST_SECONDS = 0.25;
const MIN_BURST = 2;

export class RateBudget {
  #rate = INITIAL_RATE;
  /** Until the first sign of the limit: a window of attempts in flight, not a rate. */
  #slowStart = true;
  /** The rate at the last sign of the limit: increase is quick below it, careful above it. */
  #ceiling = Infinity;
  #tokens = 0;
  /** Attempts sent and not yet ended, and, in slow start, how many may be: one to begin with (the first answer may say the limit, and what the key's other users left of it). */
  #inFlight = 0;
  #window = 1;
  #refilledAt: number;
  /** Requests waiting for their turn: the rate grows only while the budget is what holds them back. */
  readonly #queue: Array<() => void> = [];
  #pumping = false;
  #pausedUntil = 0;
  #lastCut = -Infinity;
  #lastGrowth: number;
  /** When the answers of the last second that were not throttled came. */
  readonly #passed: number[] = [];

  constructor(
    private readonly clock: BudgetClock,
    private readonly random: () => number = Math.random,
  ) {
    this.#lastGrowth = clock.now();
    this.#refilledAt = clock.now();
  }

  /** Requests per second this client allows itself now (for logs and tests). */
  get rate(): number {
    return this.#rate;
  }

  /**
   * Waits for this attempt's turn: first come, first served; after any pause. In slow start, while
   * fewer than the window are in flight (as TCP's slow start: the window grows by one per answer,
   * doubling each round trip, so a fast API is not held back); after it, tokens at `rate` a second
   * in bursts of a quarter second's worth. Each `take` is followed by one `release` when the attempt ends.
   */
  take(): Promise<void> {
    if (this.#queue.length === 0 && this.mayGo(this.clock.now()) === 0) {
      this.go();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#queue.push(resolve);
      void this.pump();
    });
  }

  /** An attempt has ended (answered or failed): its place in the window is free. */
  release(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (this.#queue.length > 0) void this.pump();
  }

  /** 0 when the next attempt may go now; the milliseconds to wait; or Infinity until an attempt ends. */
  private mayGo(now: number): number {
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    if (this.#slowStart) return this.#inFlight < this.#window ? 0 : Infinity;
    this.refill(now);
    return this.#tokens >= 1 ? 0 : ((1 - this.#tokens) / this.#rate) * 1000;
  }

  private go(): void {
    if (!this.#slowStart) this.#tokens -= 1;
    this.#inFlight += 1;
  }

  /** Lets the queue's head go when it may, the wait worked out anew each time (the rate and pauses change meanwhile). */
  private async pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        const wait = this.mayGo(this.clock.now());
        if (wait === Infinity) return; // the next release pumps again
        if (wait > 0) {
          await this.clock.sleep(Math.max(1, wait)); // no float crumbs: a timer is a millisecond at least
          continue;
        }
        this.go();
        this.#queue.shift()!();
      }
    } finally {
      this.#pumping = false;
    }
  }

  private refill(now: number): void {
    if (now <= this.#refilledAt) return;
    this.#tokens = Math.min(Math.max(MIN_BURST, this.#rate * BURST_SECONDS), this.#tokens + ((now - this.#refilledAt) / 1000) * this.#rate);
    this.#refilledAt = now;
  }

  /**
   * Every request of the key waits until `ms` from now (a 429's Retry-After), and up to half as
   * long again at random: the other processes of the key were told the same, and all of them
   * coming back at once would be refused together again.
   */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.clock.now() + ms * (1 + this.random() / 2));
    // Nothing saved up while paused: all of it going out at the end of the pause would be refused again.
    this.#tokens = Math.min(this.#tokens, 0);
    this.#refilledAt = Math.max(this.#refilledAt, this.#pausedUntil);
  }

  /** Learns from one answer. */
  settle(signal: BudgetSignal): void {
    const now = this.clock.now();
    const limit = signal.limitPerSecond;
    if (limit !== undefined && limit > 0) {
      // The server says its limit, and what the key's other users left of it: no need to find
      // either by hitting it. A process that starts while others use the key starts at what is left.
      if (this.#slowStart) {
        this.#rate = Math.max(MIN_RATE, Math.min(limit, (signal.remaining ?? limit - 1) + 1));
        this.leaveSlowStart(now);
      }
      this.#rate = Math.min(this.#rate, limit);
      this.#ceiling = Math.min(this.#ceiling, limit);
    }
    const throttled = signal.status === 429;
    if (!throttled) this.#passed.push(now);
    // One more in flight per answer, but never more than twice what got through in the last second:
    // an API's burst allowance hides its limit for a second, and everything in flight when it shows is refused.
    if (!throttled && this.#slowStart) this.#window = Math.min(MAX_WINDOW, this.#window + 1, Math.max(4, 2 * this.passedLastSecond(now)));
    // What got through in the last second is this process's share of the key when others use it too.
    const passed = this.passedLastSecond(now);
    if (throttled || signal.remaining === 0) {
      // Answers to what went out before the last cut say nothing the cut did not.
      if (signal.sentAt < this.#lastCut) return;
      const factor = throttled ? 0.7 : 0.9;
      // Leaving slow start, no rate was set: what got through, less the same margin.
      if (this.#slowStart) return this.cut(now, Math.max(1, passed) * factor);
      return this.cut(now, passed >= 1 ? Math.min(this.#rate * factor, passed) : this.#rate * 0.5);
    }
    if (signal.remaining !== undefined && limit !== undefined) {
      // On a key others leave idle (half of it unused), what the server says is left may go now,
      // less what is already on its way: the API's own burst allowance, used rather than paced out.
      if (!this.#slowStart && signal.remaining >= limit * 0.5) this.#tokens = Math.max(this.#tokens, Math.min(limit, signal.remaining - this.#inFlight));
      // Nearly nothing left in the server's window: others share the key, or this is its pace already.
      if (signal.remaining < limit * 0.2) return;
      // Half of it unused: the others have gone quiet; back towards the limit in a few seconds.
      if (signal.remaining >= limit * 0.5) return this.grow(now, limit);
    }
    this.grow(now);
  }

  /** From the window to the rate: the first sign of the limit. */
  private leaveSlowStart(now: number): void {
    if (!this.#slowStart) return;
    this.#slowStart = false;
    this.#tokens = 0;
    this.#refilledAt = now;
  }

  private passedLastSecond(now: number): number {
    while (this.#passed.length > 0 && now - this.#passed[0]! >= 1000) this.#passed.shift();
    return this.#passed.length;
  }

  private cut(now: number, to: number): void {
    this.leaveSlowStart(now);
    this.#lastCut = now;
    this.#ceiling = this.#rate;
    this.#rate = Math.max(MIN_RATE, to);
    this.#tokens = Math.min(this.#tokens, 0);
    this.#lastGrowth = now;
  }

  /** Grows the rate while requests wait for it: doubling every quarter second in slow start, or up to `towards` (the key's idle limit) every second. */
  private grow(now: number, towards?: number): void {
    const seconds = (now - this.#lastGrowth) / 1000;
    this.#lastGrowth = now;
    if (this.#queue.length === 0 || seconds <= 0) return;
    if (this.#slowStart) return;
    if (towards !== undefined) {
      this.#rate = Math.max(this.#rate, Math.min(towards, this.#rate * 2 ** seconds));
      return;
    }
    // Back to nine tenths of the last ceiling in about 2 s, then probing on at a fiftieth of it a
    // second: about one 429 in 40 requests at 5 requests/s, fewer at higher limits.
    const ceiling = Number.isFinite(this.#ceiling) ? this.#ceiling : this.#rate;
    const step = Math.max(0.05, ceiling * (this.#rate < ceiling * 0.9 ? 0.1 : 0.02));
    this.#rate = Math.min(MAX_RATE, this.#rate + step * seconds);
  }
}

/**
 * The budget an answer's headers state, IETF `RateLimit-*` or the older `X-RateLimit-*`: the limit
 * as requests per second (over `RateLimit-Policy`'s or `X-RateLimit-Window`'s window when given,
 * else a second), and the requests left. Anything unreadable is left out.
 */
export function budgetHeaders(header: (name: string) => string | undefined): Pick<BudgetSignal, "limitPerSecond" | "remaining"> {
  const num = (name: string): number | undefined => {
    const text = header(name) ?? header(`x-${name}`);
    if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
    return Number(text);
  };
  const limit = num("ratelimit-limit");
  const policyWindow = /;\s*w=(\d+)/.exec(header("ratelimit-policy") ?? "")?.[1];
  const window = policyWindow !== undefined ? Number(policyWindow) : (num("ratelimit-window") ?? 1);
  return {
    limitPerSecond: limit !== undefined && limit > 0 && window > 0 ? limit / window : undefined,
    remaining: num("ratelimit-remaining"),
  };
}
