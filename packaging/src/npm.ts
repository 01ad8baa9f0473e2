import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { PackError } from "./errors";

const exec = promisify(execFile);

/** The npm that runs `npm run pack` (so Node and npm match), else the first `npm` on PATH. */
function npmCommand(): [string, string[]] {
  const cli = process.env.npm_execpath;
  return cli && /npm-cli\.c?js$/.test(cli) ? [process.execPath, [cli]] : ["npm", []];
}

/** Runs npm and returns its standard output; a failure carries the end of npm's own message. */
export async function npm(args: string[], cwd: string): Promise<string> {
  const [command, prefix] = npmCommand();
  try {
    const { stdout } = await exec(command, [...prefix, ...args], { cwd, maxBuffer: 64 << 20, env: { ...process.env, npm_config_loglevel: "error" } });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const said = (e.stderr || e.message).trim().split("\n").slice(-8).join("\n");
    throw new PackError(`npm ${args.join(" ")} failed in ${cwd}:\n${said}`);
  }
}
