/**
 * A new user's mistakes with connection strings, metadata and verification: where each is caught
 * (preview: check; up: create against an API on loopback written here), that the message names
 * the field and says how to fix it, and that it never holds the password.
 */
import { REACHABLE_FROM_ABLO } from "@ablo/connection";
import { checkInputs, DatasourceCore, HostNotPublicError, VerificationFailedError } from "@ablo/provider";
import { POLICY, publicHostRule } from "../../policy-pack/src/rules";
import { apiError, directDs, json, TestServer } from "../client/helpers/server";

const PW = "Mist4kes-canary-pw";
const PERCENT = /percent-encode reserved characters in the user or password: @ as %40, # as %23, \/ as %2F, \? as %3F, : as %3A/;

/** The connectionString failures of check: the preview's verdict. */
const atPreview = (connectionString: string, extra: Record<string, unknown> = {}) => {
  const { failures } = checkInputs({ connectionString, ...extra });
  expect(JSON.stringify(failures)).not.toContain(PW);
  return failures;
};

describe("1. a password with a reserved character: caught at preview, the message says how to percent-encode it", () => {
  test.each([
    ["'@' and '#'", `postgres://app:${PW}@ss#1@db.example.com/shop`, "p@ss#1"],
    ["'@'", `postgres://app:${PW}@x@db.example.com/shop`, "p@x"],
    ["'@' and ':'", `postgres://app:${PW}@x:y@db.example.com:5432/shop`, "p@x:y"],
    ["'#'", `postgres://app:${PW}#1@db.example.com/shop`, "p#1"],
    ["'?'", `postgres://app:${PW}?1@db.example.com/shop`, "p?1"],
    ["'/', read as a port", `postgres://app:${PW}/1@db.example.com/shop`, "p/1"],
    ["'/', after digits (read as host `app`, port 12)", `postgres://app:12/${PW}@db.example.com/shop`, "12/p"],
    ["a bare '%'", `postgres://app:${PW}%zz@db.example.com/shop`, "p%zz"],
  ])("%s", (_what, cs) => {
    const failures = atPreview(cs);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toEqual({ property: "connectionString", reason: expect.stringMatching(PERCENT) });
    expect(failures[0]!.reason).not.toContain(PW.slice(0, 8));
  });

  test.each([
    ["another scheme", `mysql://app:${PW}/1@db.example.com/shop`, /must start with postgres:\/\//],
    ["an '@' in a query value", `postgres://app:${PW}@db.example.com/shop?application_name=a@b/c`, /^$/],
  ])("an '@' after a '/' is not taken for a password's '/' when it is not one (%s)", (_what, cs, reason) => {
    expect(
      atPreview(cs)
        .map((f) => f.reason)
        .join(""),
    ).toMatch(reason);
  });

  test("the percent-encoded password passes", () => {
    expect(atPreview(`postgres://app:p%40ss%231%2Fx%3Fy%3Az%25@db.example.com/shop`)).toEqual([]);
  });
});

describe("2. no password: caught at preview", () => {
  const NO_PASSWORD =
    "connectionString has no password: Ablo connects with the credentials in the string; postgres://user:password@host/db (percent-encode reserved characters)";
  test.each([
    ["none", "postgres://app@db.example.com/shop"],
    ["an empty one", "postgres://app:@db.example.com/shop"],
    ["an empty password= parameter", "postgres://app@db.example.com/shop?password="],
  ])("%s", (_what, cs) => {
    expect(atPreview(cs)).toEqual([{ property: "connectionString", reason: NO_PASSWORD }]);
  });

  test("a password given as a password= parameter counts (libpq takes either)", () => {
    expect(atPreview(`postgres://app@db.example.com/shop?password=${PW}&sslmode=require`)).toEqual([]);
    expect(atPreview(`postgres://app@db.example.com/shop?sslmode=require&password=${encodeURIComponent(`${PW}@#`)}`)).toEqual([]);
  });
});

describe("5. metadata limits: caught at preview, naming the key, the length or the count", () => {
  const cs = `postgres://app:${PW}@db.example.com/shop`;
  const metadataFailures = (metadata: Record<string, unknown>) => atPreview(cs, { metadata });

  test("a key of 60 characters is shown truncated to 40", () => {
    const key = "owner_team_responsible_for_this_database_and_its_sync_jobs_x";
    expect(key).toHaveLength(60);
    expect(metadataFailures({ [key]: "data" })).toEqual([
      { property: `metadata.${key}`, reason: `metadata key \`${key.slice(0, 40)}…\` is 60 characters; keys are at most 40` },
    ]);
  });

  test("an empty key", () => {
    expect(metadataFailures({ "": "v" })).toEqual([{ property: "metadata", reason: "metadata keys must not be empty" }]);
  });

  test("a value over 500 characters names its key and its length", () => {
    expect(metadataFailures({ notes: "n".repeat(612) })).toEqual([
      { property: "metadata.notes", reason: "metadata key `notes`: its value is 612 characters; values are at most 500" },
    ]);
  });

  test("more than 50 keys names the count", () => {
    expect(metadataFailures(Object.fromEntries(Array.from({ length: 53 }, (_, i) => [`k${i}`, "v"])))).toEqual([
      { property: "metadata", reason: "metadata has 53 keys; at most 50 are allowed" },
    ]);
  });

  test("a key that is not plain text is not echoed", () => {
    const key = `postgres://ro:x@replica.example.com/${"d".repeat(30)}`;
    const failures = metadataFailures({ [key]: "v" });
    expect(failures.map((f) => f.reason)).toContain(`a metadata key is ${key.length} characters; keys are at most 40`);
    for (const f of failures) expect(f.reason).not.toContain("replica");
  });

  test("a long key holding the password is named in neither the property nor the reason", () => {
    const failures = metadataFailures({ [`${PW}${"x".repeat(40)}`]: "v" });
    expect(failures).toEqual([
      { property: "metadata.<key>", reason: `a metadata key is ${PW.length + 40} characters; keys are at most 40` },
      { property: "metadata.<key>", reason: expect.stringContaining("a metadata key holds the connection string's password") },
    ]);
  });
});

describe("3 and 4. a verification failure says what to fix", () => {
  test("3. a schema with capitals that does not exist: the case rule, and the lower-case name", () => {
    const e = new VerificationFailedError("ds_test_1", 'schema "Sales" does not exist', true, "db.example.com:5432");
    expect(e.message).toBe(
      'Ablo rejected datasource ds_test_1 at verification: schema "Sales" does not exist; unquoted names are stored lower-case in PostgreSQL: ' +
        'did you mean schema "sales"? (schema names are case-sensitive here). It has been deleted, so nothing is left behind; ' +
        "fix the role or database and run `pulumi up` again.",
    );
    // Other wordings of the same fact; a lower-case name gets no case hint.
    expect(new VerificationFailedError("ds_1", 'the checks failed: schema "MySchema" does not exist in database shop', true).message).toContain(
      'did you mean schema "myschema"?',
    );
    expect(new VerificationFailedError("ds_1", 'schema "sales" does not exist', true).message).not.toContain("did you mean");
  });

  test.each([
    "cannot connect: connection refused",
    "cannot connect: timed out",
    "cannot connect: host unreachable",
    "cannot connect: the host name could not be resolved",
    "cannot connect: connection failed",
    "could not connect to server: Connection refused",
  ])("4. %s: names the host and port tried, and says the database must be reachable from Ablo", (lastError) => {
    const e = new VerificationFailedError("ds_test_1", lastError, true, "db.example.com:5432");
    expect(e.message).toBe(
      `Ablo rejected datasource ds_test_1 at verification: ${lastError} (tried db.example.com:5432). ` +
        `It has been deleted, so nothing is left behind; ${REACHABLE_FROM_ABLO}; then run \`pulumi up\` again.`,
    );
    expect(e.message).not.toContain("fix the role or database");
  });

  test.each([
    "the role is a superuser: use a role without SUPERUSER",
    "the role has BYPASSRLS: use a role without BYPASSRLS",
    "cannot connect: authentication failed",
    "cannot connect: the database does not exist",
  ])("role and database problems keep 'fix the role or database' (%s)", (lastError) => {
    const e = new VerificationFailedError("ds_test_1", lastError, true, "db.example.com:5432");
    expect(e.message).toContain("fix the role or database and run `pulumi up` again");
    expect(e.message).not.toContain("tried");
  });

  test("a rejection of a datasource that is kept (a rotation) says the fix too", () => {
    expect(new VerificationFailedError("ds_test_1", "cannot connect: connection refused", false, "db.example.com:5432").message).toBe(
      `Ablo rejected datasource ds_test_1 at verification: cannot connect: connection refused (tried db.example.com:5432). ${REACHABLE_FROM_ABLO[0]!.toUpperCase()}${REACHABLE_FROM_ABLO.slice(1)}; then run \`pulumi up\` again.`,
    );
  });
});

describe("at up, against an API on loopback", () => {
  let server: TestServer;
  let core: DatasourceCore;
  /** What the API says to a create; then a rejected datasource's last_error when it is asked. */
  let onCreate: "host_not_public" | { lastError: string };
  const store = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    server = await TestServer.start((req, res) => {
      const id = /^\/v1\/datasources\/([\w-]+)$/.exec(req.path)?.[1];
      if (req.method === "POST" && req.path === "/v1/datasources") {
        if (onCreate === "host_not_public") {
          return apiError(res, 400, {
            type: "invalid_request_error",
            code: "host_not_public",
            param: "connectionString",
            message: "Invalid connectionString: the host is not public: private-use (RFC 1918 private network).",
          });
        }
        const ds = directDs({ status: "unverified" });
        store.set(ds.id as string, { ...ds, status: "rejected", last_error: onCreate.lastError });
        return json(res, 200, ds);
      }
      if (id !== undefined && req.method === "GET" && store.has(id)) return json(res, 200, store.get(id));
      if (id !== undefined && req.method === "DELETE" && store.delete(id)) return json(res, 200, { object: "datasource", id, deleted: true });
      return apiError(res, 404, { type: "invalid_request_error", code: "resource_missing", message: "No such datasource" });
    });
    core = new DatasourceCore();
    core.configure({ get: (k: string) => ({ "ablo:apiKey": "sk_test_mistakes00000000", "ablo:baseUrl": server.url })[k] });
  });
  afterAll(() => server.close());

  test("4. an unreachable database: the error names every host:port of the string, and nothing is left", async () => {
    onCreate = { lastError: "cannot connect: connection refused" };
    const cs = `postgres://app:${PW}@DB.Example.com:6543,[2606:4700::1]/shop?sslmode=require`;
    const e = await core.create({ connectionString: cs }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(VerificationFailedError);
    expect((e as Error).message).toMatch(
      /^Ablo rejected datasource ds_test_\d+ at verification: cannot connect: connection refused \(tried db\.example\.com:6543,\[2606:4700::1\]:5432\)\. It has been deleted, so nothing is left behind; Ablo connects from its own network/,
    );
    expect((e as Error).message).not.toContain(PW);
    expect(store.size).toBe(0);
  });

  test("3. a schema with capitals: the case hint reaches the user", async () => {
    onCreate = { lastError: 'schema "Sales" does not exist' };
    const e = await core.create({ connectionString: `postgres://app:${PW}@db.example.com/shop`, schema: "Sales" }).catch((err: unknown) => err);
    expect((e as Error).message).toContain('did you mean schema "sales"? (schema names are case-sensitive here)');
    expect((e as Error).message).not.toContain(PW);
  });

  test("6. a private host the API refuses: the policy pack's fix, from the same place", async () => {
    onCreate = "host_not_public";
    const cs = `postgres://app:${PW}@10.0.0.5/shop`;
    expect(checkInputs({ connectionString: cs }).failures).toEqual([]); // not judged at preview: an allow-list may admit it
    const e = await core.create({ connectionString: cs }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(HostNotPublicError);
    const message = (e as Error).message;
    expect(message).toBe(
      "connectionString was refused by the Ablo API (host_not_public): Invalid connectionString: the host is not public: private-use (RFC 1918 private network). " +
        `${REACHABLE_FROM_ABLO}. The policy pack's ablo-datasource-public-host rule finds such hosts at preview.`,
    );
    expect(message).not.toContain(PW);
    const policy = publicHostRule("orders", { known: true, value: cs });
    expect(policy.kind === "violation" && policy.message).toContain(`${POLICY.publicHost} (host_not_public, host class private-use)`);
    expect(policy.kind === "violation" && policy.message).toContain(REACHABLE_FROM_ABLO);
    expect(policy.kind === "violation" && policy.message).not.toContain(PW);
  });
});
