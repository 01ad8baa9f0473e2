import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { PULUMI_SCRIPT } from "./paths";

export interface PulumiResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Streams output as it comes (the main job shows the engine's own progress). */
  onOutput?: (chunk: string) => void;
}

/** A run of the engine that exited non-zero: what ran, where, and everything it printed. */
export class PulumiExitError extends Error {
  override readonly name = "PulumiExitError";

  constructor(
    readonly args: readonly string[],
    readonly cwd: string,
    readonly result: PulumiResult,
  ) {
    super(`pulumi ${args.join(" ")} in ${cwd} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
}

/** The result when the run exited 0; a PulumiExitError otherwise. */
export function exitedZero(args: readonly string[], cwd: string, result: PulumiResult): PulumiResult {
  if (result.code !== 0) throw new PulumiExitError(args, cwd, result);
  return result;
}

/** Runs `scripts/pulumi` (the project's engine, offline) and collects its output. */
export function runPulumi(args: string[], opts: RunOptions): Promise<PulumiResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PULUMI_SCRIPT, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      opts.onOutput?.(c.toString());
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      opts.onOutput?.(c.toString());
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? "");
  });
}

/**
 * An isolated Pulumi workspace: its own file backend and PULUMI_HOME in a temporary folder, so
 * test suites never share state with each other or with a developer's `.pulumi-state`.
 */
export interface PulumiWorkspace {
  readonly dir: string;
  readonly env: Record<string, string>;
  /** The stack this workspace selects in every program it runs. */
  readonly stack: string;
  run(args: string[], opts: RunOptions): Promise<PulumiResult>;
  /** Like run, but throws a PulumiExitError when the exit code is not 0. */
  ok(args: string[], opts: RunOptions): Promise<PulumiResult>;
  dispose(): Promise<void>;
}

export async function pulumiWorkspace(extraEnv: Record<string, string> = {}): Promise<PulumiWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), "ablo-pulumi-"));
  // A stack name of its own: Pulumi writes Pulumi.<stack>.yaml beside the program, which is shared.
  const stack = `t${basename(dir)
    .replace(/[^a-zA-Z0-9]/g, "")
    .toLowerCase()}`;
  const programs = new Set<string>();
  const env = {
    ABLO_STACK: stack,
    PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
    PULUMI_HOME: join(dir, "home"),
    PULUMI_CONFIG_PASSPHRASE: "test-passphrase",
    ...extraEnv,
  };
  await mkdir(join(dir, "state"), { recursive: true });
  const run = (args: string[], opts: RunOptions) => {
    programs.add(opts.cwd);
    return runPulumi(args, { ...opts, env: { ...env, ...opts.env } });
  };
  return {
    dir,
    env,
    run,
    ok: async (args, opts) => exitedZero(args, opts.cwd, await run(args, opts)),
    stack,
    async dispose() {
      for (const p of programs) await rm(join(p, `Pulumi.${stack}.yaml`), { force: true });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
