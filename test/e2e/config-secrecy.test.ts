import { join } from "node:path";
import { filesContaining, isAbloDatasource, REPO_ROOT, type ProgramStack, loginRole } from "@ablo/harness";
import { startSuite, type PostgresSuite } from "./helpers";

// Plain (non-secret) stack config never reaches state in plaintext through our provider: the SDK
// registers its own provider instance carrying only ablo:apiKey (secret) and ablo:baseUrl, never
// the engine's default one, which stores the stack's whole configuration. An existing stack made
// on the default provider moves onto it without replacing its Datasource.
const program = join(REPO_ROOT, "test", "fixtures", "config-program");
const CANARY = "PlainCfgCanary4e1Pw"; // the role's password, in plain config
const OTHER = "UnrelatedPlainValue9c2"; // a config value the provider has no business with

let suite: PostgresSuite;
let stack: ProgramStack;

beforeAll(async () => {
  suite = await startSuite({
    org: "cfg-org",
    api: { allowPrivateHosts: true, verification: true },
    postgres: [loginRole("app", CANARY), "CREATE DATABASE shop OWNER app"],
  });
  // All plain, the key too (the SDK makes it a secret); the connection string is the canary.
  stack = await suite.stack(program, { "ablo:apiKey": suite.key, cs: suite.pg.url("app", CANARY, "shop"), other: OTHER });
}, 180_000);

afterAll(() => suite?.dispose());

test("a stack made on the engine's default provider leaks plain config: the situation before", async () => {
  await stack.setConfig({ legacy: "true" });
  await stack.ok(["up", "--yes", "--skip-preview"]);
  // Read outside the transcript: this export holds the canary by design.
  const { text } = await stack.exportState({ record: false });
  // The engine's default pulumi-nodejs provider stores the whole configuration as its inputs.
  expect(text).toContain(OTHER);
  expect(text).toContain(CANARY);
});

test("the SDK's own provider upgrades that stack in place and drops every plain config value from state", async () => {
  const legacyState = await stack.exportState({ record: false }); // holds the canary: kept out of the transcript
  const [before] = legacyState.resources.filter(isAbloDatasource);
  await stack.ok(["config", "rm", "legacy"]);
  // Outside the transcript: these show the old default provider's inputs being deleted, which
  // hold the canary since the legacy run.
  const preview = await stack.ok(["preview", "--diff"], { record: false });
  expect(preview.stdout).not.toMatch(/to replace|\+-/);
  const up = await stack.ok(["up", "--yes", "--skip-preview"], { record: false });
  expect(up.stdout).not.toMatch(/replaced/);
  const after = (await stack.exportState()).resources;
  const ds = after.filter(isAbloDatasource);
  expect(ds).toHaveLength(1);
  expect(ds[0]!.id).toBe(before!.id);
  expect(ds[0]!.provider).toMatch(/::pulumi:providers:pulumi-nodejs::ablo::/);
  expect(after.some((r) => r.urn.endsWith("::pulumi:providers:pulumi-nodejs::default"))).toBe(false);
  expect(await suite.server.ids()).toEqual([before!.id]);
  await stack.ok(["preview", "--expect-no-changes"]);

  const { text } = await stack.exportState();
  expect(text).not.toContain(OTHER);
  expect(text).not.toContain(CANARY);
  expect(text).not.toContain(suite.key);
  // The provider instance holds exactly its two settings, the key as a secret.
  const provider = after.find((r) => r.type === "pulumi:providers:pulumi-nodejs")!;
  expect(Object.keys(provider.inputs ?? {}).sort()).toEqual(["ablo:apiKey", "ablo:baseUrl"]);
  expect(provider.inputs!["ablo:apiKey"]).toHaveProperty("ciphertext");
});

test("a new stack never makes the default provider; destroy leaves nothing", async () => {
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
  await stack.ok(["up", "--yes", "--skip-preview", "--logtostderr", "-v=9"]);
  const { text, resources } = await stack.exportState();
  expect(text).not.toContain(OTHER);
  expect(text).not.toContain(CANARY);
  expect(resources.map((r) => r.type).filter((t) => t.startsWith("pulumi:providers:"))).toEqual(["pulumi:providers:pulumi-nodejs"]);
  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect(await suite.server.ids()).toEqual([]);
});

test("the plain canary is nowhere in engine output, server logs or data", async () => {
  expect(suite.transcript.join("\n")).not.toContain(CANARY);
  expect(suite.api.logs()).not.toContain(CANARY);
  expect(await filesContaining(suite.api.dataDir, CANARY)).toEqual([]);
});
