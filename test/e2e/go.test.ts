import { execFile, execFileSync } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { AbloClient } from "@ablo/client";
import { filesContaining, loginRole, REPO_ROOT, secret, type ProgramStack } from "@ablo/harness";
import { expectPluginStateSealed, startSuite, type PostgresSuite } from "./helpers";
import { ProgramDirs } from "./programs";

// A Go program (examples/go, `runtime: go`) through the real engine: our Go language host
// (scripts/engine/gohost: `go build`, then the program), the SDK generated from the plugin's schema
// (sdk/go, by a `replace` in the example's go.mod), Pulumi's Go SDK from the Go module proxy, and the
// provider plugin. Then `pulumi import` printing Go, the TypeScript policy pack, and a canary sweep
// that covers the Go build cache.
//
// The Go caches are the suite's own but kept between runs (~/.cache/ablo-pulumi/go-programs, or
// ABLO_CACHE_DIR): modules come from the proxy once, and a program's build is a cached one after the
// first run. The first run downloads and compiles Pulumi's Go SDK (minutes on 2 cores; the times are
// printed).
const PW = "GoCanary7731";
const GO_EXAMPLE = join(REPO_ROOT, "examples", "go");
const SDK_GO = join(REPO_ROOT, "sdk", "go");
const GO_CACHE = join(process.env.ABLO_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "ablo-pulumi"), "go-programs");
const GO_ENV = {
  GOCACHE: join(GO_CACHE, "build"),
  GOMODCACHE: join(GO_CACHE, "mod"),
  GOFLAGS: "-modcacherw", // a module cache that `rm -rf` can remove
  GOTOOLCHAIN: "local", // the go on PATH, never a download
  GOWORK: "off",
};

let suite: PostgresSuite;
let client: AbloClient; // creates the datasource to import, as another tool would
let go: ProgramStack;
const url = (user: string, db: string) => suite.pg.url(user, user === "app" ? PW : `${PW}2`, db);
const ids = () => suite.server.ids();
type Outputs = Record<string, string>;
const programs = new ProgramDirs();
const timings: string[] = [];

const seconds = async (run: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await run();
  return Math.round(performance.now() - start) / 1000;
};

/** `go` on PATH, at least the version Pulumi's Go SDK (sdk/v3 v3.274.1) declares, or why not. */
function checkGo(): void {
  let version: string;
  try {
    version = execFileSync("go", ["env", "GOVERSION"], { encoding: "utf8", env: { ...process.env, ...GO_ENV } }).trim();
  } catch (err) {
    throw new Error("go must be on PATH for the Go program (https://go.dev/dl/)", { cause: err });
  }
  const [major, minor, patch = 0] = version.replace(/^go/, "").split(".").map(Number);
  if (major! < 1 || (major === 1 && (minor! < 26 || (minor === 26 && patch < 6)))) {
    throw new Error(`go is ${version}; Pulumi's Go SDK v3.274.1 needs go1.26.6 or newer`);
  }
}

beforeAll(async () => {
  checkGo();
  await mkdir(GO_CACHE, { recursive: true });
  suite = await startSuite({
    org: "go-e2e",
    api: { allowPrivateHosts: true, verification: true },
    postgres: [loginRole("app", PW), loginRole("app_next", `${PW}2`), "CREATE DATABASE orders OWNER app", "GRANT CONNECT ON DATABASE orders TO app_next"],
  });
  client = new AbloClient({ apiKey: suite.key, baseUrl: suite.api.baseUrl });
  go = await suite.stack(GO_EXAMPLE, { ordersUrl: secret(url("app", "orders")) }, { env: GO_ENV });
  // The program's modules from the proxy into the suite's module cache, then one build of it into
  // the suite's build cache (nothing and a link once cached), so that the engine's runs below, whose
  // language host builds the program each time, are timed warm.
  const goRun = (args: string[]) => promisify(execFile)("go", args, { cwd: GO_EXAMPLE, env: { ...process.env, ...GO_ENV } });
  timings.push(`go mod download (examples/go): ${(await seconds(() => goRun(["mod", "download"]))).toFixed(1)} s`);
  const out = await programs.make("ablo-go-build-", {});
  timings.push(`go build (examples/go): ${(await seconds(() => goRun(["build", "-o", join(out, "program"), "."]))).toFixed(1)} s`);
}, 1_800_000); // a first run compiles Pulumi's Go SDK: about 8 minutes on a loaded 2-core machine
afterAll(async () => {
  console.log(`Go program timings (GOCACHE and GOMODCACHE in ${GO_CACHE})\n${timings.join("\n")}`);
  client?.close();
  await suite?.dispose();
  await programs.dispose();
});

