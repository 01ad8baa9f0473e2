#!/usr/bin/env node
/**
 * `npm run pack` (after the build): writes the tarballs a user installs into dist-pack/, and the
 * Python SDK's wheel and sdist, and prints their paths, e.g. `npm install
 * /path/to/dist-pack/ablo-pulumi-0.1.0.tgz`.
 */
import { resolve } from "node:path";
import { Command } from "commander";
import { packAll } from "./index";

async function main(): Promise<void> {
  const opts = new Command("npm run pack")
    .description("Write an installable tarball of each user-facing package, with the workspace packages it needs bundled inside")
    .option("--out <dir>", "folder for the tarballs (default: dist-pack/ at the repository root)")
    .option(
      "--plugin-download-url <url>",
      "where the engine downloads the plugin archive from, written into the plugin's schema (default: $ABLO_PLUGIN_DOWNLOAD_URL, else plugin/package.json's pluginDownloadURL)",
      process.env.ABLO_PLUGIN_DOWNLOAD_URL || undefined,
    )
    // For a machine without Python 3.10: everything but the Python SDK's wheel and sdist.
    .option("--no-python", "skip the Python SDK's wheel and sdist (they need Python >= 3.10 with venv)")
    .parse(process.argv)
    .opts<{ out?: string; pluginDownloadUrl?: string; python: boolean }>();
  const { tarballs, pluginArchives, pythonDists } = await packAll({
    ...(opts.out ? { outDir: resolve(opts.out) } : {}),
    ...(opts.pluginDownloadUrl ? { pluginDownloadURL: opts.pluginDownloadUrl } : {}),
    python: opts.python,
  });
  for (const t of tarballs) {
    const carries = t.bundled.length > 0 ? `, carries ${t.bundled.join(", ")}` : "";
    console.log(
      `${t.file}\n  ${t.name}@${t.version}: ${(t.bytes / 1024).toFixed(1)} kB packed, ` +
        `${(t.unpackedBytes / 1024).toFixed(1)} kB unpacked, ${t.entries} files${carries}`,
    );
  }
  // The plugin runs in a process of its own: a program does not install it, a machine or a project folder does.
  const plugin = tarballs.filter((t) => t.name === "@ablo/pulumi-resource-ablo");
  const libraries = tarballs.filter((t) => !plugin.includes(t));
  console.log(`\nInstall into a Pulumi project (Node >= 22) with:\n  npm install @pulumi/pulumi ${libraries.map((t) => t.file).join(" ")}`);
  const [first] = pluginArchives;
  if (first) {
    console.log(
      `\n${pluginArchives.map((a) => a.file).join("\n")}\n  the provider plugin as the engine installs it, one archive per platform ` +
        `(${(first.bytes / 1024).toFixed(1)} kB, needs Node >= 22 on PATH); publish them at ${first.pluginDownloadURL ?? "(no pluginDownloadURL)"}, ` +
        `or install from a folder served over HTTP with:\n  pulumi plugin install resource ablo ${first.version} --server http://HOST/FOLDER`,
    );
  }
  for (const y of new Set(pluginArchives.map((a) => a.yamlPackage))) {
    console.log(`${y}\n  the package for Pulumi YAML projects: put it in the project's folder, and the engine installs the plugin from its downloadUrl`);
  }
  for (const t of plugin) {
    console.log(
      `\nOffline, the provider plugin from its npm tarball (Pulumi.yaml's plugins.providers; see the README) with:\n  npm install --prefix ~/.ablo ${t.file}`,
    );
  }
  if (pythonDists.length > 0) {
    for (const d of pythonDists) {
      console.log(`\n${d.file}\n  ${d.name} ${d.version} (${d.kind}, Requires-Python ${d.requiresPython}): ${(d.bytes / 1024).toFixed(1)} kB`);
    }
    const [first] = pythonDists;
    console.log(
      `\nPublish the Python SDK to your team's package index (its upload URL, and a user or token of it), then install it by name:\n` +
        `  python3 -m twine upload --repository-url https://pypi.example.com/ ${pythonDists.map((d) => d.file).join(" ")}\n` +
        `  pip install --index-url https://pypi.example.com/simple/ ${first!.name}==${first!.version}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
