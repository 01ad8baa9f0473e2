// Pure helpers, imported from their modules (not part of the public API).
import { parseHttpDate } from "../../client/src/http";
import { redact, secretsOf } from "../../client/src/redact";
import { DEFAULT_RETRY_POLICY, isRetryableNetworkCode, isRetryableStatus, mayRetry, parseRetryAfter, retryDelayMs } from "../../client/src/retry";

describe("retry policy", () => {
  it("retries 429, 5xx and a 409 for a key still in use only", () => {
    expect([200, 400, 401, 403, 404, 409, 418, 429, 500, 502, 503, 504].filter((s) => isRetryableStatus(s))).toEqual([429, 500, 502, 503, 504]);
    expect(isRetryableStatus(409, "idempotency_key_in_use")).toBe(true);
    expect(isRetryableStatus(409, "idempotency_key_reused")).toBe(false);
  });

  it("counts retries, or spends a time budget regardless of count", () => {
    const counted = { ...DEFAULT_RETRY_POLICY, maxRetries: 2 };
    expect([1, 2, 3].map((attempt) => mayRetry(counted, attempt, 0, 0))).toEqual([true, true, false]);
    const timed = { ...DEFAULT_RETRY_POLICY, maxRetries: 0, budgetMs: 10_000 };
    expect(mayRetry(timed, 50, 9_000, 500)).toBe(true);
    expect(mayRetry(timed, 2, 9_800, 500)).toBe(false);
  });

  it("retries transient network codes, not DNS misses", () => {
    expect(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"].every(isRetryableNetworkCode)).toBe(true);
    expect(isRetryableNetworkCode("ENOTFOUND")).toBe(false);
    expect(isRetryableNetworkCode(undefined)).toBe(false);
  });

  it("parses Retry-After seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3_000);
    expect(parseRetryAfter(" 0 ")).toBe(0);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it("backs off exponentially with up to 25% jitter, capped", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, n, undefined, () => 0))).toEqual([100, 200, 400, 800, 1_000]);
    expect(retryDelayMs(policy, 1, undefined, () => 1)).toBe(75);
  });

  it("prefers Retry-After, capped by maxRetryAfterMs", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxRetryAfterMs: 2_000 };
    expect(retryDelayMs(policy, 1, 1_500)).toBe(1_500);
    expect(retryDelayMs(policy, 1, 60_000)).toBe(2_000);
  });
});

describe("redact", () => {
  it("removes known secrets, URI passwords (raw and decoded) and token-shaped strings", () => {
    const conn = "postgresql://app:p%40ss%2Fw0rd@db.example.com/shop";
    const secrets = secretsOf(["sk_live_abc123", conn]);
    expect(secrets).toEqual(expect.arrayContaining(["p%40ss%2Fw0rd", "p@ss/w0rd"]));
    const out = redact(`key sk_live_abc123 conn ${conn} pw p@ss/w0rd`, secrets);
    expect(out).not.toMatch(/abc123|p%40ss|p@ss/);
  });

  it("scrubs credentials it was not told about", () => {
    const out = redact("postgres://u:hunter2@h/db Bearer cap_test_xyz password=hunter3 pwd: 'hunter4' sk_test_zzz");
    expect(out).not.toMatch(/hunter|xyz|zzz/);
  });

  it("leaves ordinary text alone", () => {
    expect(redact("No such datasource: ds_test_123", [])).toBe("No such datasource: ds_test_123");
  });
});

describe("HTTP dates (the Date header: ApiResponse.serverTime)", () => {
  it("reads the three forms of RFC 9110 as GMT, and nothing else", () => {
    const t = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
    expect(["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"].map(parseHttpDate)).toEqual([t, t, t]);
    expect(
      [undefined, "", "1", "784111777", "2026-12-01T10:00:00Z", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 99 Nov 1994 08:49:37 GMT"].map(parseHttpDate),
    ).toEqual(Array(7).fill(undefined));
  });
});
