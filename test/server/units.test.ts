import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateDatasourceParamsSchema, ListParamsSchema } from "@ablo/api";
import { ABLO_LOCAL_CLI } from "@ablo/harness";
import {
  canonicalJson,
  ConfigError,
  Faults,
  InvalidRequestError,
  loadMasterKey,
  loggedUrl,
  mergeMetadata,
  parseJsonBody,
  parseParams,
  shownPath,
  RateLimiter,
  RateLimitError,
  SealError,
  Sealer,
  staticResolver,
  Store,
} from "ablo-local";
import { accessLogger, createLogger } from "../../server/src/logger";

// Unit tests of the server's modules (sources, no HTTP); the HTTP contract is in contract.test.ts.
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "ablo-unit-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("Sealer", () => {
  const sealer = new Sealer(Buffer.alloc(32, 7));
  const secret = "postgres://app:hunter2@db.example.com/shop";

  test("round-trips, with a fresh IV every time and no plaintext in the sealed bytes", () => {
    const a = sealer.seal(secret, "ds_1");
    const b = sealer.seal(secret, "ds_1");
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from("hunter2"))).toBe(false);
    expect(sealer.open(a, "ds_1")).toBe(secret);
  });

  test("is bound to the record id and detects tampering", () => {
    const sealed = sealer.seal(secret, "ds_1");
    expect(() => sealer.open(sealed, "ds_2")).toThrow(SealError);
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1]! ^= 1;
    expect(() => sealer.open(flipped, "ds_1")).toThrow(SealError);
    expect(() => new Sealer(Buffer.alloc(32, 8)).open(sealed, "ds_1")).toThrow(SealError);
  });
});

describe("loadMasterKey", () => {
  test("creates a 0600 key file once, then reads the same key", () => {
    const d = tmp();
    const k1 = loadMasterKey(d, {});
    expect(statSync(join(d, "master.key")).mode & 0o777).toBe(0o600);
    expect(loadMasterKey(d, {}).equals(k1)).toBe(true);
  });

  test("refuses a key file others can read, and malformed keys", () => {
    const d = tmp();
    loadMasterKey(d, {});
    chmodSync(join(d, "master.key"), 0o644);
    expect(() => loadMasterKey(d, {})).toThrow(/readable by group or others/);
    expect(() => loadMasterKey(tmp(), { ABLO_LOCAL_MASTER_KEY: "c2hvcnQ=" })).toThrow(ConfigError);
    const bad = tmp();
    writeFileSync(join(bad, "master.key"), "not a key", { mode: 0o600 });
    expect(() => loadMasterKey(bad, {})).toThrow(ConfigError);
  });

  test("takes ABLO_LOCAL_MASTER_KEY (hex or base64) and then writes no file", () => {
    const d = tmp();
    const hex = "ab".repeat(32);
    expect(loadMasterKey(d, { ABLO_LOCAL_MASTER_KEY: hex }).toString("hex")).toBe(hex);
    expect(loadMasterKey(d, { ABLO_LOCAL_MASTER_KEY: Buffer.from(hex, "hex").toString("base64") }).toString("hex")).toBe(hex);
    expect(() => statSync(join(d, "master.key"))).toThrow();
  });
});

