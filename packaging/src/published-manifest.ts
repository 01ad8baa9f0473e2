import { PackError } from "./errors";
import type { Manifest, Workspace, Workspaces } from "./manifest";

type Deps = Record<string, string>;

/**
 * package.json as it goes into a tarball: no `private`, scripts or devDependencies; workspace
 * dependencies pinned to their (shared) version; the repository of the root, with the folder.
 */
export function publishedManifest(ws: Workspace, all: Workspaces): Manifest {
  const { private: _private, scripts: _scripts, devDependencies: _dev, ...rest } = ws.manifest;
  const manifest: Manifest = { ...rest };
  if (rest.dependencies) manifest.dependencies = pinWorkspaceVersions(rest.dependencies, all);
  if (all.repository !== undefined) {
    const url = typeof all.repository === "string" ? all.repository : all.repository.url;
    manifest.repository = { type: "git", url, directory: ws.folder };
  }
  return manifest;
}

/**
 * The manifest of a tarball's top package, which carries `bundled` inside it: those are bundled
 * dependencies, and what they need from the registry (or from the user, as peers) is declared
 * here too, so that npm puts it where every bundled package finds it.
 */
export function bundlingManifest(target: Workspace, bundled: Workspace[], all: Workspaces): Manifest {
  const manifest = publishedManifest(target, all);
  const dependencies: Deps = { ...manifest.dependencies };
  const peers: Deps = { ...manifest.peerDependencies };
  for (const ws of bundled) {
    dependencies[ws.manifest.name] = ws.manifest.version;
    for (const [name, range] of Object.entries(ws.manifest.dependencies ?? {})) {
      if (!all.byName.has(name)) merge(dependencies, name, range, ws, target);
    }
    for (const [name, range] of Object.entries(ws.manifest.peerDependencies ?? {})) merge(peers, name, range, ws, target);
  }
  manifest.dependencies = sorted(dependencies);
  if (Object.keys(peers).length > 0) manifest.peerDependencies = sorted(peers);
  manifest.bundleDependencies = bundled.map((ws) => ws.manifest.name);
  return manifest;
}

function pinWorkspaceVersions(deps: Deps, all: Workspaces): Deps {
  return Object.fromEntries(Object.entries(deps).map(([name, range]) => [name, all.byName.get(name)?.manifest.version ?? range]));
}

function merge(into: Deps, name: string, range: string, from: Workspace, target: Workspace): void {
  const have = into[name];
  if (have !== undefined && have !== range) {
    throw new PackError(`${target.manifest.name} bundles packages that want ${name} at ${have} and ${range} (${from.manifest.name}): use one range`);
  }
  into[name] = range;
}

const sorted = (deps: Deps): Deps => Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
