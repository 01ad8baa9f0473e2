import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { REPO_ROOT } from "./paths";
import { PackError } from "./errors";
import { publishedFiles } from "./files";
import { readWorkspaces, workspaceClosure, type Workspace, type Workspaces } from "./manifest";
import { npm } from "./npm";
import { writePluginArchives, type PluginArchive } from "./plugin-archive";
import { isPythonDist, writePythonDists, type PythonDist } from "./python";
import { bundlingManifest, publishedManifest } from "./published-manifest";
import { stage } from "./stage";
import { PACK_TARGETS } from "./targets";

export { PackError } from "./errors";
export { PACK_TARGETS } from "./targets";
export { writePluginArchives, type PluginArchive } from "./plugin-archive";
export { PYTHON_PACKAGE, type PythonDist } from "./python";

/** The workspace folder of the provider plugin, which also gets an archive as the engine installs plugins. */
const PLUGIN_FOLDER = "plugin";

export interface PackOptions {
  root?: string;
  /** Where the tarballs go (default dist-pack/ at the root); its earlier tarballs are removed. */
  outDir?: string;
  /** Workspace folders to pack (default PACK_TARGETS). */
  targets?: readonly string[];
  /** The plugin's download URL in its schema (default plugin/package.json's `pluginDownloadURL`). */
  pluginDownloadURL?: string;
  /**
   * Also the Python SDK's wheel and sdist (sdk/python, `pulumi_ablo`), which needs Python >= 3.10.
   * Default: when every target is packed (no `targets`), as `npm run pack` does.
   */
  python?: boolean;
}

export interface Packed {
  tarballs: Tarball[];
  /** When the plugin is packed: its archive for the engine (`pulumi plugin install`), and the YAML package declaration. */
  pluginArchives: PluginArchive[];
  /** When Python is packed: `pulumi_ablo`'s wheel and sdist, of the plugin's version. */
  pythonDists: PythonDist[];
}

export interface Tarball {
  name: string;
  version: string;
  file: string;
  bytes: number;
  unpackedBytes: number;
  entries: number;
  /** The workspace packages it carries inside. */
  bundled: string[];
}

const PackResultSchema = z.array(
  z.object({ filename: z.string(), size: z.number(), unpackedSize: z.number(), entryCount: z.number(), bundled: z.array(z.string()) }),
);

/**
 * Writes one installable tarball per target, for the plugin its archive as the engine installs
 * plugins, and (by default with every target) the Python SDK's wheel and sdist, and returns them.
 * Expects a build (`tsc -b`).
 */
export async function packAll(opts: PackOptions = {}): Promise<Packed> {
  const root = opts.root ?? REPO_ROOT;
  const outDir = opts.outDir ?? join(root, "dist-pack");
  const all = await readWorkspaces(root);
  const plugin = all.byFolder.get(PLUGIN_FOLDER);
  if (plugin && opts.pluginDownloadURL !== undefined) plugin.manifest.pluginDownloadURL = opts.pluginDownloadURL;
  const targets = (opts.targets ?? PACK_TARGETS).map((folder) => {
    const ws = all.byFolder.get(folder);
    if (!ws) throw new PackError(`${folder} is not a workspace folder (the root package.json "workspaces")`);
    if (ws.manifest.private) throw new PackError(`${ws.manifest.name} (${folder}) is private: a user cannot install it`);
    return { ws, bundled: workspaceClosure(ws, all) };
  });
  const python = opts.python ?? opts.targets === undefined;
  const involved = [...new Set(targets.flatMap((t) => [t.ws, ...t.bundled]))];
  // The Python SDK is generated from the plugin's schema: it carries the plugin's version.
  const versioned = python && plugin ? [...new Set([...involved, plugin])] : involved;
  const versions = new Set(versioned.map((w) => w.manifest.version));
  if (versions.size > 1) {
    throw new PackError(`the packed packages must share one version: ${versioned.map((w) => `${w.manifest.name}@${w.manifest.version}`).join(", ")}`);
  }
  const files = involved.length > 0 ? await publishedFiles(root, involved) : new Map<string, string[]>();

  await mkdir(outDir, { recursive: true });
  for (const f of await readdir(outDir)) if (/\.tgz$|^pulumi-resource-ablo-v.*\.tar\.gz$|^ablo-.*\.yaml$/.test(f) || isPythonDist(f)) await rm(join(outDir, f));
  const stageRoot = await mkdtemp(join(tmpdir(), "ablo-pack-"));
  try {
    const out: Tarball[] = [];
    for (const t of targets) out.push(await packOne(t.ws, t.bundled, { all, files, stageRoot, outDir, license: join(root, "LICENSE") }));
    const packsPlugin = targets.some((t) => t.ws.folder === PLUGIN_FOLDER);
    const pluginArchives = packsPlugin
      ? await writePluginArchives({ root, outDir, ...(opts.pluginDownloadURL === undefined ? {} : { pluginDownloadURL: opts.pluginDownloadURL }) })
      : [];
    let pythonDists: PythonDist[] = [];
    if (python) {
      if (!plugin) throw new PackError(`the Python SDK carries the plugin's version, and there is no ${PLUGIN_FOLDER} workspace`);
      pythonDists = await writePythonDists({ root, outDir, version: plugin.manifest.version });
    }
    return { tarballs: out, pluginArchives, pythonDists };
  } finally {
    await rm(stageRoot, { recursive: true, force: true });
  }
}

interface PackContext {
  all: Workspaces;
  files: Map<string, string[]>;
  stageRoot: string;
  outDir: string;
  license: string;
}

async function packOne(target: Workspace, bundled: Workspace[], ctx: PackContext): Promise<Tarball> {
  const dir = join(ctx.stageRoot, target.folder);
  const staged = (ws: Workspace, manifest = publishedManifest(ws, ctx.all)) => ({ workspace: ws, manifest, files: ctx.files.get(ws.manifest.name) ?? [] });
  await stage(
    dir,
    staged(target, bundlingManifest(target, bundled, ctx.all)),
    bundled.map((ws) => staged(ws)),
    ctx.license,
  );
  // Run outside the repository, so that npm does not take the staged folder for one of its workspaces.
  const [result] = PackResultSchema.parse(JSON.parse(await npm(["pack", dir, "--json", "--ignore-scripts", "--pack-destination", ctx.outDir], ctx.stageRoot)));
  if (!result) throw new PackError(`npm pack wrote nothing for ${target.manifest.name}`);
  const missing = bundled.map((w) => w.manifest.name).filter((n) => !result.bundled.includes(n));
  if (missing.length > 0) throw new PackError(`${target.manifest.name}: npm did not bundle ${missing.join(", ")}`);
  return {
    name: target.manifest.name,
    version: target.manifest.version,
    file: join(ctx.outDir, result.filename),
    bytes: result.size,
    unpackedBytes: result.unpackedSize,
    entries: result.entryCount,
    bundled: result.bundled,
  };
}
