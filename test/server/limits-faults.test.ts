import { setTimeout as sleep } from "node:timers/promises";
import { DatasourceResponseSchema } from "@ablo/api";
import { startAbloLocal, type AbloLocal } from "@ablo/harness";
import { CANARY, client, rawRequest } from "./helpers";

const DNS = { "db.example.com": ["93.184.216.34"] };
const body = { connectionString: `postgres://app:${CANARY}@db.example.com:5432/shop` };

describe("rate limits", () => {
  let api: AbloLocal;
  let k1: string;
  let k2: string;
  const { call } = client(() => api.baseUrl);
  beforeAll(async () => {
    api = await startAbloLocal({ verification: false, dnsMap: DNS, rateLimit: 5 });
    [k1, k2] = await Promise.all([api.createKey("rl", "test"), api.createKey("rl", "test")]);
  });
  afterAll(() => api.stop());

  test("a burst over the limit answers 429 with Retry-After, per token", async () => {
    const burst = await Promise.all(Array.from({ length: 30 }, () => call("GET", "/v1/datasources", { token: k1 }))); // 5/s: still ≥ 5 over even on a slow machine
    const limited = burst.filter((r) => r.status === 429);
    expect(burst.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(5);
    expect(limited.length).toBeGreaterThanOrEqual(5);
    for (const r of limited) {
      expect(r.json.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit" });
      expect(r.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    }
    // Another token has its own budget.
    expect((await call("GET", "/v1/datasources", { token: k2 })).status).toBe(200);
    await sleep(Number(limited[0]!.headers.get("retry-after")) * 1000);
    expect((await call("GET", "/v1/datasources", { token: k1 })).status).toBe(200);
  });
});

describe("fault injection", () => {
  let api: AbloLocal;
  let key: string;
  const { call } = client(() => api.baseUrl);
  const setFaults = (rules: unknown[]) => call("POST", "/_admin/faults", { body: { rules } });
  const count = async () => ((await call("GET", "/v1/datasources?limit=100", { token: key })).json.data as unknown[]).length;

  beforeAll(async () => {
    api = await startAbloLocal({
      verification: false,
      dnsMap: DNS,
      rateLimit: 0,
      admin: true,
      faults: { rules: [{ method: "GET", path: "/v1/datasources/*", action: "error", status: 503, count: 1 }] },
    });
    key = await api.createKey("faults", "test");
  });
  afterAll(async () => {
    expect(api.logs()).not.toContain(CANARY);
    await api.stop();
  });
  afterEach(async () => void (await call("DELETE", "/_admin/faults")));

  test("rules from --faults apply from the start, the given number of times", async () => {
    const first = await call("GET", "/v1/datasources/ds_test_any", { token: key });
    expect(first.status).toBe(503);
    expect(first.json.error).toMatchObject({ type: "api_error", code: "injected_fault" });
    const listed = await call("GET", "/_admin/faults");
    expect(listed.json.rules).toEqual([expect.objectContaining({ action: "error", fired: 1, remaining: 0 })]);
    expect((await call("GET", "/v1/datasources/ds_test_any", { token: key })).status).toBe(404);
  });

  test("an injected 5xx changes nothing", async () => {
    const before = await count();
    await setFaults([{ method: "POST", path: "/v1/datasources", action: "error", status: 500 }]);
    const r = await call("POST", "/v1/datasources", { token: key, body });
    expect(r.status).toBe(500);
    expect(r.json.error.type).toBe("api_error");
    expect(await count()).toBe(before);
  });

  test("latency delays the request, then it is handled", async () => {
    await setFaults([{ method: "GET", path: "/v1/datasources", action: "latency", latencyMs: 400, count: 1 }]);
    const t0 = Date.now();
    const r = await call("GET", "/v1/datasources", { token: key });
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
  });

  test("an injected 429 carries Retry-After", async () => {
    await setFaults([{ path: "/v1/**", action: "rate_limit", retryAfter: 7, count: 1 }]);
    const r = await call("GET", "/v1/datasources", { token: key });
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("7");
    expect(r.json.error.type).toBe("rate_limit_error");
  });

  test("reset destroys the connection before anything happens", async () => {
    const before = await count();
    await setFaults([{ method: "POST", path: "/v1/datasources", action: "reset", count: 1 }]);
    await expect(
      rawRequest(`${api.baseUrl}/v1/datasources`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE/) });
    expect(await count()).toBe(before);
  });

  test("drop_after_commit: the effect happens, the answer is lost, the idempotent retry replays it", async () => {
    const before = await count();
    await setFaults([{ method: "POST", path: "/v1/datasources", action: "drop_after_commit", count: 1 }]);
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json", "idempotency-key": "lost-answer" };
    await expect(rawRequest(`${api.baseUrl}/v1/datasources`, { method: "POST", headers, body: JSON.stringify(body) })).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|socket hang up/),
    });
    expect(await count()).toBe(before + 1); // committed
    const retry = await call("POST", "/v1/datasources", { token: key, body, headers: { "idempotency-key": "lost-answer" } });
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await count()).toBe(before + 1); // and not twice
  });

  test.each(["truncated", "html", "missing_id", "error_body"])(
    "corrupt_after_commit (%s): the effect happens, the answer is garbled, the idempotent retry replays the true one",
    async (corruption) => {
      const before = await count();
      await setFaults([{ method: "POST", path: "/v1/datasources", action: "corrupt_after_commit", corruption, count: 1 }]);
      const headers = { "idempotency-key": `garbled-${corruption}` };
      const raw = { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers };
      const first = await rawRequest(`${api.baseUrl}/v1/datasources`, { method: "POST", headers: raw, body: JSON.stringify(body) });
      expect(first.status).toBe(200);
      const readable = (() => {
        try {
          return DatasourceResponseSchema.safeParse(JSON.parse(first.text)).success;
        } catch {
          return false;
        }
      })();
      expect(readable).toBe(false);
      expect(await count()).toBe(before + 1); // committed
      const retry = await call("POST", "/v1/datasources", { token: key, body, headers });
      expect([retry.status, retry.headers.get("idempotent-replayed"), (JSON.parse(retry.text) as { id: string }).id]).toEqual([
        200,
        "true",
        expect.stringMatching(/^ds_test_/),
      ]);
      expect(await count()).toBe(before + 1);
    },
  );

  test("probability 0 never fires; probability 1 fires until its count is spent", async () => {
    await setFaults([
      { path: "/v1/datasources", action: "error", probability: 0 },
      { path: "/v1/datasources", action: "error", status: 502, probability: 1, count: 2 },
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call("GET", "/v1/datasources", { token: key })).status);
    expect(statuses).toEqual([502, 502, 200, 200, 200]);
  });

  test("invalid rules are a 400 and leave the current rules alone", async () => {
    await setFaults([{ path: "/v1/datasources", action: "latency", latencyMs: 1, count: 3 }]);
    for (const rules of [[{ action: "explode" }], [{ action: "error", status: 404 }], [{ action: "error", probability: 2 }], [{ action: "error", extra: 1 }]]) {
      const r = await setFaults(rules);
      expect(r.status).toBe(400);
      expect(r.json.error.type).toBe("invalid_request_error");
    }
    expect((await call("GET", "/_admin/faults")).json.rules).toHaveLength(1);
  });
});
