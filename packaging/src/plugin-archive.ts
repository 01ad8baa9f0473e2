import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import { build, type Metafile, type Plugin } from "esbuild";
import { z } from "zod";
import { PackError } from "./errors";

const exec = promisify(execFile);
const gzip = promisify(gzipCallback);

/** The engine's name for a resource plugin's executable, and the package it serves. */
const PLUGIN_NAME = "ablo";
const EXECUTABLE = `pulumi-resource-${PLUGIN_NAME}`;
const BUNDLE = `${EXECUTABLE}.js`;
/**
 * The platforms an archive is written for, as the engine names them (`<os>-<arch>`): the same bytes
 * serve each (JavaScript, a POSIX shell launcher, no native code). The tests run on linux-amd64.
 */
const PLATFORMS = ["linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64"] as const;
const MIN_NODE_MAJOR = 22;

const PluginManifestSchema = z.looseObject({ version: z.string(), pluginDownloadURL: z.string().optional(), engines: z.looseObject({ node: z.string() }) });

export interface PluginArchiveOptions {
  root: string;
  outDir: string;
  /** Default: plugin/package.json's (a test builds a later version of the same code). */
  version?: string;
  /** Where the engine downloads the plugin from, in its schema. Default: plugin/package.json's `pluginDownloadURL`. */
  pluginDownloadURL?: string;
}

export interface PluginArchive {
  file: string;
  version: string;
  /** `linux-amd64`: the engine's `<os>-<arch>`. */
  platform: string;
  bytes: number;
  pluginDownloadURL: string | undefined;
  /** The Pulumi YAML package declaration beside it (`ablo-<version>.yaml`), which carries the URL into a YAML project. */
  yamlPackage: string;
}

/**
 * The provider plugin as the engine installs resource plugins (`pulumi plugin install resource ablo
 * <version> --server <url>`, or by itself from the schema's pluginDownloadURL): a gzipped tar named
 * `pulumi-resource-ablo-v<version>-<os>-<arch>.tar.gz`, the executable `pulumi-resource-ablo` at its
 * root. The plugin is a Node program: one bundled JavaScript file (no node_modules), started by a
 * shell launcher that needs only Node >= 22 on PATH and says so when it is missing or older.
 * Expects a build (`tsc -b`).
 */
