import type { ConnectionOptions } from "node:tls";
import { Client, type ClientConfig } from "pg";
import type { ParsedConnection, ResolvedHost } from "@ablo/connection";
import type { DatasourceStatus } from "@ablo/api";
import type { HostPolicy } from "./hosts";
import type { Logger } from "./logger";
import type { Sealer } from "./seal";
import type { Store } from "./store";

/**
 * A check that failed, with a fixed, credential-free sentence for `last_error`. Never built from
 * a driver's message (those may quote user names, hosts or options): only from known codes.
 */
export class VerificationFailure extends Error {
  override readonly name = "VerificationFailure";
}

export interface VerifierOptions {
  store: Store;
  sealer: Sealer;
  hosts: HostPolicy;
  logger: Logger;
  concurrency?: number;
  connectTimeoutMs?: number;
}

interface Job {
  id: string;
  version: number;
}

/**
 * Asynchronous verification of new and rotated datasources. Each job resolves the host names
 * once, checks every address with @ablo/connection, then connects to those addresses (never to
 * the name again: no DNS-rebinding window) and runs the checks. Results for a record that was
 * rotated or deleted meanwhile are dropped (version check in the store).
 */
export class Verifier {
  private readonly queue: Job[] = [];
  private readonly queued = new Set<string>();
  private running = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private stopped = false;
  private readonly concurrency: number;
  private readonly connectTimeoutMs: number;

  constructor(private readonly opts: VerifierOptions) {
    this.concurrency = opts.concurrency ?? 4;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  }

  /** Picks up records left unverified by a previous run (a restart or a crash). */
  resume(): void {
    for (const job of this.opts.store.unverified()) this.enqueue(job.id, job.version);
  }

