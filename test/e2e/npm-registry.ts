import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { openSync, closeSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freeLoopbackPort, REPO_ROOT } from "@ablo/harness";
import { until } from "./wait";

/**
 * A real npm registry on 127.0.0.1 (verdaccio, a root devDependency) in a folder of its own: its
 * storage, users and log. It has no uplinks: it serves what is published to it, and nothing else
 * (a project names it for the @ablo scope only; the rest comes from npm's own registry).
 * verdaccio runs with the loopback-only guard preloaded, so that it cannot reach anything else.
 */
export interface NpmRegistry {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  dir: string;
  /** What verdaccio logged (JSON lines, one per request among them). */
  logFile: string;
  storage: string;
  /** The publishing user's token (in a userconfig of its own), for the canary sweep: it must not reach the log. */
  publisherToken: string;
  /** `npm publish <tarball>` as a user of the registry. */
  publish(tarball: string): Promise<string>;
  stop(): Promise<void>;
}

const VERDACCIO = require.resolve("verdaccio/bin/verdaccio");
const LOOPBACK_ONLY = join(REPO_ROOT, "test", "setup", "loopback-only.cjs");

export async function startNpmRegistry(dir: string): Promise<NpmRegistry> {
  await mkdir(dir, { recursive: true });
  const storage = join(dir, "storage");
  const logFile = join(dir, "verdaccio.log");
  const config = join(dir, "config.yaml");
  await writeFile(
    config,
    [
      `storage: ${JSON.stringify(storage)}`,
      "auth:",
      "  htpasswd:",
      `    file: ${JSON.stringify(join(dir, "htpasswd"))}`,
      "    max_users: 1",
      "uplinks: {}",
      "packages:",
      "  '@ablo/*':",
      "    access: $all",
      "    publish: $authenticated",
      "  '**':",
      "    access: $all",
      "web:",
      "  enable: false",
      "log: { type: stdout, format: json, level: http }",
      "",
    ].join("\n"),
  );
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}/`;
  const log = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [VERDACCIO, "--config", config, "--listen", `127.0.0.1:${port}`], {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: `--require ${LOOPBACK_ONLY}` },
      stdio: ["ignore", log, log],
    });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  try {
    await until(async () => (await fetch(`${url}-/ping`)).ok, 30_000, `verdaccio did not answer on ${url} (see ${logFile})`);
    // A user, as `npm adduser` makes one: its token goes into a userconfig used for publishing only.
    const name = "ablo-publisher";
    const res = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, password: randomBytes(18).toString("base64url") }),
    });
    const token = ((await res.json()) as { token?: string }).token;
    if (!res.ok || !token) throw new Error(`verdaccio refused to add a user: ${res.status}`);
    const userconfig = join(dir, "publisher.npmrc");
    await writeFile(userconfig, `//127.0.0.1:${port}/:_authToken=${token}\n`, { mode: 0o600 });
    return {
      url,
      dir,
      logFile,
      storage,
      publisherToken: token,
      publish: (tarball) => npm(["publish", tarball, "--registry", url, "--userconfig", userconfig], dir),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs npm in `cwd`; resolves its standard output, rejects with everything it said. */
export function npm(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("npm", args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`npm ${args.join(" ")} in ${cwd}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    ),
  );
}
