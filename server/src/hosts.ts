import { CONNECTION_STRING_PARAM, displayName, resolveAndCheck, type ParsedConnection, type ResolvedHost } from "@ablo/connection";
import type { Resolve } from "./dns";
import { InvalidRequestError } from "./errors";

/** A connection string that passed every registration check. */
export interface CheckedConnection {
  parsed: ParsedConnection;
  hosts: ResolvedHost[];
  /** What the response shows as `host`: normalized host names, joined by "," for multi-host. */
  host: string;
  /** Normalized "host:port" list: a rotation must keep it. */
  targets: string;
  database: string;
  displayName: string;
}

export interface HostPolicyOptions {
  resolve: Resolve;
  allowPrivateHosts: boolean;
}

/**
 * The registration rule for connection strings, entirely delegated to @ablo/connection (one
 * classifier for the whole project): syntax, allowed parameters, public hosts, and every address
 * a host name resolves to. Failures are 400s on `connectionString` with the module's code.
 */
export class HostPolicy {
  constructor(private readonly opts: HostPolicyOptions) {}

  async check(connectionString: string): Promise<CheckedConnection> {
    const r = await resolveAndCheck(connectionString, { resolve: this.opts.resolve, allowPrivateHosts: this.opts.allowPrivateHosts });
    if (!r.ok) {
      // The module's reasons are fixed templates (host position, class, keyword): never the input.
      throw new InvalidRequestError(r.code, `Invalid connectionString: ${r.reason}.`, CONNECTION_STRING_PARAM);
    }
    const { parsed, hosts } = r;
    const bracket = (h: string) => (h.includes(":") ? `[${h}]` : h);
    return {
      parsed,
      hosts,
      host: hosts.map((h) => h.host).join(","),
      targets: hosts.map((h) => `${bracket(h.host)}:${h.port}`).join(","),
      // libpq's default database is the user name.
      database: parsed.database ?? parsed.user ?? "",
      displayName: displayName(parsed),
    };
  }

  resolveAndCheck(connectionString: string) {
    return resolveAndCheck(connectionString, { resolve: this.opts.resolve, allowPrivateHosts: this.opts.allowPrivateHosts });
  }
}