test("examples/go: create, no-change preview, rotate in place, destroy", async () => {
  let up = ""; // the language host builds the program first (cached since beforeAll)
  timings.push(
    `up (go build, create 1 Datasource, verified): ${(await seconds(async () => (up = (await go.ok(["up", "--yes", "--skip-preview"])).stdout))).toFixed(1)} s`,
  );
  expect(up).toMatch(/ablo:index:Datasource/);
  expect(up).toMatch(/\+ 2 created/); // the stack and the Datasource
  const first = await go.outputs<Outputs>();
  expect(first).toMatchObject({ ordersStatus: "active", ordersDisplayName: expect.stringMatching(/^app@127\.0\.0\.1:\d+\/orders$/) });
  expect(await ids()).toEqual([first.ordersId]);

  timings.push(`preview, no changes: ${(await seconds(() => go.ok(["preview", "--expect-no-changes"]))).toFixed(1)} s`);

  // New credentials for the same database: rotated in place, same id, verified again.
  await go.setConfig({ ordersUrl: secret(url("app_next", "orders")) });
  const rotate = await go.ok(["up", "--yes", "--skip-preview"]);
  expect(rotate.stdout).toMatch(/~ 1 updated/);
  expect(rotate.stdout).not.toMatch(/replaced/);
  const rotated = await go.outputs<Outputs>();
  expect(rotated).toMatchObject({ ordersId: first.ordersId, ordersStatus: "active", ordersDisplayName: expect.stringMatching(/^app_next@/) });
  await go.ok(["preview", "--expect-no-changes"]);

  // State: the connection string and the fingerprint encrypted; the provider's key too; the plugin
  // of the version the generated SDK names (its pulumi-plugin.json, read by the language host).
  expectPluginStateSealed(await go.exportState());

  timings.push(`destroy: ${(await seconds(() => go.ok(["destroy", "--yes", "--skip-preview"]))).toFixed(1)} s`);
  expect(await ids()).toEqual([]);
}, 600_000);

