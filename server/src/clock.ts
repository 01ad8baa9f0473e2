/**
 * The server's wall clock: real time shifted by a fixed offset (`serve --clock-offset`), so tests
 * can run a server whose clock is off, as a real service's may be against its clients'. One object
 * per server, read by everything that shows or keeps wall-clock time: a datasource's `created`,
 * the `Date` header of every answer, and the idempotency window. Durations (access-log timings,
 * the rate limiter) use performance.now and are untouched by an offset, and so is the validity of
 * the `--tls` certificate, which clients check against their own clocks.
 */
export class Clock {
  /** Seconds ahead of real time (negative: behind). */
  constructor(readonly offsetSeconds = 0) {}

  /** Unix seconds. */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** The `Date` header's form (IMF-fixdate, RFC 9110). */
  httpDate(): string {
    return new Date(this.nowMs()).toUTCString();
  }

  private nowMs(): number {
    return Date.now() + this.offsetSeconds * 1000;
  }
}
