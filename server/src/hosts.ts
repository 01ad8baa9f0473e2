import {
  CONNECTION_STRING_PARAM,
  displayName,
  resolvingChecker,
  type CheckFailure,
  type ParsedConnection,
  type ResolvedHost,
  type ResolveSuccess,
} from "@ablo/connection";
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
  /** Checks one connection string (the policy is read once, not per request). */
  private readonly checker: (connectionString: string) => ResolveSuccess | CheckFailure | Promise<ResolveSuccess | CheckFailure>;

  constructor(opts: HostPolicyOptions) {
    this.checker = resolvingChecker({ resolve: opts.resolve, allowPrivateHosts: opts.allowPrivateHosts });
  }

  /** Synchronous when the resolver answers synchronously (the static map): no turn lost on the hot path. */
  check(connectionString: string): CheckedConnection | Promise<CheckedConnection> {
    const r = this.checker(connectionString);
    return r instanceof Promise ? r.then(toChecked) : toChecked(r);
  }

  async resolveAndCheck(connectionString: string): Promise<ResolveSuccess | CheckFailure> {
    return this.checker(connectionString);
  }
}

function toChecked(r: ResolveSuccess | CheckFailure): CheckedConnection {
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
    database: parsed.databaseOrDefault ?? "",
    displayName: displayName(parsed),
  };
}
