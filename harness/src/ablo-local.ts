import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { REPO_ROOT } from "./paths";
import { freeLoopbackPort } from "./ports";

export interface StartAbloLocalOptions {
  /** Data directory; default a fresh temporary one, removed by stop(). */
  dataDir?: string;
  /** Admit loopback database hosts (local demos and tests against a local PostgreSQL). */
  allowPrivateHosts?: boolean;
  /** Verify datasources against their database (default true); false never dials. */
  verification?: boolean;
  /** Static DNS {"name": ["1.2.3.4"]}; default empty: the harness never queries real DNS. */
  dnsMap?: Record<string, string[]>;
  /** Fault rules active from the start ({"rules": [...]}, see server/src/faults.ts). */
  faults?: unknown;
  /** Enable /_admin/faults and /_admin/datasources (the list apiReader falls back to on the minimal surface). */
  admin?: boolean;
  /**
   * `serve --surface`: `full` (default) serves the whole contract; `minimal` only create, retrieve
   * and delete (no list, no update: they answer 404 unrecognized_request_url).
   */
  surface?: Surface;
  /**
   * `ablo-local seed` on the data directory before the server starts: `count` active datasources in
   * organization `org` (the one later keys of the same name belong to), without verification.
   */
  seed?: SeedSpec;
  /** Requests per second per key; 0 = off; default the server's (100). */
  rateLimit?: number;
  /** Extra environment for the server (e.g. ABLO_LOCAL_MASTER_KEY). */
  env?: Record<string, string>;
  /** The script run as `<script> serve …`: default the ablo-local CLI; the benchmark's adds its routes (bench/src/serve.ts). */
  serveScript?: string;
  logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "silent";
  bodyLimit?: number;
  /** How long to wait for GET /v1/openapi.json (default 20 s). */
  readyTimeoutMs?: number;
  /** `serve --tls`: HTTPS with a certificate from the local CA in `<data>/tls/` (see caPath). */
  tls?: boolean;
  /** `serve --clock-offset`: the server's clock runs this many seconds off real time (negative: behind). */
  clockOffsetSeconds?: number;
}

export type Surface = "full" | "minimal";

export interface SeedSpec {
  org: string;
  mode: "test" | "live";
  count: number;
}

export interface AbloLocal {
  /** `http://127.0.0.1:PORT`, or `https://…` with `tls`. */
  baseUrl: string;
  /** With `tls`: `<data>/tls/ca.pem`, the CA to trust (NODE_EXTRA_CA_CERTS, or `ca` of an https.Agent). */
  caPath: string | undefined;
  port: number;
  dataDir: string;
  /** The endpoints it serves (`serve --surface`). */
  surface: Surface;
  /** Whether /_admin/* is on (`serve --admin`). */
  admin: boolean;
  /** The server's process id while it runs (benchmarks read its CPU time). */
  readonly pid: number | undefined;
  /** Everything the server printed (stdout and stderr), across restarts. */
  logs(): string;
  /** A new key for `org` (created on first use); capability token when scopes are given. */
  createKey(org: string, mode: "test" | "live", scopes?: string[]): Promise<string>;
  /** SIGTERM (graceful), then removes the temporary data directory if we created it. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown code runs. restart() brings it back on the same port. */
  kill9(): Promise<void>;
  /** Graceful stop if running, then start again on the same port and data directory. */
  restart(): Promise<void>;
}

/** The compiled CLI: what users run, so it is what tests run (build with `tsc -b server`). */
export const ABLO_LOCAL_CLI = join(REPO_ROOT, "server", "dist", "cli.js");

const children = new Set<ChildProcess>();
process.once("exit", () => children.forEach((c) => c.kill("SIGKILL")));

/** Runs the ablo-local CLI (not `serve`) to completion; its stdout, or an error with its stderr. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [ABLO_LOCAL_CLI, ...args], { env, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ablo-local ${args.slice(0, 2).join(" ")} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

/**
 * The status of GET /v1/openapi.json. Over TLS, node:https trusting only the server's CA (global
 * fetch cannot be given a CA); ca.pem is read on each try, since the server writes it at start.
 */
async function readyStatus(port: number, caPath: string | undefined): Promise<number | undefined> {
  if (caPath === undefined) {
    const res = await fetch(`http://127.0.0.1:${port}/v1/openapi.json`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status;
  }
  const ca = await readFile(caPath);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port, path: "/v1/openapi.json", ca, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode));
      res.once("error", reject);
    });
    req.once("timeout", () => req.destroy(new Error("timeout")));
    req.once("error", reject);
    req.end();
  });
}

/**
 * Starts the compiled ablo-local as a real child process on a free 127.0.0.1 port and waits until
 * GET /v1/openapi.json answers. The child is killed if this process exits.
 */
