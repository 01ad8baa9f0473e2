import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { freeLoopbackPort, REPO_ROOT } from "@ablo/harness";
import { until } from "./wait";

/**
 * A PyPI-compatible package index on 127.0.0.1 (pypiserver, pinned in scripts/python-tools) in a
 * folder of its own: its packages, htpasswd and log. Uploads need the publisher's password (as a
 * team's index does); downloads do not. A name it does not hold is redirected to PyPI's simple
 * index (pypiserver's fallback), so one `--index-url` serves a project's private and public
 * packages alike: the private names are never looked up on PyPI. It makes no connection itself.
 */
export interface PythonIndex {
  /** `http://127.0.0.1:PORT/simple/`: pip's `--index-url`. */
  simpleUrl: string;
  /** `http://127.0.0.1:PORT/`: twine's `--repository-url`. */
  uploadUrl: string;
  dir: string;
  logFile: string;
  /** For the canary sweep: it must not reach the log. */
  publisherPassword: string;
  /** `twine upload` of `files` as the publisher, as a user publishes; resolves twine's output. */
  publish(files: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** The interpreter of the pinned tools' virtualenv (scripts/setup-python-tools.sh), made on first use. */
async function pythonTools(): Promise<string> {
  return (await run("bash", [join(REPO_ROOT, "scripts", "setup-python-tools.sh")], REPO_ROOT)).trim();
}

const PUBLISHER = "ablo-publisher";
const PYPI_SIMPLE = "https://pypi.org/simple/";

export async function startPythonIndex(dir: string): Promise<PythonIndex> {
  const python = await pythonTools();
  const packages = join(dir, "packages");
  await mkdir(packages, { recursive: true });
  const htpasswd = join(dir, "htpasswd");
  const logFile = join(dir, "pypiserver.log");
  const password = randomBytes(18).toString("base64url");
  // The password through the environment, never an argument (`ps` shows those); apr1 hashes, as htpasswd writes.
  await run(
    python,
    [
      "-c",
      "import os, sys; from passlib.apache import HtpasswdFile as H; h = H(sys.argv[1], new=True); h.set_password(sys.argv[2], os.environ['PW']); h.save()",
      htpasswd,
      PUBLISHER,
    ],
    dir,
    {
      PW: password,
    },
  );

  const port = await freeLoopbackPort();
  const base = `http://127.0.0.1:${port}/`;
  const log = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    // -v: one line per request in the log (never a header: the publisher's password stays out).
    const args = [
      "-m",
      "pypiserver",
      "run",
      "-v",
      "-i",
      "127.0.0.1",
      "-p",
      String(port),
      "-P",
      htpasswd,
      "-a",
      "update",
      "--fallback-url",
      PYPI_SIMPLE,
      packages,
    ];
    child = spawn(python, args, { cwd: dir, stdio: ["ignore", log, log] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  try {
    await until(async () => (await fetch(`${base}health`)).ok, 30_000, `pypiserver did not answer on ${base} (see ${logFile})`);
    return {
      simpleUrl: `${base}simple/`,
      uploadUrl: base,
      dir,
      logFile,
      publisherPassword: password,
      publish: (files) =>
        run(python, ["-m", "twine", "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", base, ...files], dir, {
          TWINE_USERNAME: PUBLISHER,
          TWINE_PASSWORD: password,
          // No desktop keyring to ask (twine tries one first): the credentials above are all it uses.
          PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring",
        }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs `command` in `cwd`; resolves its standard output, rejects with everything it said. */
export function run(command: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${command} ${args.join(" ")} in ${cwd}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    ),
  );
}
