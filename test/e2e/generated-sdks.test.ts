import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "@ablo/harness";

// The SDKs of the plugin's package are generated, not written: sdk/src/plugin (TypeScript,
// `@ablo/pulumi/plugin`), sdk/python (`pulumi_ablo`) and sdk/go (the Go module
// github.com/abloatai/pulumi-ablo/sdk/go) must be exactly what Pulumi's generators
// make from the schema the plugin serves now, through the engine (`pulumi package gen-sdk`, our
// language hosts' GeneratePackage). After a change to plugin/src/schema.ts: `npm run gen-sdk`.

/** Every file under `dir` with its text, but what builds and pip leave there (the generated .gitignore's). */
async function tree(dir: string, root = dir): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (/^(build|dist|__pycache__|.*\.egg-info)$/.test(e.name) || e.name.endsWith(".pyc")) continue;
    if (e.isDirectory()) Object.assign(out, await tree(p, root));
    else out[relative(root, p)] = await readFile(p, "utf8");
  }
  return out;
}

test("sdk/src/plugin, sdk/python and sdk/go are what Pulumi's generators make from the plugin's schema", async () => {
  const out = await mkdtemp(join(tmpdir(), "ablo-gen-sdk-check-"));
  try {
    await promisify(execFile)("bash", [join(REPO_ROOT, "scripts", "gen-sdk.sh"), "--out", out], { cwd: REPO_ROOT });
    for (const sdk of ["sdk/src/plugin", "sdk/python", "sdk/go"]) {
      const generated = await tree(join(out, sdk));
      expect(Object.keys(generated).length).toBeGreaterThan(5);
      // One assertion per SDK, naming the files that differ: run `npm run gen-sdk` and commit them.
      expect({ sdk, files: await tree(join(REPO_ROOT, sdk)) }).toEqual({ sdk, files: generated });
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
