import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { API_BASE_URL } from "@ablo/api";
import { REPO_ROOT, secret, type ConfigValue, type ProgramStack } from "@ablo/harness";
import { startSuite, type Suite } from "../e2e/helpers";
import { ProgramDirs, pythonProjectFiles, yamlDatasourceProgram } from "../e2e/programs";

// A new user's mistakes, table-driven, through the real engine: for each, where it is caught
// (`pulumi preview`, as an error where the mistake is in the program, or as a warning where it is
// about the key or endpoint, after which `up` refuses before sending anything), that the message
// names the setting or property and says how to fix it, that no secret is printed, that no request
// reached the server when it is caught at preview, and that nothing is left on the server. From
// TypeScript (the SDK's dynamic provider) for every row, and from YAML and Python (the plugin) for
// every row but adoptId (the plugin has none). What only verification finds is in
// mistakes-at-verification.test.ts. Host names reach the engine's Node processes only through the
// tests' resolver (loopback-only.cjs): no real DNS is asked, nothing off loopback is dialed.
const TS_PROGRAM = join(REPO_ROOT, "test", "fixtures", "datasource-program");
const NO_DNS = join(REPO_ROOT, "test", "setup", "loopback-only.cjs");
const CANARY = "MistakesCanary4e1";
const REFUSED_KEY = "sk_test_refusedMistake00000";
/** Resolves to 127.0.0.1 in the tests' resolver: an http:// URL to it is plaintext to "another machine" that is ablo-local. */
const REMOTE = "ablo.mistakes.test";
const DB = "db.example.com";
const url = (userinfo: string) => `postgres://${userinfo}@${DB}:5432/shop?sslmode=require`;
/** The rest of the provider's warning after a key or endpoint problem (provider/src/datasource-core.ts, check). */
const GOES_ON = "The preview goes on without the Ablo API";

type Language = "TypeScript" | "YAML" | "Python";

/** What a row's stack looks like, from the suite's server and keys. */
interface Context {
  base: string;
  port: number;
  key: string;
  liveKey: string;
  stack: string;
}

