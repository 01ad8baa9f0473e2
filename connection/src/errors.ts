import { inspect } from "node:util";

/**
 * Why a connection string was refused. Stable strings: the server maps them to API error codes,
 * the CLI and the policy pack print them.
 */
export type ConnectionErrorCode =
  | "invalid_scheme" // not postgres:// or postgresql:// (libpq compares the prefix case-sensitively)
  | "unparseable" // libpq would refuse it, or two common parsers would read it differently
  | "too_long"
  | "invalid_port"
  | "unix_socket" // empty host, /path, @abstract, %2F…: a socket on the server's own machine
  | "host_not_public" // loopback, private, link-local, metadata, special-use name, …
  | "param_not_allowed" // query parameter outside the allow-list (file paths, service files, …)
  | "host_param_conflict" // host=/hostaddr= that points somewhere else than the URI's host
  | "resolution_failed"; // the injected resolver failed or returned nothing

/** The one request parameter every error is about (the API's `param`). */
export const CONNECTION_STRING_PARAM = "connectionString";

export interface ConnectionStringErrorDetails {
  hostClass?: string;
  /** 1-based position of the offending host in a multi-host string. */
  hostIndex?: number;
  /** Name of an offending query parameter: only ever a libpq keyword we recognised. */
  keyword?: string;
}

/**
 * A refused connection string. Its message is built only from fixed templates, host classes,
 * positions and recognised libpq keywords: never from the input, so it cannot carry the password
 * (libpq's own messages quote the whole URI; we never reuse them). No `cause` is attached, since
 * a library error could quote the input. toString/toJSON/util.inspect expose the same safe fields.
 */
export class ConnectionStringError extends Error {
  override readonly name = "ConnectionStringError";
  readonly code: ConnectionErrorCode;
  readonly field = CONNECTION_STRING_PARAM;
  readonly param = CONNECTION_STRING_PARAM;
  readonly hostClass?: string;
  readonly hostIndex?: number;
  readonly keyword?: string;

  constructor(code: ConnectionErrorCode, reason: string, details: ConnectionStringErrorDetails = {}) {
    super(reason);
    this.code = code;
    if (details.hostClass !== undefined) this.hostClass = details.hostClass;
    if (details.hostIndex !== undefined) this.hostIndex = details.hostIndex;
    if (details.keyword !== undefined) this.keyword = details.keyword;
    // The stack only holds name + message + frames: as safe as the message.
    Object.setPrototypeOf(this, new.target.prototype);
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      param: this.param,
      message: this.message,
      ...(this.hostClass !== undefined ? { hostClass: this.hostClass } : {}),
      ...(this.hostIndex !== undefined ? { hostIndex: this.hostIndex } : {}),
      ...(this.keyword !== undefined ? { keyword: this.keyword } : {}),
    };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export function isConnectionStringError(e: unknown): e is ConnectionStringError {
  return e instanceof ConnectionStringError;
}