describe("Faults", () => {
  test("globs: * stays within a segment, ** crosses segments; method filters", () => {
    const f = new Faults({ rules: [{ method: "get", path: "/v1/datasources/*", action: "error" }] });
    expect(f.plan("GET", "/v1/datasources/ds_1").terminal).toEqual({ action: "error", status: 500 });
    expect(f.plan("GET", "/v1/datasources").terminal).toBeUndefined();
    expect(f.plan("GET", "/v1/datasources/ds_1/x").terminal).toBeUndefined();
    expect(f.plan("POST", "/v1/datasources/ds_1").terminal).toBeUndefined();
    const any = new Faults([{ path: "/v1/**", action: "reset" }]);
    expect(any.plan("DELETE", "/v1/datasources/ds_1").terminal).toEqual({ action: "reset" });
  });

  test("counts, probabilities, latencies add up, the first terminal wins", () => {
    let roll = 0.5;
    const f = new Faults(
      [
        { path: "/**", action: "latency", latencyMs: 10 },
        { path: "/**", action: "latency", latencyMs: 5, probability: 0.4 },
        { path: "/**", action: "rate_limit", retryAfter: 3, count: 1 },
        { path: "/**", action: "error", status: 503, count: 1 },
        { path: "/**", action: "drop_after_commit", count: 1 },
      ],
      () => roll,
    );
    expect(f.plan("GET", "/x")).toEqual({ latencyMs: 10, terminal: { action: "rate_limit", retryAfter: 3 }, dropAfterCommit: false, abandonMs: 0 });
    roll = 0.1;
    expect(f.plan("GET", "/x")).toEqual({ latencyMs: 15, terminal: { action: "error", status: 503 }, dropAfterCommit: false, abandonMs: 0 });
    expect(f.plan("GET", "/x")).toEqual({ latencyMs: 15, dropAfterCommit: true, abandonMs: 0 });
    expect(f.plan("GET", "/x")).toEqual({ latencyMs: 15, dropAfterCommit: false, abandonMs: 0 });
    expect(f.list().map((r) => [r.action, r.fired, r.remaining])).toEqual([
      ["latency", 4, null],
      ["latency", 3, null],
      ["rate_limit", 1, 0],
      ["error", 1, 0],
      ["drop_after_commit", 1, 0],
    ]);
    // abandon: the request goes on for latencyMs after its connection is dropped; exclusive like a terminal.
    const a = new Faults([{ method: "POST", path: "/v1/**", action: "abandon", latencyMs: 2500, count: 1 }]);
    expect(a.plan("GET", "/v1/datasources")).toEqual({ latencyMs: 0, dropAfterCommit: false, abandonMs: 0 });
    expect(a.plan("POST", "/v1/datasources")).toEqual({ latencyMs: 0, dropAfterCommit: false, abandonMs: 2500 });
    expect(a.plan("POST", "/v1/datasources")).toEqual({ latencyMs: 0, dropAfterCommit: false, abandonMs: 0 });
  });

  test("invalid rules throw and leave the previous rules in place", () => {
    const f = new Faults([{ path: "/a", action: "reset" }]);
    expect(() => f.replace([{ path: "/a", action: "reset", count: 0 }])).toThrow();
    expect(f.list()).toHaveLength(1);
  });
});

describe("RateLimiter", () => {
  test("a token bucket per key, with whole-second Retry-After", () => {
    let now = 0;
    const rl = new RateLimiter(3, true, () => now);
    rl.take("a");
    rl.take("a");
    rl.take("a");
    let err: unknown;
    try {
      rl.take("a");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfterSeconds).toBe(1);
    expect((err as RateLimitError).headers).toEqual({ "Retry-After": "1", "RateLimit-Limit": "3", "RateLimit-Remaining": "0", "RateLimit-Reset": "1" });
    rl.take("b");
    now += 340;
    rl.take("a");
    expect(() => rl.take("a")).toThrow(RateLimitError);
  });

  test("0 turns it off", () => {
    const rl = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) rl.take("a");
  });
});