interface Mistake {
  mistake: string;
  /** Provider settings over the baseline (the server's URL and a secret test key); null removes one. */
  settings?: (c: Context) => Record<string, ConfigValue | null>;
  /** The Datasource's inputs over the baseline (a valid connection string to a public host). */
  inputs?: { connectionString?: string; schema?: string; metadata?: Record<string, unknown>; adoptId?: string };
  languages: Language[];
  /** An error (the program is wrong: preview fails) or a warning (the key or endpoint: preview goes on, up refuses). */
  severity: "error" | "warning";
  /** The diagnostic's text, from its start (after the engine's `<type> resource '<name>'` prefix, if any). */
  message: (c: Context) => RegExp;
  /** The setting or property the message names, and the words that say how to fix it. */
  names: (c: Context) => string;
  fix: (c: Context) => string;
  /** Further text the output must hold (a second misspelt key). */
  also?: string[];
  /** A warning that does not stop up (the key works): no `up` is run. */
  upGoesOn?: true;
  /** An error whose `up` is run too (it fails as its preview does, and sends nothing anywhere). */
  upToo?: true;
  /** The preview asks the endpoint (the key is only known bad, or good, once asked): GETs only, never a create. */
  asksAtPreview?: true;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const MISTAKES: Mistake[] = [
  {
    mistake: "ablo:baseUrl ends in /v1",
    settings: (c) => ({ "ablo:baseUrl": `${c.base}/v1` }),
    languages: ["TypeScript", "YAML", "Python"],
    severity: "warning",
    message: (c) => new RegExp(`^${esc(`ablo:baseUrl is the server's address without /v1: use ${c.base}`)}\\. ${GOES_ON}`),
    names: () => "ablo:baseUrl",
    fix: (c) => `use ${c.base}`,
  },
  {
    mistake: "ablo:baseUrl ends in /v1/",
    settings: (c) => ({ "ablo:baseUrl": `${c.base}/v1/` }),
    languages: ["TypeScript", "YAML", "Python"],
    severity: "warning",
    message: (c) => new RegExp(`^${esc(`ablo:baseUrl is the server's address without /v1: use ${c.base}`)}\\. ${GOES_ON}`),
    names: () => "ablo:baseUrl",
    fix: (c) => `use ${c.base}`,
  },
  {
    mistake: "ablo:baseUrl http:// to another machine",
    settings: (c) => ({ "ablo:baseUrl": `http://${REMOTE}:${c.port}` }),
    languages: ["TypeScript", "YAML", "Python"],
    severity: "warning",
    message: (c) =>
      new RegExp(
        `^${esc(`ablo:baseUrl http://${REMOTE}:${c.port} would send the API key in plain text: use https://${REMOTE}:${c.port}; http:// is allowed for 127.0.0.0/8, ::1 and localhost only`)}`,
      ),
    names: () => "ablo:baseUrl",
    fix: (c) => `use https://${REMOTE}:${c.port}`,
  },
  {
    mistake: "ablo:baseURL (for ablo:baseUrl)",
    settings: (c) => ({ "ablo:baseUrl": null, "ablo:baseURL": c.base }),
    languages: ["TypeScript", "YAML", "Python"],
    severity: "error",
    message: () => /^unknown key ablo:baseURL, did you mean ablo:baseUrl\? Move its value/,
    names: () => "ablo:baseURL",
    fix: () => "`pulumi config set ablo:baseUrl <value>`",
    // Ignored, the key would go to the default URL: up must send nothing, there or here.
    upToo: true,
  },
  {
    // Set without --secret, as a user would who misspelt it: the engine used to print it.
    mistake: "ablo:apikey (for ablo:apiKey), plain",
    settings: (c) => ({ "ablo:apiKey": null, "ablo:apikey": c.key }),
    languages: ["TypeScript", "YAML", "Python"],
    severity: "error",
    message: () => /^unknown key ablo:apikey, did you mean ablo:apiKey\? Move its value/,
    names: () => "ablo:apikey",
    fix: () => "`pulumi config set --secret ablo:apiKey <value>`",
  },
  {
    mistake: "ablo:base_url and ablo:baseurl",
    settings: (c) => ({ "ablo:baseUrl": null, "ablo:base_url": c.base, "ablo:baseurl": c.base }),
    languages: ["TypeScript", "YAML", "Python"],
    severity: "error",
    message: () => /^unknown key ablo:base_?url, did you mean ablo:baseUrl\?/,
    names: () => "ablo:base",
    fix: () => "`pulumi config set ablo:baseUrl <value>`",
    also: ["unknown key ablo:base_url, did you mean ablo:baseUrl?", "unknown key ablo:baseurl, did you mean ablo:baseUrl?"],
  },
  {
    mistake: "ablo:apiKey set without --secret",
    settings: (c) => ({ "ablo:apiKey": c.key }),
    languages: ["TypeScript", "YAML", "Python"],
    severity: "warning",
    message: (c) =>
      new RegExp(`^${esc(`ablo:apiKey is stored in plain text in Pulumi.${c.stack}.yaml: re-set it with \`pulumi config set --secret ablo:apiKey\``)}`),
    names: () => "ablo:apiKey",
    fix: () => "`pulumi config set --secret ablo:apiKey`",
    upGoesOn: true,
    asksAtPreview: true,
  },
  {
    mistake: "no API key",
    settings: () => ({ "ablo:apiKey": null }),
    languages: ["TypeScript", "YAML", "Python"],
    severity: "warning",
    message: () => new RegExp(`^${esc("No Ablo API key: run `pulumi config set --secret ablo:apiKey sk_test_…` (or set ABLO_API_KEY)")}`),
    names: () => "ablo:apiKey",
    fix: () => "pulumi config set --secret ablo:apiKey",
  },
  {
    mistake: "htps:// base URL",
    settings: () => ({ "ablo:baseUrl": "htps://api.example.com" }),
    languages: ["TypeScript", "YAML", "Python"],
    severity: "warning",
    message: () => /^ablo:baseUrl must use https:\/\/ \(or http:\/\/ to a loopback host\)/,
    names: () => "ablo:baseUrl",
    fix: () => "must use https://",
  },
  {
    mistake: "a refused key",
    settings: () => ({ "ablo:apiKey": secret(REFUSED_KEY) }),
    languages: ["TypeScript", "YAML", "Python"],
    severity: "warning",
    message: () => /^ablo:apiKey was refused by the Ablo API \(Invalid API key provided\): set a key of this API/,
    names: () => "ablo:apiKey",
    fix: () => "pulumi config set --secret ablo:apiKey",
    asksAtPreview: true,
  },
  {
    mistake: "mysql:// connection string",
    inputs: { connectionString: `mysql://app:${CANARY}@${DB}/shop` },
    languages: ["TypeScript", "YAML", "Python"],
    severity: "error",
    message: () => /^property connectionString value \{\[secret\]\} has a problem: connection string must start with postgres:\/\/ or postgresql:\/\//,
    names: () => "connectionString",
    fix: () => "must start with postgres://",
  },
  {
    mistake: "no user in the connection string",
    inputs: { connectionString: `postgres://${DB}/shop` },
    languages: ["TypeScript", "YAML", "Python"],
    severity: "error",
    message: () => /^property connectionString value \{\[secret\]\} has a problem: connectionString must name a user/,
    names: () => "connectionString",
    fix: () => "postgres://user:password@host/db",
  },
  {
    mistake: 'schema: "bad schema!"',
    inputs: { schema: "bad schema!" },
    languages: ["TypeScript", "YAML", "Python"],
    severity: "error",
    message: () => /^property schema value \{bad schema!\} has a problem: schema must be a plain PostgreSQL identifier/,
    names: () => "schema",
    fix: () => "(letters, digits, _ and $)",
  },
  {
    mistake: "non-string metadata value",
    inputs: { metadata: { team: 5 } },
    languages: ["TypeScript", "YAML", "Python"],
    severity: "error",
    message: () => /^metadata key `team`: values must be strings/,
    names: () => "metadata key `team`",
    fix: () => "values must be strings",
  },
  {
    mistake: "live key, ds_test_ adoptId",
    settings: (c) => ({ "ablo:apiKey": secret(c.liveKey) }),
    inputs: { adoptId: "ds_test_mistake01" },
    // The plugin's Datasource has no adoptId (its programs adopt with `pulumi import`).
    languages: ["TypeScript"],
    severity: "error",
    message: () => /^property adoptId value \{ds_test_mistake01\} has a problem: adoptId ds_test_mistake01 is a test datasource but ablo:apiKey is a live key/,
    names: () => "adoptId",
    fix: () => "use a test key or a live id",
  },
  {
    mistake: "bare @ in the password",
    inputs: { connectionString: url(`app:p@ss${CANARY}`) },
    languages: ["TypeScript", "YAML", "Python"],
    severity: "error",
    message: () => /connectionString.*%40/,
    names: () => "connectionString",
    fix: () => "%40",
  },
  {
    mistake: "no password",
    inputs: { connectionString: url("app") },
    languages: ["TypeScript", "YAML", "Python"],
    severity: "error",
    message: () => /connectionString.*has no password/,
    names: () => "connectionString",
    fix: () => "has no password",
  },
  {
    mistake: "a 60-character metadata key",
    inputs: { metadata: { ["k".repeat(60)]: "v" } },
    languages: ["TypeScript", "YAML", "Python"],
    severity: "error",
    message: () => /metadata.*is 60 characters; keys are at most 40/,
    names: () => "metadata",
    fix: () => "keys are at most 40",
  },
];

let suite: Suite;
let ctx: Omit<Context, "stack">;
const programs = new ProgramDirs();
/** One stack per language, and its settings file as the baseline config wrote it. */
const stacks = new Map<Language, { stack: ProgramStack; baseline: string; file: string; program: string }>();
const table: Array<{ language: Language; mistake: string; caught: string; message: string; seconds: number; run: string }> = [];
/** Every secret a row holds: none may be printed. */
const SECRETS = () => [CANARY, REFUSED_KEY, suite.key, ctx.liveKey];

/**
 * The Python program of a row (the plugin through pulumi_ablo), its inputs written in as for YAML,
 * in the example's virtualenv (made once by `pulumi install`; python.test.ts uses it too).
 */
function pythonMain(inputs: Mistake["inputs"] = {}): string {
  const extra = Object.entries({ schema: inputs.schema, metadata: inputs.metadata }).filter(([, v]) => v !== undefined);
  return [
    "import pulumi",
    "import pulumi_ablo as ablo",
    'ablo.Datasource("main", connection_string=pulumi.Config().require_secret("databaseUrl")' +
      extra.map(([k, v]) => `, ${k}=${JSON.stringify(v)}`).join("") +
      ")",
    "",
  ].join("\n");
}

/** The YAML program of a row: its inputs are written in (YAML has no optional object config). */
const yamlProgram = (inputs: Mistake["inputs"] = {}): string =>
  yamlDatasourceProgram("ablo-mistakes-yaml", { schema: inputs.schema, metadata: inputs.metadata, adoptId: inputs.adoptId });

beforeAll(async () => {
  suite = await startSuite({ org: "mistakes", api: { verification: false, dnsMap: { [DB]: ["93.184.216.34"] } } });
  ctx = { base: suite.api.baseUrl, port: suite.api.port, key: suite.key, liveKey: await suite.api.createKey("mistakes", "live") };
  const yamlDir = await programs.make("ablo-mistakes-yaml-", { "Pulumi.yaml": yamlProgram() });
  const pyDir = await programs.make("ablo-mistakes-py-", { ...pythonProjectFiles("ablo-mistakes-py"), "__main__.py": pythonMain() });
  for (const [language, program] of [
    ["TypeScript", TS_PROGRAM],
    ["YAML", yamlDir],
    ["Python", pyDir],
  ] as const) {
    const stack = await suite.stack(
      program,
      { databaseUrl: secret(url(`app:${CANARY}`)) },
      {
        env: {
          NODE_OPTIONS: `--require ${NO_DNS}`,
          // A public address for the database (never dialed), and the "other machine" on loopback.
          ABLO_TEST_DNS: JSON.stringify({ [DB]: "93.184.216.34", [REMOTE]: "127.0.0.1" }),
          ABLO_API_KEY: undefined,
          ABLO_BASE_URL: undefined,
        },
      },
    );
    // The virtualenv, as a Python user gets it (already made when python.test.ts ran first).
    if (language === "Python") await stack.ok(["install"]);
    const file = join(program, `Pulumi.${stack.name}.yaml`);
    stacks.set(language, { stack, baseline: await readFile(file, "utf8"), file, program });
  }
}, 180_000);

afterAll(async () => {
  const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));
  const rows = table.map(
    (r) => `| ${pad(r.language, 10)} | ${pad(r.mistake, 48)} | ${pad(r.caught, 22)} | ${r.message.slice(0, 150)} |` + ` ${r.run} ${r.seconds.toFixed(1)} s`,
  );
  console.log(
    [
      "mistakes through the real engine: where each is caught, the first line of its message (up to 150 characters), the run and its seconds",
      `| ${pad("language", 10)} | ${pad("mistake", 48)} | ${pad("caught at", 22)} | first line of the message |`,
      ...rows,
    ].join("\n"),
  );
  await suite?.dispose();
  await programs.dispose();
});