test("pulumi import in a Go project prints Go; the program takes the datasource over in place", async () => {
  const existing = await client.datasources.create({ connectionString: url("app", "orders"), metadata: { owner: "go-script" } });
  try {
    // A second Go module on the same SDK and caches: the example's go.sum, the SDK by absolute path.
    const gomod = (await readFile(join(GO_EXAMPLE, "go.mod"), "utf8"))
      .replace(/^module .*$/m, "module example.com/ablo-import-go")
      .replace(/=> \.\.\/\.\.\/sdk\/go$/m, `=> ${SDK_GO}`);
    const dir = await programs.make("ablo-import-go-", {
      "Pulumi.yaml": "name: ablo-import-go\nruntime: go\n",
      "go.mod": gomod,
      "main.go":
        'package main\n\nimport "github.com/pulumi/pulumi/sdk/v3/go/pulumi"\n\nfunc main() { pulumi.Run(func(*pulumi.Context) error { return nil }) }\n',
    });
    await copyFile(join(GO_EXAMPLE, "go.sum"), join(dir, "go.sum"));
    const cwd = await suite.stack(dir, { legacyUrl: secret(url("app_next", "orders")) }, { env: GO_ENV });
    const imported = await cwd.ok(["import", "ablo:index:Datasource", "legacy", existing.id, "--yes", "--protect=false"]);
    expect(imported.stdout).toMatch(/= 1 imported/);
    // Pulumi's Go generator, from the plugin's schema: a Go main package, the resource by its Go
    // constructor, the connection string empty for the user to fill in (Ablo never returns it).
    expect(imported.stdout).toMatch(/^package main$/m);
    // The SDK's import path, from the schema's repository (the engine's loader drops language.go).
    expect(imported.stdout).toMatch(/^\s*"github\.com\/abloatai\/pulumi-ablo\/sdk\/go\/ablo"$/m);
    expect(imported.stdout).toMatch(/pulumi\.Run\(func\(ctx \*pulumi\.Context\) error \{/);
    expect(imported.stdout).toMatch(/ablo\.NewDatasource\(ctx, "legacy", &ablo\.DatasourceArgs\{/);
    expect(imported.stdout).toMatch(/ConnectionString: pulumi\.String\(""\)/);
    expect(imported.stdout).toMatch(/"owner": pulumi\.String\("go-script"\)/);
    await writeFile(
      join(dir, "main.go"),
      [
        "package main",
        "",
        "import (",
        '\t"github.com/abloatai/pulumi-ablo/sdk/go/ablo"',
        '\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi"',
        '\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"',
        ")",
        "",
        "func main() {",
        "\tpulumi.Run(func(ctx *pulumi.Context) error {",
        '\t\tlegacy, err := ablo.NewDatasource(ctx, "legacy", &ablo.DatasourceArgs{',
        '\t\t\tConnectionString: config.RequireSecret(ctx, "legacyUrl"),',
        '\t\t\tMetadata:         pulumi.StringMap{"owner": pulumi.String("go-script")},',
        "\t\t})",
        "\t\tif err != nil {",
        "\t\t\treturn err",
        "\t\t}",
        '\t\tctx.Export("id", legacy.ID())',
        '\t\tctx.Export("displayName", legacy.DisplayName)',
        "\t\treturn nil",
        "\t})",
        "}",
        "",
      ].join("\n"),
    );
    const up = await cwd.ok(["up", "--yes", "--skip-preview"]);
    expect(up.stdout).toMatch(/~ 1 updated/);
    expect(up.stdout).not.toMatch(/replaced/);
    expect(await cwd.outputs<Outputs>()).toMatchObject({ id: existing.id, displayName: expect.stringMatching(/^app_next@/) });
    await cwd.ok(["preview", "--expect-no-changes"]);
    await cwd.ok(["destroy", "--yes", "--skip-preview"]);
    expect(await ids()).toEqual([]);
  } finally {
    await client.datasources.del(existing.id).catch(() => undefined); // a failed run leaves nothing for the next test
  }
}, 600_000);

test("the TypeScript policy pack stops the Go program's private host at preview", async () => {
  await go.setConfig({ ordersUrl: secret(url("app", "orders")) });
  const preview = await go.run(["preview", "--policy-pack", join(REPO_ROOT, "policy-pack")]);
  expect(preview.code).not.toBe(0);
  expect(preview.stdout + preview.stderr).toMatch(/\[mandatory\]\s+ablo-datasource-public-host\s+\(ablo:index:Datasource: orders\)/);
  expect(await ids()).toEqual([]);
}, 300_000);

test("canary: the password and the API key appear in no engine output, state, plugin cache, Go build cache or server log", async () => {
  expect(suite.transcript.length).toBeGreaterThan(20);
  for (const text of [...suite.transcript, suite.api.logs()]) {
    expect(text).not.toContain(PW);
    expect(text).not.toContain(suite.key);
  }
  // The workspace holds the state and PULUMI_HOME (plugins, logs); GOCACHE every compiled package
  // and build log of the programs; the example and the SDK their sources.
  for (const dir of [suite.ws.dir, GO_ENV.GOCACHE, GO_EXAMPLE, SDK_GO]) {
    expect(await filesContaining(dir, PW)).toEqual([]);
    expect(await filesContaining(dir, suite.key)).toEqual([]);
  }
});
