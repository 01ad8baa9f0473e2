import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { REPO_ROOT, secret, secrets, type ProgramStack, type StackConfig } from "@ablo/harness";
import { startSuite, type Suite } from "../e2e/helpers";
import { ProgramDirs, pythonProjectFiles } from "../e2e/programs";

// The policy pack judges the program alone: with no usable Ablo API (no key, a port that refuses,
// a name that does not resolve, an HTML server, a refused key) `pulumi preview --policy-pack`
// still names every private host's violation, from TypeScript (examples/gitops, the SDK's dynamic
// provider), YAML and Python (the plugin, through pulumi_ablo), and the provider's warning names
// what is wrong with the key or endpoint. Four Datasources: three on private hosts, one on a public
// name (db.example.com) that is mapped only in the tests' DNS maps and never dialed. Host names
// reach the engine's Node processes only through the tests' resolver (loopback-only.cjs): no real
// DNS is asked and nothing off loopback is dialed.
const pack = join(REPO_ROOT, "policy-pack");
const NO_DNS = join(REPO_ROOT, "test", "setup", "loopback-only.cjs");
const CANARY = "PolicyNoApiCanary93d";
const REFUSED_KEY = "sk_test_refusedNoApi0000000";
const PUBLIC = "orders";
const PRIVATE = ["billing", "metrics", "audit"] as const;
const URLS: Record<string, string> = {
  orders: `postgres://app:${CANARY}@db.example.com:5432/orders?sslmode=require`,
  billing: `postgres://app:${CANARY}@10.1.2.3:5432/billing?sslmode=require`,
  metrics: `postgres://app:${CANARY}@0x7f.1/metrics?sslmode=require`,
  audit: `postgres://app:${CANARY}@db.internal/audit?sslmode=require`,
};
const NAMES = [PUBLIC, ...PRIVATE];
/** The rest of the provider's warning after the problem (provider/src/datasource-core.ts, check). */
const GOES_ON = "The preview goes on without the Ablo API (policies judge the program alone)";

let suite: Suite;
let htmlUrl: string;
let html: Server;
const programs = new ProgramDirs();
/** Per (language, case): violations named out of 3, and the preview's seconds. */
const figures: Array<{ language: string; case: string; named: number; seconds: number }> = [];

interface NoApiCase {
  name: string;
  /** The provider settings of the case; `ablo:apiKey` absent means removed. */
  settings: () => Promise<{ baseUrl: string; apiKey?: string }>;
  /** What the warning must say: the problem (from its start), then details further on the line. */
  warning: (baseUrl: string) => [string, ...string[]];
}

const CASES: NoApiCase[] = [
  {
    name: "no key",
    settings: async () => ({ baseUrl: suite.api.baseUrl }),
    warning: () => ["No Ablo API key: run `pulumi config set --secret ablo:apiKey sk_test_…` (or set ABLO_API_KEY)"],
  },
  {
    name: "port that refuses",
    // Port 1: nothing listens there (a freed port can be taken by a parallel suite before the preview dials it).
    settings: async () => ({ baseUrl: "http://127.0.0.1:1", apiKey: suite.key }),
    warning: (url) => [`ablo:baseUrl: ${url} cannot be reached`, "ECONNREFUSED"],
  },
  {
    name: "name that does not resolve",
    settings: async () => ({ baseUrl: "https://api.ablo.invalid", apiKey: suite.key }),
    warning: (url) => [`ablo:baseUrl: ${url} cannot be reached`, "ENOTFOUND"],
  },
  {
    name: "HTML server",
    settings: async () => ({ baseUrl: htmlUrl, apiKey: suite.key }),
    warning: (url) => [`ablo:baseUrl: ${url} does not answer like the Ablo API`],
  },
  {
    name: "refused key",
    settings: async () => ({ baseUrl: suite.api.baseUrl, apiKey: REFUSED_KEY }),
    warning: () => ["ablo:apiKey was refused by the Ablo API"],
  },
];
// The Python program needs a virtualenv with `pulumi` and pulumi_ablo (`pulumi install`), and each
// of its previews starts an interpreter: slow, so it runs two cases (no key, a port that refuses);
// the plugin behind it is the YAML program's, which runs all five.
const PYTHON_CASES = ["no key", "port that refuses"];

const yamlProgram = () =>
  programs.make("ablo-policy-yaml-", {
    "Pulumi.yaml": [
      "name: ablo-policy-yaml",
      "runtime: yaml",
      "config:",
      ...NAMES.flatMap((n) => [`  ${n}Url:`, "    type: string", "    secret: true"]),
      "resources:",
      ...NAMES.flatMap((n) => [`  ${n}:`, "    type: ablo:Datasource", "    properties:", `      connectionString: \${${n}Url}`]),
      "",
    ].join("\n"),
  });

const pythonProgram = () =>
  programs.make("ablo-policy-py-", {
    ...pythonProjectFiles("ablo-policy-py"),
    "__main__.py": [
      "import pulumi",
      "import pulumi_ablo as ablo",
      "config = pulumi.Config()",
      `for name in ${JSON.stringify(NAMES)}:`,
      '    ablo.Datasource(name, connection_string=config.require_secret(f"{name}Url"))',
      "",
    ].join("\n"),
  });

