import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { inspect } from "node:util";
import fc from "fast-check";
import { DatasourceSchema, ErrorBodySchema } from "@ablo/api";
import { checkConnectionString, classifyHost, isConnectionStringError, parseConnectionString, resolvingChecker } from "@ablo/connection";
import { fullReliabilityRun, recordFigures, startAbloLocal, type AbloLocal, type FigureRow } from "@ablo/harness";
import { DEFAULT_BODY_LIMIT } from "ablo-local";
import { checkInputs, datasourceProvider, UNKNOWN } from "@ablo/provider";
import { apiError, TestServer } from "../client/helpers/server";

// Bad input, fuzzed with fast-check, against three layers: the provider's check (what `pulumi
// preview` runs), the connection-string parser and classifier, and the API server's request
// validation over real HTTP. What must hold everywhere: nothing crashes (only the typed errors a
// layer promises), every refusal names what was wrong, the server never answers 5xx and always
// answers the contract's JSON error shape, and the password of the connection string (a canary)
// never comes back out: not in a failure reason, an error, a response, or the server's log.

const FULL = fullReliabilityRun();
/** Runs per in-process property; HTTP properties use HTTP_RUNS. */
const RUNS = FULL ? 5_000 : 300;
const PARSER_RUNS = FULL ? 30_000 : 2_000;
const HTTP_RUNS = FULL ? 3_000 : 300;
/** One MiB and a bit: the "huge string" size of the brief. */
const MIB = 1 << 20;

/** The password in every generated connection string. Alphanumeric, so it reads the same encoded or not. */
const CANARY = `Cnry${randomBytes(8).toString("hex")}Pw`;
/** A password of the canary's shape that is not the canary: for fields the API answers with by design. */
const LOOKALIKE = `Lkal${randomBytes(8).toString("hex")}Pw`;
/** The API key of the provider runs: as secret as the password. */
const KEY_CANARY = `sk_test_KeyCnry${randomBytes(8).toString("hex")}`;
const GOOD_URL = `postgres://app:${CANARY}@db.example.com:5432/shop?sslmode=require`;

// ---------------------------------------------------------------------------------------------
// Figures: one row per target, written when the file ends (also when a test failed).

interface Tally {
  tried: number;
  crashes: number;
  fiveXX: number | "-";
  secretHits: number;
  /** HTTP targets: how many answers of each status (shows what the fuzz reached). */
  statuses: Map<number, number>;
  notes: string[];
}
const tallies = new Map<string, Tally>();
function tally(target: string, http = false): Tally {
  let t = tallies.get(target);
  if (!t) tallies.set(target, (t = { tried: 0, crashes: 0, fiveXX: http ? 0 : "-", secretHits: 0, statuses: new Map(), notes: [] }));
  return t;
}
const countStatus = (t: Tally, status: number) => void t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1);
const bump5xx = (t: Tally) => void (t.fiveXX = (t.fiveXX === "-" ? 0 : t.fiveXX) + 1);

afterAll(() => {
  const rows: FigureRow[] = [...tallies].map(([target, t]) => ({
    target,
    "inputs tried": t.tried,
    crashes: t.crashes,
    "5xx": t.fiveXX,
    "secret hits": t.secretHits,
    notes: [
      ...(t.statuses.size
        ? [
            `statuses ${[...t.statuses]
              .sort(([a], [b]) => a - b)
              .map(([st, n]) => `${st}×${n}`)
              .join(" ")}`,
          ]
        : []),
      ...t.notes,
    ].join("; "),
  }));
  recordFigures({
    section: "5. Bad input",
    what:
      `fast-check fuzzing (${FULL ? "full" : "CI"} sizes: ${RUNS} runs per provider property, ${PARSER_RUNS} per parser property, ${HTTP_RUNS} requests per HTTP target), ` +
      "canary password in every generated connection string; strings >= 1 MiB, control characters, lone surrogates, invalid UTF-8, 10,000-level nesting, wrong types. " +
      "Rows marked (fixed bug) reproduce the bugs this suite found, fixed since.",
    rows,
  });
});

// ---------------------------------------------------------------------------------------------
// Generators

const nestArrays = (depth: number, leaf: unknown): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};
const nestObjects = (depth: number, leaf: unknown): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

/** Characters that break parsers: controls, whitespace, lone surrogates, URL delimiters, bad escapes. */
const nastyChar = fc.constantFrom(
  "\u0000",
  "\u0001",
  "\u0007",
  "\t",
  "\n",
  "\r",
  " ",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\u202e",
  "\ufeff",
  "\ud800",
  "\udfff",
  "\udc00\ud800",
  "\ufffd",
  "#",
  "\\",
  "%",
  "%zz",
  "%00",
  "%ff",
  "%C3%28",
  "%ED%A0%80",
  "%2F",
  "%2C",
  "@",
  ":",
  "/",
  "?",
  "&",
  "=",
  "[",
  "]",
  ",",
  "１２７．０．０．１",
  "é",
  "😀",
);

/** Any string, including lone surrogates (unit "binary"). */
const anyString = fc.string({ unit: "binary", maxLength: 64 });

/** A string of at least 1 MiB, built from a generated chunk (so its content varies). */
const hugeString = fc.tuple(fc.oneof(anyString, nastyChar, fc.constant("a")), fc.integer({ min: 0, max: 4096 })).map(([chunk, extra]) => {
  const c = chunk === "" ? "x" : chunk;
  return c.repeat(Math.ceil(MIB / c.length)) + "y".repeat(extra);
});

/** Inserts `junk` into `s` at a generated position. */
const insertAt = (s: string) => fc.tuple(fc.nat({ max: s.length }), fc.oneof(nastyChar, anyString)).map(([at, junk]) => s.slice(0, at) + junk + s.slice(at));

