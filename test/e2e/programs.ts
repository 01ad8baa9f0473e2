import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "@ablo/harness";

/**
 * Program folders the end-to-end suites write for themselves: inside the repository (`.tmp/`, ignored
 * by git), so that a program resolves @ablo/pulumi and the Python example's virtualenv by path.
 */
export class ProgramDirs {
  readonly #made: string[] = [];

  /** A new folder holding `files` (name → text). */
  async make(prefix: string, files: Record<string, string>): Promise<string> {
    await mkdir(join(REPO_ROOT, ".tmp"), { recursive: true });
    const dir = await mkdtemp(join(REPO_ROOT, ".tmp", prefix));
    this.#made.push(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  }

  /** Removes every folder made. */
  async dispose(): Promise<void> {
    for (const dir of this.#made.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A Pulumi YAML program of one `ablo:Datasource` named `main`, its connection string from the
 * secret config `databaseUrl`, and `properties` written in (YAML has no optional object config).
 */
export function yamlDatasourceProgram(project: string, properties: Record<string, unknown> = {}): string {
  return [
    `name: ${project}`,
    "runtime: yaml",
    "config:",
    "  databaseUrl:",
    "    type: string",
    "    secret: true",
    "resources:",
    "  main:",
    "    type: ablo:Datasource",
    "    properties:",
    "      connectionString: ${databaseUrl}",
    ...Object.entries(properties)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`),
    "",
  ].join("\n");
}

/**
 * The Pulumi.yaml and requirements.txt of a Python program on pulumi_ablo, in the example's
 * virtualenv (an absolute path, made once by `pulumi install`; python.test.ts uses it too).
 */
export function pythonProjectFiles(project: string): { "Pulumi.yaml": string; "requirements.txt": string } {
  return {
    "Pulumi.yaml": [
      `name: ${project}`,
      "runtime:",
      "  name: python",
      "  options:",
      "    toolchain: pip",
      `    virtualenv: ${join(REPO_ROOT, "examples", "python", "venv")}`,
      "",
    ].join("\n"),
    "requirements.txt": `pulumi==3.272.0\n${join(REPO_ROOT, "sdk", "python")}\n`,
  };
}
