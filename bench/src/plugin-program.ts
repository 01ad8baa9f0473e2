import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The scale table's plugin program: a Pulumi YAML program of N `ablo:Datasource` on one database,
 * the shape a GitOps repository keeps them in. YAML has no loops, so it is written out for N into a
 * folder of its own; like the fleet program, each Datasource's metadata holds its index, and a
 * `tag` once set (here by writing the file again, the way a commit touching all N would).
 */
export interface PluginYamlProgram {
  readonly dir: string;
  /** Rewrites Pulumi.yaml with `tag` in every Datasource's metadata: the next `up` updates all N in place. */
  tag(value: string): Promise<void>;
  dispose(): Promise<void>;
}

function pluginYaml(n: number, tag?: string): string {
  const lines = [
    "name: plugin-bench",
    "description: N ablo:Datasource in Pulumi YAML, served by the pulumi-resource-ablo plugin (written by bench/src/plugin-program.ts).",
    "runtime: yaml",
    "config:",
    "  databaseUrl:",
    "    type: string",
    "    secret: true",
    "resources:",
  ];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  ds-${i}:`,
      "    type: ablo:Datasource",
      "    properties:",
      "      connectionString: ${databaseUrl}",
      "      metadata:",
      `        index: "${i}"`,
      ...(tag === undefined ? [] : [`        tag: ${JSON.stringify(tag)}`]),
      "      waitForVerification: false", // the bench's server does not verify
    );
  }
  return `${lines.join("\n")}\n`;
}

export async function pluginYamlProgram(n: number): Promise<PluginYamlProgram> {
  const dir = await mkdtemp(join(tmpdir(), "ablo-bench-plugin-"));
  await writeFile(join(dir, "Pulumi.yaml"), pluginYaml(n));
  return {
    dir,
    tag: (value) => writeFile(join(dir, "Pulumi.yaml"), pluginYaml(n, value)),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