/** Connection strings that all carry the canary as their password, most of them broken somehow. */
const canaryUrl: fc.Arbitrary<string> = fc.oneof(
  fc.constant(GOOD_URL),
  insertAt(GOOD_URL),
  insertAt(GOOD_URL).chain(insertAt),
  fc
    .constantFrom("postgres://", "postgresql://", "POSTGRES://", "mysql://", "postgres:", "", "http://", "postgres:/")
    .map((s) => `${s}app:${CANARY}@db.example.com/shop`),
  fc
    .record({
      scheme: fc.constantFrom("postgres://", "postgresql://"),
      user: fc.oneof(fc.constantFrom("app", "", "u%40x", "%zz", "a@b"), anyString),
      host: fc.oneof(fc.constantFrom("db.example.com", "8.8.8.8", "[::1]", "[", "", "0x7f.1", "%2Fvar%2Frun", "a..b", "xn--", "localhost."), anyString),
      port: fc.oneof(
        fc.constantFrom("", ":5432", ":0", ":99999", ":abc", ":", ":5432,:5433"),
        anyString.map((s) => `:${s}`),
      ),
      db: fc.oneof(
        fc.constantFrom("/shop", "", "/", "/a%00b", "/x=y", "/postgres://x"),
        anyString.map((s) => `/${s}`),
      ),
      query: fc.oneof(
        fc.constantFrom(
          "",
          "?sslmode=require",
          "?host=10.0.0.1",
          "?foo=bar",
          "?sslmode",
          "?a=b=c",
          "?password=x",
          "?hostaddr=127.0.0.1",
          "?sslmode=require&sslmode=disable",
        ),
        anyString.map((s) => `?${s}`),
      ),
    })
    .map(({ scheme, user, host, port, db, query }) => `${scheme}${user}:${CANARY}@${host}${port}${db}${query}`),
  // The password in the query instead of the userinfo.
  fc.constant(`postgres://app@db.example.com:5432/shop?password=${CANARY}`),
  // Huge: the canary still in the password, the padding in the host, database or query.
  fc
    .tuple(fc.constantFrom("host", "db", "query"), hugeString)
    .map(([where, pad]) =>
      where === "host"
        ? `postgres://app:${CANARY}@${pad}/shop`
        : where === "db"
          ? `postgres://app:${CANARY}@db.example.com/${pad}`
          : `postgres://app:${CANARY}@db.example.com/shop?application_name=${pad}`,
    ),
);

/** Values of every JSON and JS type but the right one, deep ones included. */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 4 }),
  fc.object({ maxDepth: 2 }),
  fc.bigInt(),
  fc.constantFrom(nestArrays(10_000, GOOD_URL), nestObjects(10_000, GOOD_URL)),
  fc.constant(new Date(0)),
  fc.constant(Object.create(null) as object),
);

/** Any value at all: strings (huge, nasty, canary URLs) or wrong types. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(canaryUrl, anyString, hugeString, wrongType, fc.anything({ maxDepth: 3 }));

const INPUT_KEYS = ["connectionString", "schema", "metadata", "waitForVerification", "verificationTimeoutSeconds", "adoptId"] as const;
type InputKey = (typeof INPUT_KEYS)[number];

/** Arbitrary input objects: any subset of the known keys with any values, plus unknown keys. */
const anyInputs: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(Object.fromEntries(INPUT_KEYS.map((k) => [k, fc.oneof(anyValue, fc.constant(UNKNOWN))])) as Record<InputKey, fc.Arbitrary<unknown>>, {
      requiredKeys: [],
    }),
    fc.dictionary(fc.oneof(anyString, fc.constantFrom("__proto__", "constructor", "toString", "connection")), anyValue, { maxKeys: 3 }),
  )
  .map(([known, extra]) => Object.assign(Object.create(null) as object, extra, known) as Record<string, unknown>);

/** Values each input must refuse (never undefined: a missing optional input takes its default). */
const badValue: Record<InputKey, fc.Arbitrary<unknown>> = {
  connectionString: fc.oneof(
    wrongType,
    fc.constant(""),
    hugeString.map((pad) => `postgres://app:${CANARY}@db.example.com/${pad}`), // longer than any libpq URI we accept
    fc
      .tuple(fc.nat({ max: GOOD_URL.length }), fc.constantFrom("\u0000", "\n", " ", "\u2028", "\ufeff", "#", "\\"))
      .map(([at, c]) => GOOD_URL.slice(0, at) + c + GOOD_URL.slice(at)),
    fc.constantFrom(
      `mysql://app:${CANARY}@db.example.com/shop`,
      `POSTGRES://app:${CANARY}@db.example.com/shop`,
      `postgres://:${CANARY}@db.example.com/shop`, // no user
      `postgres://app:${CANARY}@db.example.com:99999/shop`,
      `postgres://app:${CANARY}@db.example.com:54x/shop`,
      `postgres://app:${CANARY}%ff@db.example.com/shop`, // invalid UTF-8 in the password
      `postgres://app:${CANARY}@db%C3%28.example.com/shop`, // invalid UTF-8 in the host
      `postgres://app:${CANARY}@db.example.com/sh%00op`,
      `postgres://app:${CANARY}@db.example.com/shop?nosuchparam=1`,
      `postgres://app:${CANARY}@db.example.com/shop?sslmode`,
      `postgres://app:${CANARY}@[::1/shop`,
      `postgres://app:${CANARY}@x@db.example.com/shop`,
      `postgres://app:${CANARY}@db.example.com,db2.example.com:1:2/shop`,
      `postgres://app:${CANARY}@db.example.com/shop\ud800#frag`,
    ),
  ),
  schema: fc.oneof(wrongType, fc.constantFrom("", "1abc", "bad schema;", "a".repeat(64), "x\u0000y", "sch\ud800", "public\n", GOOD_URL), hugeString),
  metadata: fc.oneof(
    fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), anyString, fc.array(fc.string(), { minLength: 1 })),
    fc.constantFrom(nestObjects(10_000, GOOD_URL), { team: nestArrays(10_000, GOOD_URL) }),
    fc.constant({ "": "v" }),
    fc.constant({ ["k".repeat(41)]: "v" }),
    fc.constant({ k: "v".repeat(501) }),
    fc.constant(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]))),
    hugeString.map((v) => ({ k: v })),
    hugeString.map((k) => ({ [k]: GOOD_URL })),
    wrongType.map((v) => ({ k: v })), // a value of any type but string
  ),
  waitForVerification: fc.oneof(
    wrongType.filter((v) => typeof v !== "boolean"),
    anyString,
    fc.constantFrom("true", "false", 0, 1),
  ),
  verificationTimeoutSeconds: fc.oneof(
    fc.constantFrom(0, -1, 1.5, 24 * 3600 + 1, Number.NaN, Number.POSITIVE_INFINITY, "300", null, true),
    fc.double({ noDefaultInfinity: false }).filter((d) => !(Number.isInteger(d) && d > 0 && d <= 24 * 3600)),
  ),
  adoptId: fc.oneof(
    wrongType,
    fc.constantFrom("", "ds_", "ds_test_", "dse_abc", "not-an-id", "ds_test_abc-def", "ds_x\u0000", "ds_test_\ud800", `ds_${CANARY}/..`, GOOD_URL),
    hugeString.map((s) => `ds_test_${s}!`),
  ),
};

// ---------------------------------------------------------------------------------------------
// (a) the provider's check

interface Failure {
  property: string;
  reason: string;
}

/**
 * What a failure is about: its property, or, for one the engine would print as `value {<nil>}` (a
 * nested or absent property), which a host sends without a property, the property its reason
 * starts with (provider/src/check-failures.ts).
 */
const subjectOf = (f: Failure) => f.property || /^[\w.<>*]+/.exec(f.reason)?.[0];

