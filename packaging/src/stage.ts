import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Manifest, Workspace } from "./manifest";

/** One package as it will be unpacked: its manifest and the files to copy from its workspace. */
export interface StagedPackage {
  workspace: Workspace;
  manifest: Manifest;
  files: string[];
}

/**
 * Writes the folder npm packs: the top package, and each bundled one in its node_modules (where
 * npm takes bundled dependencies from). A package without a LICENSE file gets the repository's.
 */
export async function stage(dir: string, top: StagedPackage, bundled: StagedPackage[], license: string): Promise<void> {
  await stageOne(dir, top, license);
  for (const b of bundled) await stageOne(join(dir, "node_modules", b.manifest.name), b, license);
}

async function stageOne(dir: string, pkg: StagedPackage, license: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const f of pkg.files) {
    await mkdir(dirname(join(dir, f)), { recursive: true });
    await copyFile(join(pkg.workspace.dir, f), join(dir, f));
  }
  if (!pkg.files.some((f) => /^licen[cs]e/i.test(f))) await copyFile(license, join(dir, "LICENSE"));
  await writeFile(join(dir, "package.json"), `${JSON.stringify(pkg.manifest, null, 2)}\n`);
}
