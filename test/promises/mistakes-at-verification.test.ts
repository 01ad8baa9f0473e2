import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loginRole, REPO_ROOT, secret, type ProgramStack } from "@ablo/harness";
import { startSuite, type PostgresSuite } from "../e2e/helpers";
import { ProgramDirs, yamlDatasourceProgram } from "../e2e/programs";

// The mistakes only Ablo can find, when it registers and verifies the database (the second part of
// the table in mistakes.test.ts), through the real engine against ablo-local verifying a real
// PostgreSQL: each fails `up` with a message that says what to fix, prints no secret, and leaves
// nothing on the server. From TypeScript (the SDK's dynamic provider) and YAML (the plugin).
const CANARY = "VerifyCanary8d2";
const TS_PROGRAM = join(REPO_ROOT, "test", "fixtures", "datasource-program");

interface Row {
  mistake: string;
  /** The connection string and schema the program is given. */
  url: (s: PostgresSuite) => string;
  schema?: string;
  /** The message, from its start (after the engine's `<type> resource '<name>'` prefix). */
  message: RegExp;
}

const ROWS: Row[] = [
  {
    mistake: 'schema "Sales" where the database has sales',
    url: (s) => s.pg.url("app", CANARY, "shop"),
    schema: "Sales",
    message:
      /Ablo rejected datasource ds_test_\w+ at verification: schema "Sales" does not exist; unquoted names are stored lower-case in PostgreSQL: did you mean schema "sales"\?/,
  },
  {
    mistake: "the database unreachable (nothing listens on its port)",
    url: () => `postgres://app:${CANARY}@127.0.0.1:1/shop`,
    message: /Ablo rejected datasource ds_test_\w+ at verification: cannot connect.*\(tried 127\.0\.0\.1:1\).*the database must be reachable from it/,
  },
  {
    mistake: "a private host, without the policy pack",
    url: () => `postgres://app:${CANARY}@10.1.2.3:5432/shop`,
    message: /connectionString was refused by the Ablo API \(host_not_public\).*policy pack's ablo-datasource-public-host/,
  },
];

let suite: PostgresSuite;
const programs = new ProgramDirs();
const stacks = new Map<string, { stack: ProgramStack; write?: (row: Row) => Promise<void> }>();
const table: string[] = [];

beforeAll(async () => {
  suite = await startSuite({
    org: "mistakes-verify",
    // Loopback databases are admitted (the tests' PostgreSQL); 10.x is still refused, as by the real API.
    api: { allowPrivateHosts: true, verification: true },
    postgres: [loginRole("app", CANARY), "CREATE DATABASE shop OWNER app"],
  });
  // The schema as PostgreSQL stores an unquoted `CREATE SCHEMA Sales`: lower-case.
  await suite.pg.sql("CREATE SCHEMA sales AUTHORIZATION app", "shop");
  stacks.set("TypeScript", { stack: await suite.stack(TS_PROGRAM, { databaseUrl: secret(suite.pg.url("app", CANARY, "shop")) }) });
  const yaml = (schema?: string) => yamlDatasourceProgram("ablo-verify-yaml", { schema });
  const yamlDir = await programs.make("ablo-verify-yaml-", { "Pulumi.yaml": yaml() });
  stacks.set("YAML", {
    stack: await suite.stack(yamlDir, { databaseUrl: secret(suite.pg.url("app", CANARY, "shop")) }),
    write: (row) => writeFile(join(yamlDir, "Pulumi.yaml"), yaml(row.schema)),
  });
}, 180_000);

afterAll(async () => {
  console.log(["mistakes found at verification: language | mistake | first line of the message", ...table].join("\n"));
  await suite?.dispose();
  await programs.dispose();
});

describe.each(["TypeScript", "YAML"])("%s", (language) => {
  test.each(ROWS.map((r) => [r.mistake, r] as const))("%s: up fails saying what to fix, and nothing is left", async (_name, row) => {
    const { stack, write } = stacks.get(language)!;
    await stack.setConfig({ databaseUrl: secret(row.url(suite)) });
    if (write) await write(row);
    else if (row.schema !== undefined) await stack.setConfig({ schema: row.schema });
    else await stack.ok(["config", "rm", "schema"]);
    const r = await stack.run(["up", "--yes"]);
    const out = r.stdout + r.stderr;
    expect(r.code).not.toBe(0);
    const errors = [...out.matchAll(/^\s*error: (.*)$/gm)].map((m) => m[1]!.replace(/^\S+ resource '[^']+'(?::| has a problem:) /, ""));
    const first = errors.find((e) => row.message.test(e));
    expect({ row: row.mistake, first }).toEqual({ row: row.mistake, first: expect.any(String) });
    table.push(`${language} | ${row.mistake} | ${first!.slice(0, 200)}`);
    expect(out).not.toContain(CANARY);
    expect(await suite.server.ids()).toEqual([]);
  });
});

test("no secret in any output, nothing on the server", async () => {
  expect(suite.transcript.join("\n")).not.toContain(CANARY);
  expect(suite.transcript.join("\n")).not.toContain(suite.key);
  expect(await suite.server.ids()).toEqual([]);
});