/** API requests ablo-local logged after `from` (characters of its log), as `METHOD path`. */
function requestsSince(from: number): string[] {
  return suite.api
    .logs()
    .slice(from)
    .split("\n")
    .flatMap((l) => {
      const m = /"method":"(\w+)","url":"(\/v1\/[^"]*)"/.exec(l);
      return m ? [`${m[1]} ${m[2]}`] : [];
    });
}

/**
 * The diagnostics of one severity, each as the user reads it, without the engine's prefix:
 * `<type> resource '<name>': ` (before `property <p> value {…} has a problem: …`) or
 * `<type> resource '<name>' has a problem: ` (a failure without a property).
 */
function diagnostics(output: string, severity: "error" | "warning"): string[] {
  return [...output.matchAll(new RegExp(`^\\s*${severity}: (.*)$`, "gm"))].map((m) => m[1]!.replace(/^\S+ resource '[^']+'(?::| has a problem:) /, ""));
}

/** A row's stack: the baseline settings file back, then the row's settings and inputs. */
async function prepare(language: Language, m: Mistake): Promise<ProgramStack> {
  const s = stacks.get(language)!;
  await writeFile(s.file, s.baseline);
  if (language === "YAML") await writeFile(join(s.program, "Pulumi.yaml"), yamlProgram(m.inputs));
  if (language === "Python") await writeFile(join(s.program, "__main__.py"), pythonMain(m.inputs));
  const settings = m.settings?.({ ...ctx, stack: s.stack.name }) ?? {};
  const inputs = m.inputs ?? {};
  const config: Record<string, ConfigValue | null> = { ...settings };
  if (inputs.connectionString !== undefined) config.databaseUrl = secret(inputs.connectionString);
  if (language === "TypeScript") {
    if (inputs.schema !== undefined) config.schema = inputs.schema;
    if (inputs.metadata !== undefined) config.metadata = JSON.stringify(inputs.metadata);
    if (inputs.adoptId !== undefined) config.adoptId = inputs.adoptId;
  }
  for (const [k, v] of Object.entries(config)) {
    if (v === null) await s.stack.ok(["config", "rm", k]);
    else await s.stack.setConfig({ [k]: v });
  }
  return s.stack;
}

describe.each(["TypeScript", "YAML", "Python"] as const)("%s", (language) => {
  test.each(MISTAKES.filter((m) => m.languages.includes(language)).map((m) => [m.mistake, m] as const))("%s", async (_name, m) => {
    const stack = await prepare(language, m);
    const c = { ...ctx, stack: stack.name };
    const mark = suite.api.logs().length;

    // An error: `pulumi preview` fails on it. A warning: `pulumi up --yes` shows it in its preview
    // (which goes on: the update starts only after a preview that passed), then its update fails
    // with the same problem, before anything is sent (`up` alone, to keep the suite short).
    const warnsThenRefuses = m.severity === "warning" && !m.upGoesOn;
    const started = Date.now();
    const run = await stack.run(warnsThenRefuses ? ["up", "--yes"] : ["preview"]);
    const took = (Date.now() - started) / 1000;
    const output = run.stdout + run.stderr;
    const updating = output.search(/^Updating \(/m);
    const preview = warnsThenRefuses && updating >= 0 ? output.slice(0, updating) : output;
    const said = diagnostics(preview, m.severity);
    const message = said.find((d) => m.message(c).test(d));
    const row: (typeof table)[number] = {
      language,
      mistake: m.mistake,
      // As observed: a diagnostic of the row's severity with the row's words, or other words, or none.
      caught:
        message === undefined
          ? said.length > 0
            ? `preview: ${m.severity}, other words`
            : "not caught"
          : m.severity === "error"
            ? "preview: error"
            : warnsThenRefuses
              ? "preview: warning; up refuses"
              : "preview: warning",
      message: message ?? said[0] ?? "(none)",
      seconds: took,
      run: warnsThenRefuses ? "up" : "preview",
    };
    table.push(row);

    // Where it is caught, and what it says: the setting or property, and how to fix it.
    expect({ exit: run.code === 0 ? "0" : "not 0", said, updated: updating >= 0 }).toEqual({
      exit: m.severity === "error" || warnsThenRefuses ? "not 0" : "0",
      said: expect.arrayContaining([expect.stringMatching(m.message(c))]),
      updated: warnsThenRefuses,
    });
    expect(message).toContain(m.names(c));
    expect(message).toContain(m.fix(c));
    for (const text of m.also ?? []) expect(preview).toContain(text);
    if (warnsThenRefuses) {
      const refused = diagnostics(output.slice(updating), "error");
      expect(refused.filter((d) => d.includes(m.names(c)) && d.includes(m.fix(c)))).not.toEqual([]);
    }
    // The engine's `property … value {<nil>} has a problem` noise is gone.
    expect(output).not.toContain("{<nil>}");
    expect(took).toBeLessThan(30);

    // Nothing reached the server, or (a key the API must judge) a GET, never a create.
    const asked = requestsSince(mark);
    if (m.asksAtPreview) expect(asked.filter((r) => !r.startsWith("GET "))).toEqual([]);
    else expect(asked).toEqual([]);

    if (m.upToo) {
      const upStarted = Date.now();
      const up = await stack.run(["up", "--yes"]);
      row.run = `preview ${took.toFixed(1)} s, then up`;
      row.seconds = (Date.now() - upStarted) / 1000;
      const upOut = up.stdout + up.stderr;
      expect({ exit: up.code === 0 ? "0" : "not 0", said: diagnostics(upOut, "error") }).toEqual({
        exit: "not 0",
        said: expect.arrayContaining([expect.stringMatching(m.message(c))]),
      });
      expect(upOut).not.toMatch(/Updating \(/);
      // Not asked here, nor at the default URL (which the tests' resolver would have refused, by name).
      expect(upOut).not.toContain(new URL(API_BASE_URL).hostname);
      expect(requestsSince(mark)).toEqual([]);
      for (const secretText of SECRETS()) expect(upOut).not.toContain(secretText);
    }

    expect(await suite.server.ids()).toEqual([]);
    for (const secretText of SECRETS()) expect(output).not.toContain(secretText);
  });
});

test("nothing was created, and no password or key is in any output", async () => {
  expect(await suite.server.ids()).toEqual([]);
  const transcript = suite.transcript.join("\n");
  for (const s of SECRETS()) expect(transcript).not.toContain(s);
});
