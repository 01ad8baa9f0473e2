import { join } from "node:path";
import { filesContaining, loginRole, REPO_ROOT, secret, type ProgramStack, type StackConfig } from "@ablo/harness";
import { startSuite, type PostgresSuite } from "./helpers";
import { ProgramDirs, yamlDatasourceProgram } from "./programs";

// What a plain `pulumi preview` (no --diff) says about a credential rotation: the property that
// changed, `[diff: ~connectionString]`, as a metadata change says `[diff: ~metadata]`, on the
// dynamic provider (TypeScript) and the plugin (TypeScript through @ablo/pulumi/plugin, and YAML).
// The connection string is a secret: its name is shown, never its value.
const PW = "RotDiffCanary31Pw";
const NEXT_PW = "RotDiffNextCanary58";
const CANARIES = [PW, NEXT_PW];

let suite: PostgresSuite;
const dirs = new ProgramDirs();
const url = (user: "app" | "app_next") => suite.pg.url(user, user === "app" ? PW : NEXT_PW, "shop");

beforeAll(async () => {
  suite = await startSuite({
    org: "rotation-diff-org",
    api: { allowPrivateHosts: true, verification: true },
    postgres: [loginRole("app", PW), loginRole("app_next", NEXT_PW), "CREATE DATABASE shop OWNER app", "GRANT CONNECT ON DATABASE shop TO app_next"],
  });
}, 180_000);

afterAll(async () => {
  await dirs.dispose();
  await suite?.dispose();
});

/** The line a plain preview prints for the Datasource `name` of type `type`. */
function stepLine(stdout: string, type: string, name: string): string {
  const line = stdout.split("\n").find((l) => l.includes(` ${type} `) && l.includes(` ${name} `));
  if (!line) throw new Error(`no line for ${type} ${name} in:\n${stdout}`);
  return line.trim();
}

async function rotateAndChangeMetadata(stack: ProgramStack, type: string, name: string, metadata: (team: string) => StackConfig) {
  await stack.ok(["up", "--yes", "--skip-preview"]);
  const first = await stack.outputs<{ id: string }>();

  // A new user and password for the same host, port and database: a rotation, in place.
  await stack.setConfig({ databaseUrl: secret(url("app_next")) });
  const preview = await stack.ok(["preview"]);
  expect(stepLine(preview.stdout, type, name)).toMatch(/^~ .* update \[diff: ~connectionString\]$/);
  expect(preview.stdout).toMatch(/~ 1 to update/);
  for (const c of CANARIES) expect(preview.stdout + preview.stderr).not.toContain(c);
  const rotate = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(rotate.stdout).toMatch(/~ 1 updated/);
  expect((await stack.outputs<{ id: string }>()).id).toBe(first.id);

  // A metadata change still names metadata alone.
  await stack.setConfig(metadata("billing"));
  const meta = await stack.ok(["preview"]);
  expect(stepLine(meta.stdout, type, name)).toMatch(/^~ .* update \[diff: ~metadata\]$/);

  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
}

test("TypeScript, dynamic provider: a rotation previews as [diff: ~connectionString]", async () => {
  const stack = await suite.stack(join(REPO_ROOT, "test", "fixtures", "datasource-program"), { databaseUrl: secret(url("app")) });
  await rotateAndChangeMetadata(stack, "pulumi-nodejs:dynamic/ablo:Datasource", "main", (team) => ({ "metadata.team": { value: team, path: true } }));
}, 300_000);

test("TypeScript, the plugin (@ablo/pulumi/plugin): a rotation previews as [diff: ~connectionString]", async () => {
  const program = await dirs.make("rotation-diff-ts-", {
    "Pulumi.yaml": "name: rotation-diff-ts\nruntime: nodejs\n",
    "index.ts": [
      'import * as pulumi from "@pulumi/pulumi";',
      'import * as ablo from "@ablo/pulumi/plugin";',
      "const config = new pulumi.Config();",
      'const main = new ablo.Datasource("main", { connectionString: config.requireSecret("databaseUrl"), metadata: { team: config.get("team") ?? "platform" } });',
      "export const id = main.id;",
      "",
    ].join("\n"),
  });
  const stack = await suite.stack(program, { databaseUrl: secret(url("app")) });
  await rotateAndChangeMetadata(stack, "ablo:index:Datasource", "main", (team) => ({ team }));
}, 300_000);

test("YAML, the plugin: a rotation previews as [diff: ~connectionString]", async () => {
  const text = yamlDatasourceProgram("rotation-diff-yaml").replace(
    "      connectionString: ${databaseUrl}",
    "      connectionString: ${databaseUrl}\n      metadata:\n        team: ${team}",
  );
  const program = await dirs.make("rotation-diff-yaml-", {
    "Pulumi.yaml": text.replace("resources:", "  team:\n    type: string\n    default: platform\nresources:") + "outputs:\n  id: ${main.id}\n",
  });
  const stack = await suite.stack(program, { databaseUrl: secret(url("app")) });
  await rotateAndChangeMetadata(stack, "ablo:index:Datasource", "main", (team) => ({ team }));
}, 300_000);

test("the canaries are nowhere: engine output, the server's answers, state", async () => {
  for (const c of CANARIES) {
    expect(suite.transcript.join("\n")).not.toContain(c);
    expect(await filesContaining(suite.ws.dir, c)).toEqual([]);
  }
}, 60_000);