export async function writePluginArchives(opts: PluginArchiveOptions): Promise<PluginArchive[]> {
  const pluginDir = join(opts.root, "plugin");
  const manifest = PluginManifestSchema.parse(JSON.parse(await readFile(join(pluginDir, "package.json"), "utf8")));
  const version = opts.version ?? manifest.version;
  const pluginDownloadURL = opts.pluginDownloadURL ?? manifest.pluginDownloadURL;
  const entry = join(pluginDir, "dist", "main.js");
  if (!existsSync(entry)) throw new PackError(`${relative(opts.root, entry)} is missing: build first (tsc -b)`);

  const stage = await mkdtemp(join(tmpdir(), "ablo-plugin-archive-"));
  try {
    const metafile = await bundle(opts.root, entry, join(stage, BUNDLE), { version, pluginDownloadURL });
    await writeFile(join(stage, EXECUTABLE), launcher(version));
    await chmod(join(stage, EXECUTABLE), 0o755);
    await copyFile(join(opts.root, "LICENSE"), join(stage, "LICENSE"));
    await writeFile(join(stage, "THIRD-PARTY-NOTICES.txt"), await thirdPartyNotices(opts.root, metafile));

    await mkdir(opts.outDir, { recursive: true });
    const yamlPackage = join(opts.outDir, `${PLUGIN_NAME}-${version}.yaml`);
    await writeFile(yamlPackage, yamlPackageDeclaration(version, pluginDownloadURL));
    const out: PluginArchive[] = [];
    for (const platform of PLATFORMS) {
      const file = join(opts.outDir, `${EXECUTABLE}-v${version}-${platform}.tar.gz`);
      if (out[0]) await copyFile(out[0].file, file);
      else await tar(stage, file, [EXECUTABLE, BUNDLE, "LICENSE", "THIRD-PARTY-NOTICES.txt"]);
      out.push({ file, version, platform, bytes: (await stat(file)).size, pluginDownloadURL, yamlPackage });
    }
    return out;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/**
 * The Pulumi YAML "SDK" of the package: the declaration pulumi-yaml looks for under a program's
 * folder (name, version, download URL), as `pulumi package gen-sdk --language yaml` writes it from
 * the schema. A YAML program with it needs no `plugins:` section: the engine installs the plugin.
 */
function yamlPackageDeclaration(version: string, pluginDownloadURL: string | undefined): string {
  const lines = ["packageDeclarationVersion: 1", `name: ${PLUGIN_NAME}`, `version: ${version}`];
  if (pluginDownloadURL) lines.push(`downloadUrl: ${pluginDownloadURL}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Refuses to start under a Node older than the plugin needs, in words, before any of the bundle
 * runs (an old Node still parses it); on a line of its own, as the engine shows a plugin's output
 * after a colon of its own.
 */
const NODE_CHECK =
  `if (Number(process.versions.node.split(".")[0]) < ${MIN_NODE_MAJOR}) {\n` +
  `  process.stderr.write("\\n${EXECUTABLE}: needs Node.js >= ${MIN_NODE_MAJOR} on PATH; found " + process.version + " at " + process.execPath + "\\n");\n` +
  "  process.exit(1);\n}";

function launcher(version: string): string {
  return `#!/bin/sh
# ${EXECUTABLE} ${version}: the Pulumi provider plugin for Ablo datasources (ablo:index:Datasource).
# A Node.js program in one file beside this one; it needs Node.js >= ${MIN_NODE_MAJOR} on PATH, nothing else.
# exec keeps the engine as node's parent: the provider exits when its engine is gone.
here="$(dirname "$(readlink -f "$0" 2>/dev/null || echo "$0")")"
if ! command -v node >/dev/null 2>&1; then
  # On a line of its own: the engine prints a plugin's output after a colon of its own.
  printf '\\n%s\\n' "${EXECUTABLE}: Node.js >= ${MIN_NODE_MAJOR} must be on PATH, and there is no node on PATH ($PATH). Install Node.js (https://nodejs.org) and run again." >&2
  exit 1
fi
exec node "$here/${BUNDLE}" "$@"
`;
}

/**
 * esbuild over the compiled plugin (plugin/dist/main.js and every package it loads) into one file.
 * Two things differ from the plugin as npm installs it: its package.json is read at bundle time
 * (the version and download URL given here, nothing else), and the engine-log module finds no
 * @pulumi/pulumi folder to resolve grpc-js from, so it takes the bundle's one (engine-log.ts).
 */
async function bundle(root: string, entry: string, outfile: string, manifest: { version: string; pluginDownloadURL: string | undefined }): Promise<Metafile> {
  const built = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: `node${MIN_NODE_MAJOR}`,
    format: "cjs",
    metafile: true,
    legalComments: "inline",
    logLevel: "silent",
    // Strict mode for the whole file, as esbuild's own "use strict" would give, now below the check.
    banner: { js: `"use strict";\n${NODE_CHECK}` },
    plugins: [pluginManifest(join(root, "plugin", "package.json"), manifest)],
  });
  const warnings = built.warnings.map((w) => `${w.location?.file ?? "?"}: ${w.text}`);
  if (warnings.length > 0) throw new PackError(`bundling the plugin: esbuild warned:\n${warnings.join("\n")}`);
  return built.metafile;
}

function pluginManifest(path: string, manifest: { version: string; pluginDownloadURL: string | undefined }): Plugin {
  return {
    name: "ablo-plugin-manifest",
    setup(b) {
      b.onLoad({ filter: /[\\/]package\.json$/ }, (args) =>
        args.path === path
          ? { contents: JSON.stringify({ version: manifest.version, pluginDownloadURL: manifest.pluginDownloadURL }), loader: "json" }
          : undefined,
      );
    },
  };
}

/** The licence of every third-party package inside the bundle, with its name and version. */
async function thirdPartyNotices(root: string, metafile: Metafile): Promise<string> {
  const packages = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const parts = input.split(/[\\/]/);
    const at = parts.lastIndexOf("node_modules");
    if (at < 0) continue;
    const nameParts = parts[at + 1]?.startsWith("@") ? 2 : 1;
    packages.add(join(root, ...parts.slice(0, at + 1 + nameParts)));
  }
  const sections: string[] = [];
  for (const dir of [...packages].sort()) {
    const pkg = z
      .looseObject({ name: z.string(), version: z.string(), license: z.string().optional() })
      .parse(JSON.parse(await readFile(join(dir, "package.json"), "utf8")));
    const licenseFile = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = licenseFile ? await readFile(join(dir, licenseFile), "utf8") : `(no licence file; package.json says ${pkg.license ?? "nothing"})`;
    sections.push(`${pkg.name}@${pkg.version} (${pkg.license ?? "?"})\n\n${text.trim()}\n`);
  }
  return `${EXECUTABLE} bundles these packages:\n\n${sections.join(`\n${"-".repeat(72)}\n\n`)}`;
}

/** A gzipped tar of `names` from `dir`, owned by root and dated 1970, so that the same inputs give the same bytes. */
async function tar(dir: string, file: string, names: string[]): Promise<void> {
  for (const n of names) if (n.includes(sep)) throw new PackError(`${n}: archive entries sit at its root`);
  let archive: Buffer;
  try {
    const args = ["--create", "--file", "-", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "--sort=name", "-C", dir, ...names];
    archive = (await exec("tar", args, { encoding: "buffer", maxBuffer: 256 << 20 })).stdout;
  } catch (err) {
    throw new PackError(`tar could not archive ${dir}: ${(err as Error).message}`);
  }
  await writeFile(file, await gzip(archive, { level: 9 }));
}