/** What every result of check must be: failures about a property, with a reason, no secret in a reason. */
function checkShape(failures: unknown, t: Tally): Failure[] {
  expect(Array.isArray(failures)).toBe(true);
  for (const f of failures as Failure[]) {
    expect(typeof f.property).toBe("string");
    expect(subjectOf(f)).toBeTruthy();
    expect(typeof f.reason).toBe("string");
    expect(f.reason.length).toBeGreaterThan(0);
    if (f.reason.includes(CANARY) || f.reason.includes(KEY_CANARY)) {
      t.secretHits++;
      throw new Error(`a failure reason holds the secret (property ${f.property})`);
    }
  }
  return failures as Failure[];
}

/** Runs `fn`, counting a throw as a crash (and rethrowing it so that fast-check reports the input). */
function noThrow<T>(t: Tally, fn: () => T): T {
  t.tried++;
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof Error && /holds the secret/.test(e.message))) t.crashes++;
    throw e;
  }
}
async function noReject<T>(t: Tally, fn: () => Promise<T>): Promise<T> {
  t.tried++;
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof Error && /holds the secret/.test(e.message))) t.crashes++;
    throw e;
  }
}

const topProperty = (f: Failure) => f.property.split(".")[0];
const validBase = (): Record<string, unknown> => ({ connectionString: GOOD_URL, schema: "public", metadata: { team: "data" }, waitForVerification: true });

