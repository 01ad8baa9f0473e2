import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { buildApp, type Surface } from "./app";
import { Authenticator } from "./auth";
import { Clock } from "./clock";
import { Datasources } from "./datasources";
import type { Resolve } from "./dns";
import { ConfigError } from "./errors";
import { Faults } from "./faults";
import { HostPolicy } from "./hosts";
import { Idempotency } from "./idempotency";
import { createLogger, type Logger } from "./logger";
import { openApiDocument } from "./openapi";
import { RateLimiter } from "./rate-limit";
import { loadMasterKey, SealError, Sealer } from "./seal";
import { Store } from "./store";
import { loadOrCreateTls, type TlsMaterial } from "./tls";
import { Verifier } from "./verification";

export interface ServerOptions {
  dataDir: string;
  port: number;
  host?: string;
  allowPrivateHosts?: boolean;
  verification?: boolean;
  resolve: Resolve;
  faults?: unknown;
  /** /_admin/faults and /_admin/datasources (see AppDeps.admin). */
  admin?: boolean;
  /** Which endpoints are served (default `full`; see Surface in app.ts). */
  surface?: Surface;
  /** Requests per second per key; 0 turns rate limiting off. */
  rateLimit?: number;
  /** Say each key's budget in `RateLimit-*` headers (default true). */
  rateLimitHeaders?: boolean;
  bodyLimit?: number;
  /**
   * Fastify plugins registered after the API's routes, before listening: their routes run behind
   * the same hooks (request id, access log, faults). The benchmark in @ablo/bench adds its floor routes so.
   */
  plugins?: FastifyPluginAsync[];
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  synchronous?: "NORMAL" | "FULL";
  /** Serve HTTPS with a certificate from the local CA in `<data>/tls/` (see tls.ts). */
  tls?: boolean;
  /** The server's clock runs this many seconds off real time (negative: behind); see Clock. */
  clockOffsetSeconds?: number;
}

export interface RunningServer {
  url: string;
  /** `<data>/tls/ca.pem` when serving HTTPS: the CA clients must trust. */
  caPath: string | undefined;
  port: number;
  app: FastifyInstance;
  verifier: Verifier | undefined;
  close(): Promise<void>;
}

export const DEFAULT_RATE_LIMIT = 100;
const KEY_CHECK = "master_key_check";

/** Opens the store with the master key, refusing a key that does not match the data directory. */
export function openStore(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
  synchronous?: "NORMAL" | "FULL",
  journal = false,
): { store: Store; sealer: Sealer } {
  // Only the serving process journals creates (and replays the journal): `keys create` never does.
  const store = new Store(dataDir, { ...(synchronous ? { synchronous } : {}), journal });
  try {
    const check = store.getMeta(KEY_CHECK);
    const sealer = new Sealer(loadMasterKey(dataDir, env, { create: check === undefined }));
    if (check === undefined) store.setMeta(KEY_CHECK, sealer.seal("ablo-local", KEY_CHECK));
    else sealer.open(check, KEY_CHECK);
    return { store, sealer };
  } catch (e) {
    store.close();
    if (e instanceof SealError) throw new ConfigError("the master key does not open this data directory (ABLO_LOCAL_MASTER_KEY or master.key changed?)");
    throw e;
  }
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger();
  const { store, sealer } = openStore(opts.dataDir, opts.env, opts.synchronous, true);
  let tls: TlsMaterial | undefined;
  try {
    tls = opts.tls ? loadOrCreateTls(opts.dataDir) : undefined;
  } catch (e) {
    store.close();
    throw e;
  }
  if (tls?.created.includes("ca")) logger.info({ caPath: tls.caPath }, "created a local CA for --tls: clients must trust it (NODE_EXTRA_CA_CERTS)");
  const hosts = new HostPolicy({ resolve: opts.resolve, allowPrivateHosts: opts.allowPrivateHosts === true });
  const clock = new Clock(opts.clockOffsetSeconds ?? 0);
  const verifier = opts.verification === false ? undefined : new Verifier({ store, sealer, hosts, logger });
  const datasources = new Datasources({
    store,
    sealer,
    hosts,
    clock,
    ...(verifier ? { onUnverified: (id: string, version: number) => verifier.enqueue(id, version) } : {}),
  });
  const app = buildApp({
    auth: new Authenticator(store),
    datasources,
    idempotency: new Idempotency(store, sealer, clock),
    rateLimiter: new RateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT, opts.rateLimitHeaders ?? true),
    faults: new Faults(opts.faults),
    logger,
    clock,
    openapi: JSON.stringify(openApiDocument(opts.surface)),
    admin: opts.admin === true,
    surface: opts.surface ?? "full",
    ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
    ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
  });
  const host = opts.host ?? "127.0.0.1";
  try {
    for (const plugin of opts.plugins ?? []) await app.register(plugin);
    await app.listen({ port: opts.port, host });
  } catch (e) {
    store.close();
    throw e;
  }
  verifier?.resume();
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  let closing: Promise<void> | undefined;
  return {
    url: `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    caPath: tls?.caPath,
    app,
    verifier,
    close() {
      closing ??= (async () => {
        await app.close();
        await verifier?.stop();
        store.close();
      })();
      return closing;
    },
  };
}
