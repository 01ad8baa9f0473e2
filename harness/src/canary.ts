import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** Every regular file under `dir`, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Files under `dir` whose bytes contain `needle` (UTF-8): the canary-secret grep of the tests. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const bytes = Buffer.from(needle, "utf8");
  const hits: string[] = [];
  for (const f of await filesUnder(dir)) if ((await readFile(f)).includes(bytes)) hits.push(f);
  return hits;
}