describe("(a) the provider's check: never throws, names the property, never shows the password", () => {
  const savedKey = process.env.ABLO_API_KEY;
  // Check asks the base URL once per key whether it is the Ablo API: an API on loopback that knows
  // no datasource and takes any key, so that only the inputs decide the failures here.
  let api: TestServer;
  beforeAll(async () => {
    api = await TestServer.start((_req, res) => apiError(res, 404, { type: "invalid_request_error", code: "resource_missing", message: "No such datasource" }));
    process.env.ABLO_BASE_URL = api.url;
  });
  afterAll(async () => {
    delete process.env.ABLO_BASE_URL;
    await api.close();
    if (savedKey === undefined) delete process.env.ABLO_API_KEY;
    else process.env.ABLO_API_KEY = savedKey;
  });

  test("sanity: the valid base passes both checkInputs and datasourceProvider.check", async () => {
    expect(checkInputs(validBase()).failures).toEqual([]);
    process.env.ABLO_API_KEY = KEY_CANARY;
    expect((await datasourceProvider.check({}, validBase())).failures).toEqual([]);
  });

  test("checkInputs: arbitrary objects (huge strings, controls, lone surrogates, deep nesting, wrong types)", () => {
    const t = tally("provider checkInputs: arbitrary objects");
    fc.assert(
      fc.property(anyInputs, (news) => {
        const { inputs, failures } = noThrow(t, () => checkInputs(news));
        const fs = checkShape(failures, t);
        expect(typeof inputs).toBe("object");
        const cs = news.connectionString;
        const csFailures = fs.filter((f) => f.property === "connectionString");
        if (cs === UNKNOWN) {
          expect(csFailures).toEqual([]);
        } else if (typeof cs !== "string" || cs === "") {
          // Required, a non-empty string.
          expect(csFailures.length).toBeGreaterThan(0);
        } else {
          // Agrees with the parser: a string it refuses is a failure on connectionString.
          let parsed: ReturnType<typeof parseConnectionString> | undefined;
          try {
            parsed = parseConnectionString(cs);
          } catch (e) {
            expect(isConnectionStringError(e)).toBe(true);
          }
          if (!parsed || !parsed.user || !parsed.hosts[0]?.host) expect(csFailures.length).toBeGreaterThan(0);
          // And with the classifier: a host (or hostaddr) it cannot read is refused by the API whatever its policy.
          const unreadable = (h: string | undefined) =>
            h !== undefined && h !== "" && classifyHost(h).kind === "private" && (classifyHost(h) as { hostClass: string }).hostClass === "invalid-host";
          if (parsed?.hosts.some((h) => unreadable(h.host) || unreadable(h.hostaddr))) expect(csFailures.length).toBeGreaterThan(0);
        }
        // The engine's unknowns are never judged, and stay in place.
        for (const k of INPUT_KEYS) {
          if (news[k] === UNKNOWN) {
            expect(fs.filter((f) => topProperty(f) === k)).toEqual([]);
            expect(inputs[k]).toBe(UNKNOWN);
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(t.tried).toBeGreaterThanOrEqual(RUNS);
  });

  test("checkInputs: one bad field in otherwise valid inputs is a failure naming that field", () => {
    const t = tally("provider checkInputs: one bad field");
    const badInput = fc.constantFrom(...INPUT_KEYS).chain((k) => badValue[k].map((v) => [k, v] as const));
    fc.assert(
      fc.property(badInput, ([key, value]) => {
        const news = { ...validBase(), [key]: value };
        const { failures } = noThrow(t, () => checkInputs(news));
        const fs = checkShape(failures, t);
        expect(fs.map(topProperty)).toContain(key);
      }),
      { numRuns: RUNS },
    );
  });

  test("datasourceProvider.check: arbitrary objects, with and without an API key, live or test", async () => {
    const t = tally("provider datasourceProvider.check");
    const key = fc.constantFrom<string | undefined>(
      undefined,
      "",
      KEY_CANARY,
      KEY_CANARY.replace("sk_test_", "sk_live_"),
      `${KEY_CANARY}\n`,
      `cap_test_${CANARY}`,
      "key with spaces",
    );
    await fc.assert(
      fc.asyncProperty(
        anyInputs,
        key,
        fc.oneof(
          fc.constantFrom<string | undefined>(undefined, "ds_test_abc", `ds_${"a".repeat(16)}`),
          hugeString.map((s) => `ds_${s}`),
          anyString.map((s) => `ds_${s}\u0007`),
        ),
        async (news, apiKey, adoptId) => {
          if (adoptId !== undefined && !("adoptId" in news)) news.adoptId = adoptId;
          if (apiKey === undefined) delete process.env.ABLO_API_KEY;
          else process.env.ABLO_API_KEY = apiKey;
          const r = await noReject(t, () => datasourceProvider.check({}, news));
          const fs = checkShape(r.failures, t);
          // A missing or unusable key is a warning at check (the preview and its policies go on), never a failure.
          expect(fs.filter((f) => subjectOf(f)?.startsWith("ablo:"))).toEqual([]);
          for (const f of fs) expect(f.reason).not.toContain(KEY_CANARY.slice("sk_test_".length));
          // Reasons are fixed wording plus names: never a whole (huge, control-laden) input echoed back.
          for (const f of fs) expect(f.reason.length).toBeLessThan(1_000);
          for (const f of fs)
            if (f.property === "adoptId" && typeof news.adoptId === "string" && news.adoptId.length > 80) expect(f.reason).not.toContain(news.adoptId);
          if (typeof news.connectionString !== "string" || news.connectionString === "") expect(fs.map(subjectOf)).toContain("connectionString");
        },
      ),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (b) the connection-string parser and the classifier

/** The canary appears once in each generated string: if it is the parsed password, nothing else may show it. */
function expectRedacted(parsed: ReturnType<typeof parseConnectionString>, t: Tally): void {
  if (parsed.password !== CANARY) return;
  for (const view of [JSON.stringify(parsed), inspect(parsed, { depth: 5 }), String(parsed), JSON.stringify({ ...parsed }), Object.keys(parsed).join(",")]) {
    if (view.includes(CANARY)) {
      t.secretHits++;
      throw new Error("a rendering of ParsedConnection holds the secret");
    }
  }
}

function expectSafeError(e: unknown, t: Tally): void {
  if (!isConnectionStringError(e)) {
    t.crashes++;
    throw new Error(`threw something other than ConnectionStringError: ${inspect(e).slice(0, 300)}`);
  }
  for (const view of [e.message, String(e), JSON.stringify(e), inspect(e), e.stack ?? "", inspect(e, { customInspect: false, showHidden: true })]) {
    if (view.includes(CANARY)) {
      t.secretHits++;
      throw new Error("a ConnectionStringError rendering holds the secret");
    }
  }
  expect(typeof e.code).toBe("string");
  expect(e.param).toBe("connectionString");
}

const parserInput: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: canaryUrl, weight: 6 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 300 }), weight: 2 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 40 }).map((s) => `postgres://${s}`), weight: 2 },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: wrongType, weight: 1 },
);

describe("(b) @ablo/connection: only ConnectionStringError, never the password", () => {
  test("parseConnectionString", () => {
    const t = tally("connection parseConnectionString");
    let accepted = 0;
    fc.assert(
      fc.property(parserInput, (s) => {
        t.tried++;
        let parsed: ReturnType<typeof parseConnectionString>;
        try {
          parsed = parseConnectionString(s as string);
        } catch (e) {
          expectSafeError(e, t);
          return;
        }
        accepted++;
        expect(typeof s).toBe("string");
        expect(parsed.hosts.length).toBeGreaterThan(0);
        expectRedacted(parsed, t);
      }),
      { numRuns: PARSER_RUNS },
    );
    // The generators reach both sides.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(t.tried);
  });

  test("classifyHost: any string or value → a verdict, never a throw; reasons never quote the host", () => {
    const t = tally("connection classifyHost");
    const host = fc.oneof(
      anyString,
      fc.string({ unit: "binary", maxLength: 2000 }),
      insertAt(`${CANARY}.example.com`),
      nastyChar.map((c) => `${CANARY}${c}`),
      hugeString,
      wrongType,
      fc.constantFrom("[", "[]", "[::1", "::ffff:127.0.0.1", "0x7f.1", "%2F", "%", "%%", "１２７．０．０．１", "\ud800.com", "a".repeat(254)),
    );
    fc.assert(
      fc.property(host, (h) => {
        const c = noThrow(t, () => classifyHost(h as string));
        expect(["public", "private"]).toContain(c.kind);
        if (c.kind === "private") {
          expect(typeof c.reason).toBe("string");
          if (c.reason.toLowerCase().includes(CANARY.toLowerCase())) {
            t.secretHits++;
            throw new Error("a classifier reason holds the input");
          }
        }
      }),
      { numRuns: PARSER_RUNS },
    );
  });

  test("checkConnectionString and resolvingChecker (with resolvers that throw, reject, lie or echo the secret)", async () => {
    const t = tally("connection checkConnectionString + resolvingChecker");
    const resolver = fc.oneof(
      fc.constant(() => ["8.8.8.8"]),
      fc.array(fc.oneof(fc.constantFrom("8.8.8.8", "10.0.0.1", "::1", "2606:4700::1111", "", CANARY), anyString), { maxLength: 4 }).map((a) => () => a),
      fc.constant((): string[] => {
        throw new Error(`resolver failed for ${GOOD_URL}`);
      }),
      fc.constant(() => Promise.reject(new Error(`lookup ${CANARY} failed`))),
      fc.constant(() => Promise.resolve(["9.9.9.9"])),
      fc.constantFrom<unknown>(undefined, null, 42, "8.8.8.8", { length: 1, 0: "8.8.8.8" }).map((v) => () => v as string[]),
    );
    await fc.assert(
      fc.asyncProperty(parserInput, fc.boolean(), resolver, async (s, allowPrivateHosts, resolve) => {
        t.tried++;
        let r: ReturnType<typeof checkConnectionString>;
        try {
          r = checkConnectionString(s as string, { allowPrivateHosts });
          const rr = await resolvingChecker({ resolve, allowPrivateHosts, timeoutMs: 200 })(s as string);
          if (!rr.ok) expect(typeof rr.reason).toBe("string");
        } catch (e) {
          t.crashes++;
          throw e;
        }
        if (!r.ok) {
          expect(typeof r.code).toBe("string");
          if (JSON.stringify(r).includes(CANARY)) {
            t.secretHits++;
            throw new Error("a check failure holds the secret");
          }
        } else {
          expectRedacted(r.parsed, t);
          if (r.parsed.password === CANARY && JSON.stringify(r).includes(CANARY)) {
            t.secretHits++;
            throw new Error("a check result holds the secret");
          }
        }
      }),
      { numRuns: Math.ceil(PARSER_RUNS / 2) },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (c) the server's request validation over real HTTP

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** Every answer of the main fuzz: checked for a 5xx, the error shape and the canary. */
function judge(t: Tally, a: Answer | undefined, allowedOk: (json: unknown) => boolean): void {
  if (a === undefined) return;
  const blob = `${a.text}\n${JSON.stringify([...a.headers])}`;
  if (blob.includes(CANARY)) {
    t.secretHits++;
    throw new Error(`answer ${a.status} holds the canary (at ${canaryPath(a.text)})`);
  }
  if (a.status >= 500) {
    bump5xx(t);
    throw new Error(`a ${a.status}: ${a.text.slice(0, 300)}`);
  }
  expect(a.headers.get("content-type") ?? "").toMatch(/^application\/json/);
  const json: unknown = JSON.parse(a.text);
  if (a.status >= 400) {
    const e = ErrorBodySchema.safeParse(json);
    if (!e.success) throw new Error(`${a.status} without the contract's error shape: ${a.text.slice(0, 300)}`);
    expect(typeof e.data.error.type).toBe("string");
    const rid = a.headers.get("request-id");
    expect(rid).toMatch(/^req_[A-Za-z0-9]{20}$/);
    expect(e.data.error.request_id).toBe(rid);
  } else {
    expect(allowedOk(json)).toBe(true);
  }
}

/** Where in an answer the canary is: a JSON path, or "headers or unparsed text". */
function canaryPath(text: string): string {
  const walk = (v: unknown, path: string): string | undefined => {
    if (typeof v === "string") return v.includes(CANARY) ? path || "$" : undefined;
    if (v === null || typeof v !== "object") return undefined;
    for (const [k, child] of Object.entries(v)) {
      const hit = walk(child, `${path}.${k}`);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  try {
    return walk(JSON.parse(text), "") ?? "headers";
  } catch {
    return "unparsed text";
  }
}

const isDatasource = (j: unknown) => DatasourceSchema.safeParse(j).success;

describe("(c) ablo-local over real HTTP: never a 5xx, always the JSON error shape, never the canary", () => {
  let api: AbloLocal;
  let testKey: string;
  let liveKey: string;
  let existingId: string;

  /** The answer, or undefined for an oversized body refused before it was all sent (see below). */
  async function send(t: Tally, method: string, path: string, headers: Record<string, string>, body?: string | Uint8Array): Promise<Answer | undefined> {
    t.tried++;
    try {
      const res = await fetch(`${api.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === "string" ? body : new Uint8Array(body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      countStatus(t, res.status);
      return { status: res.status, headers: res.headers, text };
    } catch (e) {
      // A body over the server's limit may be refused before it is all sent: the server answers 413
      // and closes, and the client, still writing, sees EPIPE or a reset instead of the answer.
      // That is the server refusing, not crashing, as long as it goes on answering.
      const cause = String((e as { cause?: { code?: string } }).cause?.code ?? "");
      const size = body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
      if (size > DEFAULT_BODY_LIMIT && (cause === "EPIPE" || cause === "ECONNRESET")) {
        const alive = await fetch(`${api.baseUrl}/v1/openapi.json`);
        expect(alive.status).toBe(200);
        t.notes.push("an oversized body refused while it was being sent (EPIPE/reset), the server answering on");
        return undefined;
      }
      t.crashes++;
      throw new Error(`${method} ${path.slice(0, 80)}: no answer (${(e as Error).message}; cause ${String((e as { cause?: unknown }).cause)})`, { cause: e });
    }
  }

  beforeAll(async () => {
    api = await startAbloLocal({ verification: false, rateLimit: 0, dnsMap: { "db.example.com": ["8.8.8.8"], "internal.example.com": ["10.1.2.3"] } });
    [testKey, liveKey] = await Promise.all([api.createKey("fuzz", "test"), api.createKey("fuzz", "live")]);
    const r = await fetch(`${api.baseUrl}/v1/datasources`, {
      method: "POST",
      headers: { authorization: `Bearer ${testKey}`, "content-type": "application/json" },
      body: JSON.stringify({ connectionString: GOOD_URL, metadata: { fuzz: "target" } }),
    });
    expect(r.status).toBe(200);
    existingId = ((await r.json()) as { id: string }).id;
  }, 60_000);

  afterAll(async () => {
    await api?.stop();
  });

  /** A string for a JSON field: `urls` (canary URLs or look-alikes), nasty and huge-ish strings (bodies stay under the 64 KiB limit). */
  const stringOf = (urls: fc.Arbitrary<string>) =>
    fc.oneof(
      urls.filter((s) => s.length < 20_000),
      anyString,
      fc
        .tuple(fc.oneof(anyString, nastyChar), fc.integer({ min: 1_000, max: 60_000 }))
        .map(([c, n]) => (c || "z").repeat(Math.ceil(n / Math.max(1, (c || "z").length)))),
      nastyChar,
    );
  const fieldString = stringOf(canaryUrl);
  // Metadata is the user's own plain text, which the API keeps and answers with (as Stripe's does):
  // a connection string put there comes back by design, so its values carry a look-alike password,
  // and a canary in any answer still means the API echoed a connectionString.
  const metadataString = stringOf(canaryUrl.map((s) => s.split(CANARY).join(LOOKALIKE)));
  const jsonWrong = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));
  const fieldValue = fc.oneof({ arbitrary: fieldString, weight: 3 }, { arbitrary: jsonWrong, weight: 2 });
  const metadataValue = fc.oneof(
    fc.dictionary(fc.oneof(anyString, fc.constantFrom("", "k".repeat(41), "team")), fc.oneof(metadataString, jsonWrong), { maxKeys: 5 }),
    fc.constant(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]))),
    jsonWrong,
  );
  const bodyObject = fc
    .tuple(
      fc.record(
        {
          connectionString: fc.oneof(
            canaryUrl.filter((s) => s.length < 20_000),
            fieldValue,
          ),
          connection: fc.oneof(fc.constantFrom("direct", "endpoint"), jsonWrong),
          schema: fc.oneof(fc.constantFrom("public", "sales", "1x", ""), fieldValue),
          metadata: metadataValue,
        },
        { requiredKeys: [] },
      ),
      fc.dictionary(fc.oneof(anyString, fc.constantFrom("__proto__", "constructor", "connection_string", "password")), fieldValue, { maxKeys: 2 }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));

  /** A request body and the headers it goes with. */
  // Each branch's assertions widen it to the one request shape fc.oneof needs; the rule sees each
  // alone and calls them unnecessary, but the union does not type-check without them.
  /* eslint-disable @typescript-eslint/no-unnecessary-type-assertion */
  const request = fc.oneof(
    // JSON bodies of the right content type (some with an Idempotency-Key).
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          fc.oneof(bodyObject, fc.jsonValue({ maxDepth: 4 })),
          fc.option(fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 300 }), {
            nil: undefined,
          }),
        )
        .map(([b, idem]) => ({
          body: JSON.stringify(b) as string | Uint8Array,
          headers: { "content-type": "application/json", ...(idem !== undefined ? { "idempotency-key": idem } : {}) } as Record<string, string>,
        })),
    },
    // Deep JSON: 10,000 and more levels of arrays or objects (or just past the 64-level limit),
    // alone or inside a field, with or without an Idempotency-Key or a "__proto__" member.
    {
      weight: 2,
      arbitrary: fc
        .record({
          depth: fc.oneof(fc.integer({ min: 10_000, max: 12_000 }), fc.integer({ min: 60, max: 70 })),
          kind: fc.constantFrom("arrays", "objects", "proto"),
          inField: fc.constantFrom(undefined, "metadata", "connectionString", "schema"),
          idem: fc.option(fc.string({ unit: fc.constantFrom(..."abcXYZ019-"), minLength: 1, maxLength: 40 }), { nil: undefined }),
        })
        .map(({ depth, kind, inField, idem }) => {
          const deep =
            kind === "arrays"
              ? "[".repeat(depth) + `"${GOOD_URL}"` + "]".repeat(depth)
              : kind === "objects"
                ? '{"a":'.repeat(depth) + `"${GOOD_URL}"` + "}".repeat(depth)
                : '{"__proto__":'.repeat(depth) + `"${GOOD_URL}"` + "}".repeat(depth);
          const body = inField === undefined ? deep : `{"connectionString":"${GOOD_URL}","${inField}":${deep}}`;
          return {
            body: body as string | Uint8Array,
            headers: { "content-type": "application/json", ...(idem !== undefined ? { "idempotency-key": `deep-${idem}` } : {}) } as Record<string, string>,
          };
        }),
    },
    // Huge: past the 64 KiB body limit (1 MiB and more).
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0, max: 1000 }).map((extra) => ({
        body: JSON.stringify({ connectionString: GOOD_URL, metadata: { k: "v".repeat(MIB + extra) } }) as string | Uint8Array,
        headers: { "content-type": "application/json" } as Record<string, string>,
      })),
    },
    // Invalid UTF-8 (raw bytes) inside an otherwise good JSON body, or random bytes.
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.oneof(
            fc.constantFrom([0xff], [0xfe, 0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0x80]),
            fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
          ),
          fc.nat(),
          fc.boolean(),
        )
        .map(([bytes, at, random]) => {
          const good = Buffer.from(JSON.stringify({ connectionString: GOOD_URL, metadata: { k: "v" } }));
          const pos = at % (good.length + 1);
          const body = random ? Buffer.from(bytes) : Buffer.concat([good.subarray(0, pos), Buffer.from(bytes), good.subarray(pos)]);
          return { body: new Uint8Array(body) as string | Uint8Array, headers: { "content-type": "application/json" } as Record<string, string> };
        }),
    },
    // Not JSON, or JSON under the wrong content type.
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.oneof(
            fc.string({ unit: "binary", maxLength: 200 }),
            fc.constantFrom("{", "}", "[", '{"connectionString":', "nul", "undefined", "NaN", "{'a':1}", '{"a":1,}', "\u0000", `connectionString=${GOOD_URL}`),
            fc.constant(JSON.stringify({ connectionString: GOOD_URL })),
          ),
          fc.constantFrom(
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
            "application/json; charset=utf-16",
            "application/jsonx",
            "text/json",
            "*/*",
            "",
            "application/json, text/plain",
          ),
        )
        .map(([body, type]) => ({ body: body as string | Uint8Array, headers: (type === "" ? {} : { "content-type": type }) as Record<string, string> })),
    },
  );
  /* eslint-enable @typescript-eslint/no-unnecessary-type-assertion */

  const okCreate = (j: unknown) => isDatasource(j);
  /** Updates of the fuzz target: its own id, live/test mix-ups, unknown ids. */
  const updateTarget = fc.oneof(
    { weight: 5, arbitrary: fc.constant("existing") },
    { weight: 1, arbitrary: fc.constantFrom("ds_test_0000000000000000000000", "ds_0000000000000000000000", "dse_abc", "x") },
  );

  test("POST /v1/datasources with fuzzed bodies, content types and Idempotency-Keys", async () => {
    const t = tally("server POST /v1/datasources (fuzzed bodies)", true);
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom("test", "live"), async ({ body, headers }, mode) => {
        const a = await send(t, "POST", "/v1/datasources", { authorization: `Bearer ${mode === "test" ? testKey : liveKey}`, ...headers }, body);
        judge(t, a, okCreate);
      }),
      { numRuns: HTTP_RUNS },
    );
  });

  test("POST /v1/datasources/{id} with fuzzed bodies (the target datasource, unknown ids)", async () => {
    const t = tally("server POST /v1/datasources/{id} (fuzzed bodies)", true);
    await fc.assert(
      fc.asyncProperty(request, updateTarget, async ({ body, headers }, target) => {
        const id = target === "existing" ? existingId : target;
        const a = await send(t, "POST", `/v1/datasources/${id}`, { authorization: `Bearer ${testKey}`, ...headers }, body);
        judge(t, a, (j) => isDatasource(j) && (j as { id: string }).id === existingId);
      }),
      { numRuns: HTTP_RUNS },
    );
    // Whatever was sent, the target is still a readable datasource of the contract's shape.
    const r = await fetch(`${api.baseUrl}/v1/datasources/${existingId}`, { headers: { authorization: `Bearer ${testKey}` } });
    expect(r.status).toBe(200);
    expect(isDatasource(await r.json())).toBe(true);
  });

  /** Percent-encodes every UTF-8 byte of s except unreserved characters (lone surrogates become U+FFFD). */
  const pct = (s: string): string =>
    [...Buffer.from(s, "utf8")]
      .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, "0").toUpperCase()}`))
      .join("");
  const idSegment = fc.oneof(
    fc.string({ unit: "binary", maxLength: 60 }).map(pct),
    fc.string({ unit: fc.constantFrom(..."abcXYZ019_-"), maxLength: 300 }).map((s) => `ds_test_${s}`),
    fc.string({ unit: fc.constantFrom(..."abcXYZ019_-"), maxLength: 40 }).map((s) => `ds_${s}`),
    fc
      .array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 })
      .map((bytes) => bytes.map((b) => `%${b.toString(16).padStart(2, "0")}`).join("")),
    fc.constantFrom(
      "..",
      "%2e%2e",
      "%2F",
      "%2f..%2f",
      "%",
      "%zz",
      "%00",
      "%u0041",
      "ds_test_%C0%AF",
      "ds_test_%ED%A0%80",
      "a".repeat(257),
      "%F0%9F%98%80",
      "ds_test_abc%20def",
      "ds_test_abc/",
      "/",
      "//",
      "ds_test_abc;x=1",
      "ds_test_abc%3Fx%3D1",
    ),
    fc.constant("EXISTING"),
  );
  const queryString = fc.oneof(
    fc.constant(""),
    fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom("limit", "starting_after", "limit[]", "starting_after[0]", "__proto__", "constructor", "connectionString", "a.b", "LIMIT"),
            fc.string({ unit: "binary", maxLength: 20 }).map(pct),
          ),
          fc.oneof(
            fc.constantFrom("1", "0", "-1", "100", "101", "1e2", "0x10", "NaN", "Infinity", "", "10.5", " 5", "ds_test_abc", `EXISTING`, "ds_", "ds_test_"),
            fc.string({ unit: "binary", maxLength: 40 }).map(pct),
            fc.constant(encodeURIComponent(GOOD_URL)),
            fc.constant(GOOD_URL), // raw: the value holds '/', ':', '@', '?' and '=': still one value
            fc.string({ unit: fc.constantFrom(..."ab9%&=+;#"), maxLength: 12 }).filter((s) => !s.includes("#")),
            fc.integer({ min: 1_000, max: 8_000 }).map((n) => "v".repeat(n)),
          ),
          fc.boolean(),
        ),
        { minLength: 1, maxLength: 4 },
      )
      // A bare pair is its name alone, or a value holding the canary alone (a connection string pasted as the query).
      .map((pairs) => `?${pairs.map(([k, v, bare]) => (bare ? (v.includes(CANARY) ? v : k) : `${k}=${v}`)).join("&")}`),
    fc.constantFrom("?", "??", "?&", "?=", "?&&=&", "?limit=1&limit=2", "?limit=1;limit=2", "?%zz=1", "?limit=%zz", "?limit=%ff", "?starting_after=%ED%A0%80"),
  );

  test("fuzzed ids and query strings on every route (GET, POST, DELETE)", async () => {
    const t = tally("server ids and query strings (GET/POST/DELETE)", true);
    let nonAscii = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "DELETE", "POST"),
        fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: idSegment }),
        queryString,
        fc.constantFrom("test", "live"),
        async (method, segment, query, mode) => {
          // The fuzz target is never deleted: DELETE only ever sees it with something appended.
          const raw = segment === "EXISTING" ? (method === "DELETE" ? `${existingId}x` : existingId) : segment;
          const q = query.replace("EXISTING", existingId);
          const path = raw === undefined ? `/v1/datasources${q}` : `/v1/datasources/${raw}${q}`;
          if (/%[89a-fA-F][0-9a-fA-F]/.test(path)) nonAscii++;
          const headers: Record<string, string> = { authorization: `Bearer ${mode === "test" ? testKey : liveKey}` };
          const body = method === "POST" ? JSON.stringify({ metadata: { fuzz: "target" } }) : undefined;
          if (body) headers["content-type"] = "application/json";
          const a = await send(t, method, path, headers, body);
          judge(t, a, (j) => {
            if (method === "GET" && raw === undefined) return (j as { object?: string }).object === "list";
            if (method === "DELETE") return (j as { deleted?: boolean }).deleted === true;
            return isDatasource(j);
          });
        },
      ),
      { numRuns: HTTP_RUNS * 2 },
    );
    expect(nonAscii).toBeGreaterThan(0);
    const r = await fetch(`${api.baseUrl}/v1/datasources/${existingId}`, { headers: { authorization: `Bearer ${testKey}` } });
    expect(r.status).toBe(200);
  });

  test("the server is still up, logged no unhandled error, and never logged the canary", async () => {
    expect(api.pid).toBeDefined();
    const r = await fetch(`${api.baseUrl}/v1/datasources?limit=1`, { headers: { authorization: `Bearer ${testKey}` } });
    expect(r.status).toBe(200);
    await new Promise((res) => setTimeout(res, 200)); // the log reaches us through a pipe
    const logs = api.logs();
    expect(logs).toContain('"msg":"request"'); // the log is really being read
    expect(logs).not.toContain("unhandled error");
    const hits = logs.split("\n").filter((l) => l.includes(CANARY)).length;
    const t = tally("server log (every request above)", true);
    t.tried = [...tallies.values()].filter((x) => x.statuses.size > 0).reduce((n, x) => n + x.tried, 0);
    t.secretHits += hits;
    t.notes.push(`${logs.split("\n").filter((l) => l.includes('"msg":"request"')).length} access-log lines read`);
    expect(hits).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Bugs this suite found, each reproduced here (they were `test.failing` until fixed).

/** One raw HTTP/1.1 exchange over a socket: request lines and bodies no HTTP client would send. */
function rawExchange(port: number, bytes: Buffer): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    s.setTimeout(10_000, () => s.destroy(new Error("raw exchange timed out")));
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("error", reject);
    s.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const head = split < 0 ? text : text.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: split < 0 ? "" : text.slice(split + 4) });
    });
    s.end(bytes);
  });
}

