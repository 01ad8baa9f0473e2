import { REPO_ROOT } from "@ablo/harness";
import { PACK_TARGETS, PackError } from "@ablo/packaging";
import { readWorkspaces, workspaceClosure, type Manifest, type Workspace, type Workspaces } from "../../packaging/src/manifest";
import { bundlingManifest } from "../../packaging/src/published-manifest";

// How `npm run pack` writes the package.json of a tarball (test/e2e/packaging.test.ts installs
// the real ones).
function workspaces(manifests: Manifest[]): Workspaces {
  const list: Workspace[] = manifests.map((m) => ({ folder: m.name.replace("@x/", ""), dir: `/repo/${m.name}`, manifest: m }));
  return {
    repository: { type: "git", url: "git+https://example.com/x.git" },
    byName: new Map(list.map((w) => [w.manifest.name, w])),
    byFolder: new Map(list.map((w) => [w.folder, w])),
  };
}
const all = workspaces([
  {
    name: "@x/sdk",
    version: "0.3.0",
    scripts: { prepublishOnly: "exit 1" },
    dependencies: { "@x/provider": "*" },
    peerDependencies: { "@pulumi/pulumi": "^3.270.0" },
    devDependencies: { "@pulumi/pulumi": "3.270.0" },
  },
  { name: "@x/provider", version: "0.3.0", dependencies: { "@x/client": "*", zod: "^4.1.0" }, peerDependencies: { "@pulumi/pulumi": "^3.270.0" } },
  { name: "@x/client", version: "0.3.0", dependencies: { "@x/api": "*", axios: "^1.12.0", zod: "^4.1.0" } },
  { name: "@x/api", version: "0.3.0", private: true, dependencies: { zod: "^4.1.0" } },
  { name: "@x/tool", version: "0.3.0", private: true, dependencies: { zod: "^3.0.0" } },
]);
const ws = (folder: string) => all.byFolder.get(folder)!;

test("a tarball carries its workspace dependencies, transitively, and declares what they need", () => {
  const bundled = workspaceClosure(ws("sdk"), all);
  expect(bundled.map((w) => w.manifest.name)).toEqual(["@x/api", "@x/client", "@x/provider"]);
  const m = bundlingManifest(ws("sdk"), bundled, all);
  expect(m).not.toHaveProperty("private");
  expect(m).not.toHaveProperty("scripts");
  expect(m).not.toHaveProperty("devDependencies");
  expect(m.bundleDependencies).toEqual(["@x/api", "@x/client", "@x/provider"]);
  expect(m.dependencies).toEqual({ "@x/api": "0.3.0", "@x/client": "0.3.0", "@x/provider": "0.3.0", axios: "^1.12.0", zod: "^4.1.0" });
  expect(m.peerDependencies).toEqual({ "@pulumi/pulumi": "^3.270.0" });
  expect(m.repository).toEqual({ type: "git", url: "git+https://example.com/x.git", directory: "sdk" });
});

test("bundled packages that disagree on a dependency's range are refused", () => {
  const clash = workspaces(
    [...all.byName.values()].map((w) => w.manifest).concat({ name: "@x/both", version: "0.3.0", dependencies: { "@x/api": "*", "@x/tool": "*" } }),
  );
  const both = clash.byFolder.get("both")!;
  expect(() => bundlingManifest(both, workspaceClosure(both, clash), clash)).toThrow(PackError);
  expect(() => bundlingManifest(both, workspaceClosure(both, clash), clash)).toThrow(/zod at \^4\.1\.0 and \^3\.0\.0/);
});

test("this repository: every pack target is public and shares one version with what it bundles", async () => {
  const repo = await readWorkspaces(REPO_ROOT);
  for (const folder of PACK_TARGETS) {
    const target = repo.byFolder.get(folder)!;
    expect(target.manifest.private).toBeUndefined();
    const involved = [target, ...workspaceClosure(target, repo)];
    expect(new Set(involved.map((w) => w.manifest.version)).size).toBe(1);
    expect(involved.map((w) => w.manifest.engines)).toEqual(involved.map(() => ({ node: ">=22" })));
  }
  expect(workspaceClosure(repo.byFolder.get("sdk")!, repo).map((w) => w.manifest.name)).toEqual([
    "@ablo/api",
    "@ablo/client",
    "@ablo/connection",
    "@ablo/provider",
  ]);
});