export async function startAbloLocal(opts: StartAbloLocalOptions = {}): Promise<AbloLocal> {
  for (const script of new Set([ABLO_LOCAL_CLI, opts.serveScript ?? ABLO_LOCAL_CLI])) {
    if (!existsSync(script)) throw new Error(`${script} is missing: build first (tsc -b)`);
  }
  const ownsData = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "ablo-local-data-")));
  const cfgDir = await mkdtemp(join(tmpdir(), "ablo-local-cfg-"));
  const env = { ...process.env, ...(opts.env ?? {}) };
  const args: string[] = ["--data", dataDir, "--verification", opts.verification === false ? "off" : "on"];
  if (opts.allowPrivateHosts) args.push("--allow-private-hosts");
  if (opts.admin) args.push("--admin");
  if (opts.surface !== undefined) args.push("--surface", opts.surface);
  if (opts.rateLimit !== undefined) args.push("--rate-limit", String(opts.rateLimit));
  if (opts.logLevel) args.push("--log-level", opts.logLevel);
  if (opts.bodyLimit !== undefined) args.push("--body-limit", String(opts.bodyLimit));
  if (opts.tls) args.push("--tls");
  // `=`: a negative value as its own argument could be read as an option.
  if (opts.clockOffsetSeconds !== undefined) args.push(`--clock-offset=${opts.clockOffsetSeconds}`);
  const caPath = opts.tls ? join(dataDir, "tls", "ca.pem") : undefined;
  // Never real DNS from the harness (tests, benchmarks, the demo): names resolve only through
  // the static map, which is empty unless given.
  const dnsFile = join(cfgDir, "dns.json");
  await writeFile(dnsFile, JSON.stringify(opts.dnsMap ?? {}));
  args.push("--dns", dnsFile);
  if (opts.faults !== undefined) {
    const file = join(cfgDir, "faults.json");
    await writeFile(file, JSON.stringify(opts.faults));
    args.push("--faults", file);
  }

  const logChunks: string[] = [];
  let child: ChildProcess | undefined;
  let port = 0;

  async function launch(p: number): Promise<"ok" | "port_in_use"> {
    const c = spawn(process.execPath, [opts.serveScript ?? ABLO_LOCAL_CLI, "serve", "--port", String(p), "--host", "127.0.0.1", ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(c);
    c.once("exit", () => children.delete(c));
    const startOffset = logChunks.length;
    c.stdout.on("data", (b: Buffer) => logChunks.push(b.toString("utf8")));
    c.stderr.on("data", (b: Buffer) => logChunks.push(b.toString("utf8")));
    child = c;
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null) {
        const out = logChunks.slice(startOffset).join("");
        if (out.includes("EADDRINUSE")) return "port_in_use";
        throw new Error(`ablo-local exited (${c.exitCode ?? c.signalCode}) before it was ready:\n${out.slice(-2000)}`);
      }
      try {
        if ((await readyStatus(p, caPath)) === 200) return "ok";
      } catch {
        // not listening yet
      }
      await sleep(40);
    }
    c.kill("SIGKILL");
    await exited(c);
    throw new Error(`ablo-local did not answer GET /v1/openapi.json on port ${p} in time:\n${logChunks.slice(startOffset).join("").slice(-2000)}`);
  }

  /** First start: a fresh port, retried if another process grabbed it meanwhile. */
  try {
    if (opts.seed) {
      const { org, mode, count } = opts.seed;
      await runCli(["seed", "--org", org, "--mode", mode, "--count", String(count), "--data", dataDir], env);
    }
    for (let attempt = 0; ; attempt++) {
      port = await freeLoopbackPort();
      if ((await launch(port)) === "ok") break;
      if (attempt >= 4) throw new Error("ablo-local: no free port after 5 attempts");
    }
  } catch (err) {
    await rm(cfgDir, { recursive: true, force: true });
    if (ownsData) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }

  async function terminate(signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    const timer = signal === "SIGTERM" ? setTimeout(() => c.kill("SIGKILL"), 10_000) : undefined;
    await exited(c);
    if (timer) clearTimeout(timer);
  }

  let stopped: Promise<void> | undefined;
  return {
    baseUrl: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`,
    caPath,
    port,
    dataDir,
    surface: opts.surface ?? "full",
    admin: opts.admin === true,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    logs: () => logChunks.join(""),
    createKey(org, mode, scopes) {
      const a = ["keys", "create", "--org", org, "--mode", mode, "--data", dataDir];
      if (scopes !== undefined) a.push("--scopes", scopes.join(","));
      return runCli(a, env);
    },
    stop() {
      stopped ??= (async () => {
        await terminate("SIGTERM");
        await rm(cfgDir, { recursive: true, force: true });
        if (ownsData) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
    kill9: () => terminate("SIGKILL"),
    async restart() {
      if (stopped) throw new Error("ablo-local was stopped: start a new one");
      await terminate("SIGTERM");
      // Same port, so baseUrl stays valid; it was ours a moment ago, retry briefly if busy.
      for (let attempt = 0; ; attempt++) {
        if ((await launch(port)) === "ok") return;
        if (attempt >= 20) throw new Error(`ablo-local: port ${port} stayed busy after restart`);
        await sleep(100);
      }
    },
  };
}