  enqueue(id: string, version: number): void {
    const key = `${id}@${version}`;
    if (this.stopped || this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push({ id, version });
    this.pump();
  }

  /** Resolves when no job is queued or running. */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await this.idle();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.run(job)
        .catch((e: unknown) => this.opts.logger.error({ datasource: job.id, err: { name: (e as Error)?.name } }, "verification could not record its result"))
        .finally(() => {
          this.running--;
          this.queued.delete(`${job.id}@${job.version}`);
          this.pump();
          if (this.running === 0 && this.queue.length === 0) this.idleWaiters.splice(0).forEach((r) => r());
        });
    }
  }

  private async run(job: Job): Promise<void> {
    const row = this.opts.store.getDatasourceById(job.id);
    if (!row || row.version !== job.version || row.status !== "unverified") return;
    let status: DatasourceStatus = "active";
    let lastError: string | null = null;
    try {
      await this.verify(this.opts.sealer.open(row.sealed, row.id), row.schema);
    } catch (e) {
      status = "rejected";
      lastError = e instanceof VerificationFailure ? e.message : "verification failed: internal error";
      if (!(e instanceof VerificationFailure)) this.opts.logger.error({ datasource: row.id, err: { name: (e as Error).name } }, "verification crashed");
    }
    if (this.stopped) return; // leave it unverified: the next start picks it up
    const recorded = await this.opts.store.write(() => this.opts.store.setVerification(row.id, row.version, status, lastError));
    this.opts.logger.info({ datasource: row.id, status, lastError, recorded }, "datasource verified");
  }

  /** Throws VerificationFailure with the sentence for `last_error`. */
  async verify(connectionString: string, schema: string): Promise<void> {
    const r = await this.opts.hosts.resolveAndCheck(connectionString);
    if (!r.ok) {
      if (r.code === "resolution_failed") throw new VerificationFailure("cannot connect: the host name could not be resolved");
      if (r.code === "host_not_public") throw new VerificationFailure("cannot connect: the host does not resolve to a public address");
      throw new VerificationFailure("cannot connect: the connection string is no longer accepted");
    }
    if (r.parsed.user === undefined) throw new VerificationFailure("cannot connect: the connection string names no user");
    const client = await this.connectAny(r.parsed, r.hosts);
    try {
      const role = await client.query<{ rolsuper: boolean; rolbypassrls: boolean }>("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user");
      const flags = role.rows[0];
      if (!flags) throw new VerificationFailure("cannot read the role's attributes from pg_roles");
      if (flags.rolsuper) throw new VerificationFailure("the role is a superuser: use a role without SUPERUSER");
      if (flags.rolbypassrls) throw new VerificationFailure("the role has BYPASSRLS: use a role without BYPASSRLS");
      const ns = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
      // The schema name passed the API's identifier rule: safe to quote back.
      if (ns.rowCount === 0) throw new VerificationFailure(`schema "${schema}" does not exist`);
    } catch (e) {
      if (e instanceof VerificationFailure) throw e;
      throw new VerificationFailure(`the checks could not run: ${describe(e)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Tries every checked address of every host in order, as libpq does. */
  private async connectAny(parsed: ParsedConnection, hosts: ResolvedHost[]): Promise<Client> {
    let last: unknown;
    for (const h of hosts) {
      for (const address of h.addresses) {
        const tlsName = h.type === "name" ? h.host : undefined;
        try {
          return await this.connectOne(parsed, address, h.port, tlsName);
        } catch (e) {
          last = e;
        }
      }
    }
    throw new VerificationFailure(`cannot connect: ${describe(last)}`);
  }

  private async connectOne(parsed: ParsedConnection, address: string, port: number, tlsName: string | undefined): Promise<Client> {
    const mode = parsed.params.sslmode ?? "prefer";
    const tls = (verify: boolean): ConnectionOptions => ({
      rejectUnauthorized: verify,
      // The address is what we dial; the name is what the certificate must carry.
      ...(tlsName !== undefined ? { servername: tlsName } : {}),
      ...(mode === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
    });
    const attempt = async (ssl: ConnectionOptions | false): Promise<Client> => {
      const password = parsed.password ?? "";
      const config: ClientConfig = {
        host: address,
        port,
        user: parsed.user!,
        database: parsed.databaseOrDefault!,
        // A function: pg then neither reads PGPASSWORD nor a .pgpass file of this machine.
        password: async () => password,
        ssl,
        options: "",
        application_name: "ablo-local-verification",
        connectionTimeoutMillis: this.connectTimeoutMs,
        query_timeout: this.connectTimeoutMs,
        statement_timeout: this.connectTimeoutMs,
      };
      const client = new Client(config);
      client.on("error", () => undefined); // late socket errors after end(): nothing to do
      try {
        await client.connect();
        return client;
      } catch (e) {
        await client.end().catch(() => undefined);
        throw e;
      }
    };
    switch (mode) {
      case "disable":
      case "allow":
        return attempt(false);
      case "prefer":
        // libpq's default: TLS if the server offers it, else plain.
        try {
          return await attempt(tls(false));
        } catch (e) {
          if ((e as Error).message === "The server does not support SSL connections") return attempt(false);
          throw e;
        }
      default:
        return attempt(tls(mode === "verify-ca" || mode === "verify-full"));
    }
  }
}

const SQLSTATE: Record<string, string> = {
  "28P01": "authentication failed",
  "28000": "authentication failed (no access for this role)",
  "3D000": "the database does not exist",
  "53300": "the server has too many connections",
  "57P03": "the server is not accepting connections yet",
  "42501": "permission denied",
};

const ERRNO: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed",
};

/** Names a failure from its codes only: driver messages never reach `last_error`. */
function describe(e: unknown): string {
  if (e instanceof VerificationFailure) return e.message;
  const err = e as { code?: unknown; message?: unknown } | undefined;
  const code = typeof err?.code === "string" ? err.code : undefined;
  if (code !== undefined && SQLSTATE[code]) return SQLSTATE[code];
  if (code !== undefined && ERRNO[code]) return ERRNO[code];
  const msg = typeof err?.message === "string" ? err.message : "";
  if (msg === "The server does not support SSL connections") return "TLS is required by the connection string but the server does not offer it";
  if (/timeout/i.test(msg)) return "timed out";
  if (code !== undefined && /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code)) return "the server's TLS certificate is not trusted";
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) return `the server refused the session (SQLSTATE ${code})`;
  return "connection failed";
}