describe("request parsing", () => {
  test("canonical JSON ignores key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
  });

  test("zod issues become named parameters", () => {
    const err = (input: unknown) => {
      try {
        parseParams(CreateDatasourceParamsSchema, input);
      } catch (e) {
        return e as InvalidRequestError;
      }
      throw new Error("no error");
    };
    expect(err({ connectionString: "x", nope: 1 })).toMatchObject({ code: "parameter_unknown", param: "nope", status: 400 });
    expect(err({})).toMatchObject({ code: "parameter_missing", param: "connectionString" });
    expect(err({ connectionString: "x", metadata: { k: 5 } })).toMatchObject({ code: "parameter_invalid", param: "metadata[k]" });
    expect(err([])).toMatchObject({ code: "parameter_invalid", param: undefined });
    expect(parseParams(ListParamsSchema, { limit: "7" })).toEqual({ limit: 7 });
  });

  test("JSON bodies: empty is {}, content types and parse errors are fixed messages", () => {
    expect(parseJsonBody(undefined, undefined)).toEqual({});
    expect(parseJsonBody("application/json", Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(() => parseJsonBody(undefined, Buffer.from("{}"))).toThrow(expect.objectContaining({ status: 415 }));
    const e = (() => {
      try {
        parseJsonBody("application/json", Buffer.from('{"connectionString":"postgres://u:secretpw@h'));
      } catch (x) {
        return x as Error;
      }
    })();
    expect(e?.message).toBe("The request body is not valid JSON.");
  });

  test("JSON bodies: nesting beyond 64 levels is a 400 json_too_deep, checked without recursion; __proto__ at any depth or spelling is refused", () => {
    const body = (s: string) => Buffer.from(s);
    const thrown = (s: string) => {
      try {
        parseJsonBody("application/json", body(s));
      } catch (x) {
        return x as InvalidRequestError;
      }
      return undefined;
    };
    expect(parseJsonBody("application/json", body("[".repeat(64) + "]".repeat(64)))).toBeDefined();
    for (const deep of ["[".repeat(65) + "]".repeat(65), '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000), "[".repeat(200_000) + "]".repeat(200_000)]) {
      expect(thrown(deep)).toMatchObject({
        status: 400,
        type: "invalid_request_error",
        code: "json_too_deep",
        message: "The request body is nested more than 64 levels deep.",
      });
    }
    for (const proto of [
      '{"__proto__":{}}',
      '{"a":[{"b":{"__proto__":1}}]}',
      '{"\\u005f_proto__":{"x":1}}',
      `${"[".repeat(60)}{"__proto__":1}${"]".repeat(60)}`,
    ]) {
      expect(thrown(proto)).toMatchObject({ status: 400, code: "parameter_invalid", message: "Parameter names must not be __proto__." });
    }
    // The string "__proto__" as a value is no member.
    expect(parseJsonBody("application/json", body('{"a":"__proto__","b":["__proto__"]}'))).toEqual({ a: "__proto__", b: ["__proto__"] });
  });

  test("canonical JSON refuses what no request body may hold (deeper than 64 levels) with a 400, not a stack overflow", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 64; i++) deep = [deep];
    expect(canonicalJson(deep)).toBe("[".repeat(64) + "1" + "]".repeat(64));
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(() => canonicalJson(deep)).toThrow(expect.objectContaining({ status: 400, code: "json_too_deep" }));
  });

  test("parameter names are echoed only when they look like names; unsafe metadata keys cut the param short", () => {
    const err = (schema: Parameters<typeof parseParams>[0], input: unknown) => {
      try {
        parseParams(schema, input);
      } catch (e) {
        return e as InvalidRequestError;
      }
      throw new Error("no error");
    };
    const secret = "postgres://app:hunter2@db.example.com/shop";
    for (const name of [secret, "hunter2", "a".repeat(41), "x y", "limit[]"]) {
      const e = err(ListParamsSchema, { [name]: "1" });
      expect(e).toMatchObject({
        code: "parameter_unknown",
        param: undefined,
        message: "Received an unknown parameter (its name is not shown: only names of letters and underscores are).",
      });
    }
    expect(err(ListParamsSchema, { colour: "red" })).toMatchObject({
      code: "parameter_unknown",
      param: "colour",
      message: "Received unknown parameter: colour.",
    });
    expect(err(CreateDatasourceParamsSchema, { connectionString: "x", displayName: "y" })).toMatchObject({ param: "displayName" });
    const meta = err(CreateDatasourceParamsSchema, { connectionString: "x", metadata: { [secret]: 5 } });
    expect(meta).toMatchObject({ code: "parameter_invalid", param: "metadata" });
    expect(meta.message).not.toContain("hunter2");
  });

  test("the access log's URL: query values dropped, names and path segments only when of a known shape", () => {
    expect(loggedUrl("/v1/datasources")).toBe("/v1/datasources");
    expect(loggedUrl("/v1/datasources/ds_test_00000000abcdefghABCDEFGH")).toBe("/v1/datasources/ds_test_00000000abcdefghABCDEFGH");
    expect(loggedUrl("/v1/datasources?limit=5&starting_after=ds_test_x")).toBe("/v1/datasources?limit=&starting_after=");
    expect(loggedUrl("/v1/datasources?postgres://app:hunter2@db.example.com:5432/shop?sslmode=require")).toBe("/v1/datasources?(unrecognized)=");
    expect(loggedUrl("/v1/datasources?postgres%3A%2F%2Fapp%3Ahunter2%40db")).toBe("/v1/datasources?(unrecognized)=");
    expect(loggedUrl("/v1/datasources/hunter2XY")).toBe("/v1/datasources/(unrecognized)");
    expect(loggedUrl("/v1/postgres://app:hunter2@db.example.com/shop")).toBe("/v1/(unrecognized)//(unrecognized)/shop");
    expect(loggedUrl("/v1/datasources/%zz")).toBe("/v1/datasources/(unrecognized)");
    expect(shownPath("/v1/openapi.json")).toBe("/v1/openapi.json");
    expect(shownPath("/_admin/faults")).toBe("/_admin/faults");
    expect(shownPath("/v1/nothing")).toBe("/v1/nothing");
  });

  test("metadata updates merge and unset, within the key limit", () => {
    expect(mergeMetadata({ a: "1", b: "2" }, { b: "", c: "3" })).toEqual({ a: "1", c: "3" });
    const full = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"]));
    expect(() => mergeMetadata(full, { extra: "v" })).toThrow(InvalidRequestError);
    expect(Object.keys(mergeMetadata(full, { k0: "", extra: "v" }))).toHaveLength(50);
  });
});

describe("static DNS", () => {
  test("matches names case-insensitively with or without the trailing dot; unknown names fail", async () => {
    const resolve = staticResolver({ "DB.Example.com": ["93.184.216.34"] });
    expect(resolve("db.example.com.")).toEqual(["93.184.216.34"]);
    expect(() => resolve("other.example.com")).toThrow(/not in the DNS map/);
  });
});

