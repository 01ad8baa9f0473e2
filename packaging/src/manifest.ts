import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { PackError } from "./errors";

const Deps = z.record(z.string(), z.string());

/** The package.json fields packing reads or rewrites; every other field is carried over as is. */
const ManifestSchema = z.looseObject({
  name: z.string(),
  version: z.string(),
  private: z.boolean().optional(),
  dependencies: Deps.optional(),
  peerDependencies: Deps.optional(),
  devDependencies: Deps.optional(),
  optionalDependencies: Deps.optional(),
  bundleDependencies: z.array(z.string()).optional(),
  scripts: Deps.optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

const RepositorySchema = z.union([z.string(), z.looseObject({ type: z.string().optional(), url: z.string() })]);
const RootManifestSchema = z.looseObject({ workspaces: z.array(z.string()), repository: RepositorySchema.optional() });
type Repository = z.infer<typeof RepositorySchema>;

export interface Workspace {
  /** Folder relative to the repository root, e.g. `sdk`. */
  folder: string;
  dir: string;
  manifest: Manifest;
}

export interface Workspaces {
  repository: Repository | undefined;
  byName: ReadonlyMap<string, Workspace>;
  byFolder: ReadonlyMap<string, Workspace>;
}

async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  const raw = JSON.parse(await readFile(file, "utf8")) as object;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new PackError(`${file}: ${z.prettifyError(parsed.error)}`);
  // zod puts the schema's keys first: the file's order keeps a rewritten package.json readable.
  return Object.fromEntries(Object.keys(raw).map((k) => [k, (parsed.data as Record<string, unknown>)[k]])) as T;
}

export async function readWorkspaces(root: string): Promise<Workspaces> {
  const rootManifest = await readJson(join(root, "package.json"), RootManifestSchema);
  const byName = new Map<string, Workspace>();
  const byFolder = new Map<string, Workspace>();
  for (const folder of rootManifest.workspaces) {
    const dir = join(root, folder);
    const ws = { folder, dir, manifest: await readJson(join(dir, "package.json"), ManifestSchema) };
    byName.set(ws.manifest.name, ws);
    byFolder.set(folder, ws);
  }
  return { repository: rootManifest.repository, byName, byFolder };
}

/** The workspace packages `target` needs at run time, transitively (its `dependencies`), sorted by name. */
export function workspaceClosure(target: Workspace, all: Workspaces): Workspace[] {
  const found = new Map<string, Workspace>();
  const visit = (ws: Workspace) => {
    for (const dep of Object.keys(ws.manifest.dependencies ?? {})) {
      const inner = all.byName.get(dep);
      if (!inner || found.has(dep) || inner === target) continue;
      found.set(dep, inner);
      visit(inner);
    }
  };
  visit(target);
  return [...found.values()].sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}
