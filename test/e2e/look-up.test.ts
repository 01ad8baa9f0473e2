import { join } from "node:path";
import { AbloClient, type DatasourceResponse } from "@ablo/client";
import { filesContaining, loginRole, REPO_ROOT, secret, type ProgramStack } from "@ablo/harness";
import { startSuite, type PostgresSuite } from "./helpers";
import { ProgramDirs, pythonProjectFiles } from "./programs";

// The look-up `getDatasource` through the real engine, against ablo-local and a real PostgreSQL,
// from each surface: TypeScript on the dynamic SDK (`@ablo/pulumi`: run in the program's process),
// TypeScript on the plugin's SDK (`@ablo/pulumi/plugin`), Python (`get_datasource`) and Pulumi
// YAML (`fn::invoke`), the last three through the plugin's Invoke. Each program creates a
// Datasource and looks up both it and one registered beforehand by another tool (the client).
const PW = "LookUpCanary31";
const MISSING = "ds_test_nosuch0000";
const LIVE = "ds_livelookup00";

let suite: PostgresSuite;
let client: AbloClient;
let premade: DatasourceResponse; // registered with the client, as another tool would
const programs = new ProgramDirs();
type Found = Record<string, unknown>;

beforeAll(async () => {
  suite = await startSuite({
    org: "look-up-e2e",
    api: { allowPrivateHosts: true, verification: true },
    postgres: [loginRole("app", PW), "CREATE DATABASE orders OWNER app", "CREATE DATABASE made OWNER app"],
  });
  client = new AbloClient({ apiKey: suite.key, baseUrl: suite.api.baseUrl });
  const created = await client.datasources.create({ connectionString: suite.pg.url("app", PW, "orders"), metadata: { team: "lookup" } });
  premade = await client.datasources.waitForStatus(created.id, { timeoutMs: 30_000, pollMs: 100 });
  expect(premade.status).toBe("active");
}, 180_000);
afterAll(async () => {
  if (premade) await client.datasources.del(premade.id).catch(() => undefined);
  client?.close();
  await suite?.dispose();
  await programs.dispose();
});

/** GETs of `id` the server has logged: one access line per request. */
const gets = (id: string) =>
  suite.api
    .logs()
    .split("\n")
    .filter((l) => l.includes('"method":"GET"') && l.includes(`"url":"/v1/datasources/${id}"`)).length;

/** gets(id), at least `atLeast`, once the server's output has been still for 300 ms (it comes through a pipe). */
async function settledGets(id: string, atLeast = 0): Promise<number> {
  for (let last = -1, now = gets(id), t = 0; t < 100; last = now, now = gets(id), t++) {
    if (now === last && now >= atLeast) return now;
    await new Promise((r) => setTimeout(r, 300));
  }
  return gets(id);
}

/** What the look-up of the premade datasource must give: its fields, plain (not secret), no credential. */
const premadeFields = () => ({
  id: premade.id,
  status: "active",
  livemode: false,
  metadata: { team: "lookup" },
  created: premade.created,
  host: "127.0.0.1",
  database: "orders",
  schema: "public",
  displayName: `app@127.0.0.1:${suite.pg.port}/orders`,
});

/**
 * The program's life: a preview of a fresh stack (the made Datasource's id unknown, its look-up
 * too), an up with exactly one GET of the premade id, outputs as expected and not secret, a
 * no-change preview, a missing id and one of the other mode failing by name, the canary nowhere
 * in the stack's export, then destroy.
 */
async function lookUpLifeCycle(dir: string): Promise<void> {
  const stack: ProgramStack = await suite.stack(dir, { ordersUrl: secret(suite.pg.url("app", PW, "made")), lookUpId: premade.id });
  await stack.ok(["preview"]);

  const before = await settledGets(premade.id);
  await stack.ok(["up", "--yes", "--skip-preview"]);
  expect((await settledGets(premade.id, before + 1)) - before).toBe(1); // one look-up, one request

  // `stack output` without --show-secrets: every field is there as a plain value.
  const out = await stack.outputs<{ premade: Found; made: Found; madeId: string; madeDisplayName: string }>();
  expect(out.premade).toMatchObject(premadeFields());
  expect(out.premade.lastError ?? null).toBeNull();
  expect(Object.keys(out.premade)).not.toEqual(expect.arrayContaining(["port"]));
  expect(Object.keys(out.premade)).not.toEqual(expect.arrayContaining(["fingerprint"]));
  expect(Object.keys(out.premade)).not.toEqual(expect.arrayContaining(["connectionString"]));
  expect(out.made).toMatchObject({
    id: out.madeId,
    status: "active",
    metadata: { team: "made" },
    database: "made",
    displayName: out.madeDisplayName,
  });

  await stack.ok(["preview", "--expect-no-changes"]);

  await stack.setConfig({ lookUpId: MISSING });
  const missing = await stack.run(["up", "--yes", "--skip-preview"]);
  expect(missing.code).not.toBe(0);
  expect(missing.stdout + missing.stderr).toContain(`getDatasource: no datasource ${MISSING} in the Ablo organization of ablo:apiKey`);

  await stack.setConfig({ lookUpId: LIVE });
  const live = await stack.run(["up", "--yes", "--skip-preview"]);
  expect(live.code).not.toBe(0);
  expect(live.stdout + live.stderr).toContain(`getDatasource: ${LIVE} is a live datasource but ablo:apiKey is a test key`);
  expect(gets(LIVE)).toBe(0); // refused before any request

  const exported = await stack.exportState();
  expect(exported.text).not.toContain(PW);
  expect(exported.text).not.toContain(suite.key);
  expect(exported.text).toContain(premade.id); // the look-up's result is in state (outputs), plain

  await stack.setConfig({ lookUpId: premade.id });
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([premade.id]);
}