interface Language {
  language: string;
  /** The Datasource's type token in the engine's violation lines. */
  type: string;
  cases: string[];
  stack: () => Promise<ProgramStack>;
}

const urlConfig: () => StackConfig = () => secrets(Object.fromEntries(NAMES.map((n) => [`${n}Url`, URLS[n]!])));

const LANGUAGES: Language[] = [
  {
    language: "TypeScript",
    type: "pulumi-nodejs:dynamic/ablo:Datasource",
    cases: CASES.map((c) => c.name),
    stack: () =>
      newStack(join(REPO_ROOT, "examples", "gitops"), {
        ...urlConfig(),
        ...Object.fromEntries(NAMES.map((n, i) => [`datasources[${i}]`, { value: n, path: true }])),
      }),
  },
  {
    language: "YAML",
    type: "ablo:index:Datasource",
    cases: CASES.map((c) => c.name),
    stack: async () => newStack(await yamlProgram(), urlConfig()),
  },
  {
    language: "Python",
    type: "ablo:index:Datasource",
    cases: PYTHON_CASES,
    stack: async () => {
      const stack = await newStack(await pythonProgram(), urlConfig());
      // The virtualenv, the way a Python user gets it (fast when python.test.ts has made it already).
      const install = await stack.ok(["install"]);
      expect(install.stdout + install.stderr).toMatch(/Successfully installed|Requirement already satisfied/);
      return stack;
    },
  },
];

/** A stack whose engine processes resolve names only through the tests' resolver, and with no ABLO_API_KEY from outside. */
const newStack = (program: string, config: StackConfig) =>
  suite.stack(program, config, {
    env: {
      NODE_OPTIONS: `--require ${NO_DNS}`,
      // A public address, never dialed: loopback-only.cjs refuses any connection off loopback.
      ABLO_TEST_DNS: JSON.stringify({ "db.example.com": "93.184.216.34" }),
      ABLO_API_KEY: undefined,
      ABLO_BASE_URL: undefined,
    },
  });

beforeAll(async () => {
  suite = await startSuite({ org: "policy-no-api", api: { verification: false, dnsMap: { "db.example.com": ["93.184.216.34"] } } });
  html = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end("<html><body>Welcome</body></html>");
  });
  await new Promise<void>((r) => html.listen(0, "127.0.0.1", r));
  const address = html.address();
  htmlUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}, 180_000);

afterAll(async () => {
  const rows = figures.map((f) => `  ${f.language.padEnd(10)} ${f.case.padEnd(26)} ${f.named}/3   ${f.seconds.toFixed(1)} s`);
  console.log(`preview --policy-pack without a usable Ablo API: private-host violations named, seconds per preview\n${rows.join("\n")}`);
  html?.close();
  await suite?.dispose();
  await programs.dispose();
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const violation = (type: string, name: string) => new RegExp(`\\[mandatory\\]\\s+ablo-datasource-public-host\\s+\\(${escape(type)}: ${name}\\)`);
/** API requests ablo-local has logged so far. */
const requestCount = () =>
  suite.api
    .logs()
    .split("\n")
    .filter((l) => l.includes("/v1/")).length;

describe.each(LANGUAGES)("$language", ({ language, type, cases, stack: makeStack }) => {
  let stack: ProgramStack;
  beforeAll(async () => {
    stack = await makeStack();
  }, 600_000);

  test.each(CASES.filter((c) => cases.includes(c.name)))("$name: preview --policy-pack names the 3 private hosts and warns", async (c) => {
    const { baseUrl, apiKey } = await c.settings();
    await stack.setConfig({ "ablo:baseUrl": baseUrl, ...(apiKey ? { "ablo:apiKey": secret(apiKey) } : {}) });
    if (!apiKey) await stack.ok(["config", "rm", "ablo:apiKey"]);
    const requests = requestCount();

    const started = Date.now();
    const r = await stack.run(["preview", "--policy-pack", pack]);
    const seconds = (Date.now() - started) / 1000;
    const out = r.stdout + r.stderr;
    const named = PRIVATE.filter((n) => violation(type, n).test(out)).length;
    figures.push({ language, case: c.name, named, seconds });

    // Mandatory violations fail the preview; every resource was checked and judged.
    expect(r.code).not.toBe(0);
    expect(PRIVATE.filter((n) => !violation(type, n).test(out))).toEqual([]);
    expect(out).not.toMatch(violation(type, PUBLIC));
    // The key or endpoint problem is a warning, not a failure of the provider's check.
    const [problem, ...details] = c.warning(baseUrl);
    expect(out).toMatch(new RegExp(`warning: ${escape(problem)}.*${details.map(escape).join(".*")}.*${escape(GOES_ON)}`));
    expect(out).not.toMatch(/error: .*(ablo:apiKey|ablo:baseUrl)/);
    if (!apiKey) expect(requestCount()).toBe(requests); // no key: not a request sent
  });
});

test("nothing was created, and the passwords and the refused key are in no output", async () => {
  expect(await suite.server.ids()).toEqual([]);
  expect(figures.length).toBe(5 + 5 + 2);
  const transcript = suite.transcript.join("\n");
  expect(transcript).not.toContain(CANARY);
  expect(transcript).not.toContain(REFUSED_KEY);
  expect(transcript).not.toContain(suite.key);
});
