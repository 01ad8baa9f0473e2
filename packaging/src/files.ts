import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { PackError } from "./errors";
import type { Workspace } from "./manifest";
import { npm } from "./npm";

const DryRunSchema = z.array(z.object({ name: z.string(), files: z.array(z.object({ path: z.string() })) }));

/**
 * The files npm would publish for each workspace (its `files` field, README, LICENSE), asked of
 * npm itself in one dry run, without package.json (packing writes its own) and without build
 * outputs whose source is gone: `tsc -b` never deletes those.
 */
export async function publishedFiles(root: string, workspaces: Workspace[]): Promise<Map<string, string[]>> {
  const out = await npm(["pack", "--dry-run", "--json", "--ignore-scripts", ...workspaces.flatMap((w) => ["-w", w.folder])], root);
  const listed = new Map(DryRunSchema.parse(JSON.parse(out)).map((p) => [p.name, p.files.map((f) => f.path)]));
  const result = new Map<string, string[]>();
  for (const ws of workspaces) {
    const files = listed.get(ws.manifest.name);
    if (!files) throw new PackError(`npm listed no files for ${ws.manifest.name}`);
    const main = typeof ws.manifest.main === "string" ? ws.manifest.main.replace(/^\.\//, "") : undefined;
    if (main && !files.includes(main)) throw new PackError(`${ws.folder}/${main} is missing: build first (tsc -b)`);
    result.set(
      ws.manifest.name,
      files.filter((f) => f !== "package.json" && !isStaleOutput(ws.dir, f)),
    );
  }
  return result;
}

/** dist/x.js, dist/x.d.ts (and their maps) of a package compiled from src/ whose src/x.ts is gone. */
function isStaleOutput(dir: string, file: string): boolean {
  const m = /^dist\/(.+?)(\.d\.ts|\.js)(\.map)?$/.exec(file);
  if (!m || !existsSync(join(dir, "src"))) return false;
  return !existsSync(join(dir, "src", `${m[1]}.ts`)) && !existsSync(join(dir, "src", `${m[1]}.tsx`));
}