const tsProgram = (name: string, imports: string, lookUp: string, lookUpOutput: string, datasource: string) => ({
  "Pulumi.yaml": `name: ${name}\nruntime: nodejs\n`,
  "index.ts": [
    'import * as pulumi from "@pulumi/pulumi";',
    imports,
    "const config = new pulumi.Config();",
    `const made = new ${datasource}("made", { connectionString: config.requireSecret("ordersUrl"), metadata: { team: "made" } });`,
    `export const premade = ${lookUp}({ id: config.require("lookUpId") });`,
    `const madeFound = ${lookUpOutput}({ id: made.id });`,
    "export { madeFound as made };",
    "export const madeId = made.id;",
    "export const madeDisplayName = made.displayName;",
    "",
  ].join("\n"),
});

test("TypeScript on the dynamic SDK: getDatasource and getDatasourceOutput from @ablo/pulumi, in the program's process", async () => {
  const dir = await programs.make(
    "ablo-lookup-dyn-",
    tsProgram(
      "ablo-lookup-dyn",
      'import { Datasource, getDatasource, getDatasourceOutput } from "@ablo/pulumi";',
      "getDatasource",
      "getDatasourceOutput",
      "Datasource",
    ),
  );
  await lookUpLifeCycle(dir);
}, 300_000);

test("TypeScript on the plugin's SDK: getDatasource and getDatasourceOutput from @ablo/pulumi/plugin (the plugin's Invoke)", async () => {
  const dir = await programs.make(
    "ablo-lookup-plugin-",
    tsProgram("ablo-lookup-plugin", 'import * as ablo from "@ablo/pulumi/plugin";', "ablo.getDatasource", "ablo.getDatasourceOutput", "ablo.Datasource"),
  );
  await lookUpLifeCycle(dir);
}, 300_000);

test("Pulumi YAML: fn::invoke of ablo:getDatasource", async () => {
  const dir = await programs.make("ablo-lookup-yaml-", {
    "Pulumi.yaml": [
      "name: ablo-lookup-yaml",
      "runtime: yaml",
      "config:",
      "  ordersUrl:",
      "    type: string",
      "    secret: true",
      "  lookUpId:",
      "    type: string",
      "resources:",
      "  made:",
      "    type: ablo:Datasource",
      "    properties:",
      "      connectionString: ${ordersUrl}",
      "      metadata:",
      "        team: made",
      "variables:",
      "  premade:",
      "    fn::invoke:",
      "      function: ablo:getDatasource",
      "      arguments:",
      "        id: ${lookUpId}",
      "  madeFound:",
      "    fn::invoke:",
      "      function: ablo:getDatasource",
      "      arguments:",
      "        id: ${made.id}",
      "outputs:",
      "  premade: ${premade}",
      "  made: ${madeFound}",
      "  madeId: ${made.id}",
      "  madeDisplayName: ${made.displayName}",
      "",
    ].join("\n"),
  });
  await lookUpLifeCycle(dir);
}, 300_000);

test("Python: get_datasource and get_datasource_output of pulumi_ablo", async () => {
  const dir = await programs.make("ablo-lookup-py-", {
    ...pythonProjectFiles("ablo-lookup-py"),
    "__main__.py": [
      "import pulumi",
      "import pulumi_ablo as ablo",
      "",
      "def fields(r):",
      '    return {"id": r.id, "status": r.status, "livemode": r.livemode, "metadata": r.metadata, "created": r.created, "host": r.host,',
      '            "database": r.database, "schema": r.schema, "displayName": r.display_name, "lastError": r.last_error}',
      "",
      "config = pulumi.Config()",
      'made = ablo.Datasource("made", connection_string=config.require_secret("ordersUrl"), metadata={"team": "made"})',
      'pulumi.export("premade", fields(ablo.get_datasource(id=config.require("lookUpId"))))',
      'pulumi.export("made", ablo.get_datasource_output(id=made.id).apply(fields))',
      'pulumi.export("madeId", made.id)',
      'pulumi.export("madeDisplayName", made.display_name)',
      "",
    ].join("\n"),
  });
  // The virtualenv the Python suites share (examples/python/venv), made or brought up to date by `pulumi install`.
  const installer = await suite.stack(dir, {});
  await installer.ok(["install"]);
  await lookUpLifeCycle(dir);
}, 600_000);

test("canary: the password and the API key appear in no engine output, state, program folder or server log", async () => {
  expect(suite.transcript.length).toBeGreaterThan(20);
  for (const text of [...suite.transcript, suite.api.logs()]) {
    expect(text).not.toContain(PW);
    expect(text).not.toContain(suite.key);
  }
  for (const dir of [suite.ws.dir, join(REPO_ROOT, ".tmp")]) {
    expect(await filesContaining(dir, PW)).toEqual([]);
    expect(await filesContaining(dir, suite.key)).toEqual([]);
  }
});