describe("bugs found by the fuzzing, now fixed", () => {
  let api: AbloLocal;
  let key: string;
  beforeAll(async () => {
    api = await startAbloLocal({ verification: false, rateLimit: 0, dnsMap: { "db.example.com": ["8.8.8.8"] } });
    key = await api.createKey("fuzz-bugs", "test");
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
  });

  const deepBodies = (): Array<[string, string, Record<string, string>]> => {
    const arrays = "[".repeat(10_000) + "]".repeat(10_000);
    const objects = '{"a":'.repeat(10_000) + "1" + "}".repeat(10_000);
    const proto = "[".repeat(10_000) + '"__proto__"' + "]".repeat(10_000);
    const inMeta = `{"connectionString":"${GOOD_URL}","metadata":${objects}}`;
    return [
      ["10,000 nested arrays + Idempotency-Key", arrays, { "idempotency-key": "deep-1" }],
      ["10,000 nested objects + Idempotency-Key", objects, { "idempotency-key": "deep-2" }],
      ["10,000 nested objects in metadata + Idempotency-Key", inMeta, { "idempotency-key": "deep-3" }],
      ['10,000 nested arrays around the string "__proto__"', proto, {}],
    ];
  };

  test('control: the same deep bodies without an Idempotency-Key or "__proto__" are a 400', async () => {
    const arrays = "[".repeat(10_000) + "]".repeat(10_000);
    for (const path of ["/v1/datasources", "/v1/datasources/ds_test_0000000000000000000000"]) {
      const r = await fetch(`${api.baseUrl}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: arrays,
      });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    }
  });

  test('deep JSON with an Idempotency-Key, or around "__proto__", is a 400 json_too_deep (was: 500, stack overflow in canonicalJson / hasProtoKey)', async () => {
    const t = tally("server deep JSON + Idempotency-Key or __proto__ (fixed bug)", true);
    const statuses: number[] = [];
    const codes: string[] = [];
    for (const path of ["/v1/datasources", "/v1/datasources/ds_test_0000000000000000000000"]) {
      for (const [, body, extra] of deepBodies()) {
        t.tried++;
        const r = await fetch(`${api.baseUrl}${path}`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${key}`,
            "content-type": "application/json",
            ...extra,
            ...(extra["idempotency-key"] ? { "idempotency-key": `${extra["idempotency-key"]}${path.length}` } : {}),
          },
          body,
        });
        const text = await r.text();
        if (text.includes(CANARY)) t.secretHits++;
        statuses.push(r.status);
        countStatus(t, r.status);
        if (r.status >= 500) bump5xx(t);
        const e = ErrorBodySchema.parse(JSON.parse(text));
        expect(e.error.type).toBe("invalid_request_error");
        expect(e.error.request_id).toBe(r.headers.get("request-id"));
        codes.push(e.error.code ?? "");
      }
    }
    expect(t.secretHits).toBe(0);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses).toEqual(statuses.map(() => 400));
    expect(codes).toEqual(codes.map(() => "json_too_deep"));
  });

  test("nesting up to the limit is read (and refused only for what it says); one level more is json_too_deep", async () => {
    const at = (depth: number) => `{"connectionString":"${GOOD_URL}","metadata":${'{"a":'.repeat(depth - 1)}"v"${"}".repeat(depth - 1)}}`;
    for (const [depth, code] of [
      [64, "parameter_invalid"],
      [65, "json_too_deep"],
    ] as const) {
      const r = await fetch(`${api.baseUrl}/v1/datasources`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "idempotency-key": `depth-${depth}` },
        body: at(depth),
      });
      expect({ depth, status: r.status, code: ((await r.json()) as { error: { code: string } }).error.code }).toEqual({ depth, status: 400, code });
    }
  });

  test("a connection string (or a bare password) sent as a query string or in the path is neither echoed nor logged (was: both, as a parameter name or path)", async () => {
    const t = tally("server connection string as a bare query string or in the path (fixed bug)", true);
    const leaks: string[] = [];
    const expected: Array<[string, number, string]> = [];
    const seen: Array<[string, number, string]> = [];
    for (const [method, path, status, code] of [
      ["POST", `/v1/datasources?${GOOD_URL}`, 400, "parameter_unknown"],
      ["GET", `/v1/datasources?${GOOD_URL}`, 400, "parameter_unknown"],
      ["GET", `/v1/datasources?${encodeURIComponent(GOOD_URL)}`, 400, "parameter_unknown"],
      ["GET", `/v1/datasources/ds_test_0000000000000000000000?${GOOD_URL}`, 400, "parameter_unknown"],
      ["DELETE", `/v1/datasources/ds_test_0000000000000000000000?${GOOD_URL}`, 400, "parameter_unknown"],
      ["GET", `/v1/datasources?${CANARY}`, 400, "parameter_unknown"],
      ["GET", `/v1/datasources/${encodeURIComponent(GOOD_URL)}`, 404, "resource_missing"],
      ["DELETE", `/v1/datasources/${CANARY}`, 404, "resource_missing"],
      ["GET", `/v1/${GOOD_URL}`, 404, "unrecognized_request_url"],
      ["GET", `/v1/datasources/x/${CANARY}`, 404, "unrecognized_request_url"],
    ] as const) {
      t.tried++;
      const r = await fetch(`${api.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
      countStatus(t, r.status); // refused, and ...
      const text = await r.text();
      if (text.includes(CANARY)) {
        t.secretHits++;
        leaks.push(`${method} response`);
      }
      const e = ErrorBodySchema.parse(JSON.parse(text));
      expect(e.error.request_id).toBe(r.headers.get("request-id"));
      expected.push([path, status, code]);
      seen.push([path, r.status, e.error.code ?? ""]);
    }
    expect(seen).toEqual(expected);
    // Known names are still named.
    const named = await fetch(`${api.baseUrl}/v1/datasources?colour=red`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await named.json()) as { error: unknown }).error).toMatchObject({
      code: "parameter_unknown",
      param: "colour",
      message: "Received unknown parameter: colour.",
    });
    await new Promise((res) => setTimeout(res, 200));
    const logged = api
      .logs()
      .split("\n")
      .filter((l) => l.includes(CANARY)).length;
    t.secretHits += logged;
    if (logged > 0) leaks.push(`${logged} log lines`);
    t.notes.push(`${leaks.length} leaks: ${leaks.join(", ")}`);
    expect(leaks).toEqual([]);
  });

  test("requests the HTTP parser refuses (raw bytes or controls in the request line) get the contract's error shape and a Request-Id (was: fastify's own body)", async () => {
    const t = tally("server raw request lines: bytes >= 0x80, controls (fixed bug: shape)", true);
    const lines = [
      Buffer.concat([Buffer.from("GET /v1/datasources/ds_test_"), Buffer.from([0xff, 0xfe, 0xc3, 0x28])]),
      Buffer.concat([Buffer.from("GET /v1/datasources?limit="), Buffer.from([0xff])]),
      Buffer.from("GET /v1/datasources/a\u0001b"),
      Buffer.from("DELETE /v1/datasources/a\tb"),
      Buffer.concat([Buffer.from("POST /v1/datasources/"), Buffer.from([0xed, 0xa0, 0x80])]),
    ];
    const problems: string[] = [];
    for (const line of lines) {
      t.tried++;
      const r = await rawExchange(
        api.port,
        Buffer.concat([line, Buffer.from(` HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nConnection: close\r\n\r\n`)]),
      );
      countStatus(t, r.status);
      if (r.status >= 500) bump5xx(t);
      if (r.status === 0) t.crashes++;
      if (`${r.head}${r.body}`.includes(CANARY)) t.secretHits++;
      let ok: boolean;
      try {
        const e = ErrorBodySchema.safeParse(JSON.parse(r.body));
        const rid = /^request-id: (\S+)$/im.exec(r.head)?.[1];
        ok = e.success && r.status === 400 && e.data.error.type === "invalid_request_error" && rid !== undefined && e.data.error.request_id === rid;
      } catch {
        ok = false;
      }
      if (!ok) problems.push(`${r.status} ${r.head.slice(0, 200)} ${r.body.slice(0, 100)}`);
    }
    t.notes.push(`${problems.length} without the contract's error shape and a Request-Id`);
    expect(t.fiveXX).toBe(0);
    expect(problems).toEqual([]);
    // Headers past Node's limit: a 431, in the same shape.
    const big = await rawExchange(
      api.port,
      Buffer.from(`GET /v1/datasources HTTP/1.1\r\nHost: x\r\nX-Pad: ${"p".repeat(20_000)}\r\nConnection: close\r\n\r\n`),
    );
    expect(big.status).toBe(431);
    expect(ErrorBodySchema.parse(JSON.parse(big.body)).error).toMatchObject({
      type: "invalid_request_error",
      code: "headers_too_large",
      request_id: /^request-id: (\S+)$/im.exec(big.head)?.[1],
    });
    // Each is logged, as one line without the request line.
    await new Promise((res) => setTimeout(res, 200));
    expect(
      api
        .logs()
        .split("\n")
        .filter((l) => l.includes('"url":"(unreadable request)"') && l.includes('"status":400')).length,
    ).toBeGreaterThanOrEqual(lines.length);
  });

  test("malformed URLs (400 invalid_url) and over-long ids (414) carry a Request-Id and are logged (was: neither)", async () => {
    for (const [path, status, code] of [
      ["/v1/datasources/%zz", 400, "invalid_url"],
      ["/v1/datasources/%E0%A4%A", 400, "invalid_url"],
      [`/v1/datasources/ds_test_${"a".repeat(300)}`, 414, "invalid_request"],
    ] as const) {
      const r = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
      const e = ErrorBodySchema.parse(await r.json());
      const rid = r.headers.get("request-id");
      expect({ path, status: r.status, code: e.error.code, type: e.error.type, hasId: rid !== null && /^req_[A-Za-z0-9]{20}$/.test(rid) }).toEqual({
        path,
        status,
        code,
        type: "invalid_request_error",
        hasId: true,
      });
      expect(e.error.request_id).toBe(rid);
      await new Promise((res) => setTimeout(res, 50));
      expect(api.logs()).toContain(`"reqId":"${rid}"`);
    }
  });
});