describe("logger", () => {
  /** A destination that keeps each write(2)'s text, with the time made constant. */
  const sink = () => {
    const writes: string[] = [];
    return { writes, write: (s: string) => void writes.push(s.replace(/"time":\d+/g, '"time":0')) };
  };
  const line = (n: number, more: object = {}) => ({ reqId: `req_${n}`, method: "GET", url: "/v1/datasources?limit=", status: 200, ms: 0.4, ...more });
  const text = (n: number, fields = `"ms":0.4`) =>
    `{"level":30,"time":0,"service":"ablo-local","reqId":"req_${n}","method":"GET","url":"/v1/datasources?limit=","status":200,${fields},"msg":"request"}\n`;

  test("access lines have pino's layout; queued ones reach the stream in one write, in order with the rest", () => {
    const out = sink();
    const logger = createLogger("info", out);
    const access = accessLogger(logger);
    access.write(line(1));
    access.queue(line(2, { ms: undefined, note: "fault: connection reset" }));
    logger.warn({ rules: 1 }, "fault rules replaced"); // not an access line: not held back
    access.queue(line(3));
    expect(out.writes).toEqual([text(1), `{"level":40,"time":0,"service":"ablo-local","rules":1,"msg":"fault rules replaced"}\n`]);
    access.flush();
    expect(out.writes[2]).toBe(text(2, `"note":"fault: connection reset"`) + text(3));
    access.queue(line(4));
    access.write(line(5)); // what was queued goes first
    expect(out.writes.slice(3)).toEqual([text(4), text(5)]);
    access.flush();
    expect(out.writes.length).toBe(5);
  });

  test("secrets in other lines are redacted; below the level nothing is written", () => {
    const out = sink();
    const logger = createLogger("info", out);
    const cs = "postgres://app:hunter2@db.example.com/shop";
    logger.info(
      {
        connectionString: cs,
        datasource: { connectionString: cs },
        req: { headers: { authorization: "Bearer sk_test_x" }, body: cs },
        password: "hunter2",
        token: "sk_test_x",
      },
      "x",
    );
    expect(out.writes.join("")).not.toMatch(/hunter2|sk_test_x/);
    expect(out.writes.join("").match(/\[redacted\]/g)?.length).toBe(6);
    const quiet = sink();
    const access = accessLogger(createLogger("warn", quiet));
    access.write(line(1));
    access.queue(line(2));
    access.flush();
    expect(quiet.writes).toEqual([]);
  });
});

describe("Store", () => {
  test("group commit: writes of one tick share a transaction, a failing one undoes only itself", async () => {
    const store = new Store(tmp());
    try {
      store.tx(() => store.insertOrg({ id: "org_1", name: "one", created: 1 }));
      const results = await Promise.allSettled([
        store.write(() => store.insertOrg({ id: "org_2", name: "two", created: 1 })),
        store.write(() => {
          store.insertOrg({ id: "org_3", name: "three", created: 1 });
          store.insertOrg({ id: "org_1", name: "dup", created: 1 }); // primary key violation
        }),
        store.write(() => store.insertOrg({ id: "org_4", name: "four", created: 1 })),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect(["one", "two", "three", "four"].map((n) => store.orgByName(n)?.id)).toEqual(["org_1", "org_2", undefined, "org_4"]);
    } finally {
      store.close();
    }
  });
});

describe("CLI", () => {
  const run = promisify(execFile);
  test("keys create prints the token once on stdout; bad flags exit non-zero with one line", async () => {
    const d = tmp();
    const { stdout, stderr } = await run(process.execPath, [ABLO_LOCAL_CLI, "keys", "create", "--org", "cli", "--mode", "live", "--data", d]);
    expect(stdout).toMatch(/^sk_live_[A-Za-z0-9]{40}\n$/);
    expect(stderr).toMatch(/shown only this once/);
    expect(stderr).not.toContain(stdout.trim());
    const cap = await run(process.execPath, [ABLO_LOCAL_CLI, "keys", "create", "--org", "cli", "--mode", "test", "--data", d, "--scopes", "datasources:read"]);
    expect(cap.stdout).toMatch(/^cap_test_/);
    await expect(
      run(process.execPath, [ABLO_LOCAL_CLI, "keys", "create", "--org", "cli", "--mode", "test", "--data", d, "--scopes", "admin"]),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^ablo-local: --scopes takes/),
    });
    await expect(run(process.execPath, [ABLO_LOCAL_CLI, "keys", "create", "--org", "cli", "--mode", "prod", "--data", d])).rejects.toMatchObject({ code: 1 });
  });
});
