import { inspect } from "node:util";
import type { ErrorType, Mode } from "@ablo/api";

/** Error types the API sends, plus the ones this client raises without a response. */
export type AbloErrorType =
  | ErrorType
  | "connection_error"
  | "timeout_error"
  | "insecure_transport_error"
  | "mode_mismatch_error"
  | "response_validation_error"
  | "configuration_error"
  | "route_not_found_error";

export interface AbloErrorFields {
  message: string;
  type: AbloErrorType;
  code?: string | undefined;
  param?: string | undefined;
  statusCode?: number | undefined;
  requestId?: string | undefined;
  /** The HTTP answer carried no Ablo error body (HTML, plain text, JSON of another shape). */
  foreignAnswer?: boolean | undefined;
}

/**
 * Base of every error the client throws. Built only from fields known to be safe: it never holds
 * the axios error, its config (headers, body) or the raw response, so nothing reachable from it
 * (`cause` included) can carry the API key or a connection string. Messages from the server are
 * redacted before they get here.
 */
export class AbloError extends Error {
  readonly type: AbloErrorType;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly statusCode: number | undefined;
  readonly requestId: string | undefined;
  /** True when the server's answer had no Ablo error body: likely not the Ablo API at all. */
  readonly foreignAnswer: boolean;

  constructor(fields: AbloErrorFields) {
    super(fields.message);
    this.name = new.target.name;
    this.type = fields.type;
    this.code = fields.code;
    this.param = fields.param;
    this.statusCode = fields.statusCode;
    this.requestId = fields.requestId;
    this.foreignAnswer = fields.foreignAnswer ?? false;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      type: this.type,
      code: this.code,
      param: this.param,
      statusCode: this.statusCode,
      requestId: this.requestId,
    };
  }

  /** util.inspect (console.log, jest, Pulumi's log) shows the stack and the safe fields only. */
  [inspect.custom](): string {
    const fields = Object.entries(this.toJSON()).filter(([k, v]) => v !== undefined && k !== "name" && k !== "message");
    return `${this.stack ?? `${this.name}: ${this.message}`} ${inspect(Object.fromEntries(fields))}`;
  }
}

/** 400, and the parent of 404 (the API sends both as `invalid_request_error`). */
export class AbloInvalidRequestError extends AbloError {}
/** 404 `resource_missing`: also what another organization's id answers. */
export class AbloNotFoundError extends AbloInvalidRequestError {}
/** 401: missing, malformed or revoked token. */
export class AbloAuthenticationError extends AbloError {}
/** 403: the capability token lacks a scope. */
export class AbloPermissionError extends AbloError {}
/** 409: the Idempotency-Key was already used with another body. */
export class AbloIdempotencyError extends AbloError {}

/** 429 after the retries ran out. */
export class AbloRateLimitError extends AbloError {
  readonly retryAfterMs: number | undefined;
  constructor(fields: AbloErrorFields & { retryAfterMs?: number | undefined }) {
    super(fields);
    this.retryAfterMs = fields.retryAfterMs;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

/**
 * The server does not serve this route: 405, 501, a redirect (`code` `route_redirected`: never
 * followed), any 404 on the collection (its URL names no id), or on a URL naming an id a 404 that
 * is not the contract's `resource_missing` (an unknown URL, an HTML page, another API's body).
 * Most routes this client uses are inferred, not documented, so a real deployment may lack one.
 * Never retried, and never taken for "the datasource is gone": that would drop from state what
 * still exists.
 */
export class AbloRouteNotFoundError extends AbloError {
  /** `METHOD /v1/...` with `{id}` in place of an id. */
  readonly route: string;
  constructor(fields: AbloErrorFields & { route: string }) {
    super(fields);
    this.route = fields.route;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), route: this.route };
  }
}

/** 5xx, or any other answer the client cannot make sense of as a typed API error. */
export class AbloAPIError extends AbloError {}

/** The request never got an HTTP answer (reset, refused, DNS, ...). `code` is the errno code. */
export class AbloConnectionError extends AbloError {}

/** A request attempt exceeded `timeoutMs`, or `waitForStatus` ran out of time. */
export class AbloTimeoutError extends AbloError {}

/** Refused before dialing: credentials would travel over plaintext HTTP to a non-loopback host. */
export class AbloInsecureTransportError extends AbloError {}

/** Refused before sending: a live key used with a sandbox id, or the reverse. */
export class AbloModeMismatchError extends AbloError {
  readonly keyMode: Mode;
  readonly idMode: Mode;
  constructor(fields: AbloErrorFields & { keyMode: Mode; idMode: Mode }) {
    super(fields);
    this.keyMode = fields.keyMode;
    this.idMode = fields.idMode;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), keyMode: this.keyMode, idMode: this.idMode };
  }
}

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `data.0.livemode`; empty for the root. */
  path: string;
  message: string;
}

/** A 2xx body that is not JSON or lacks required fields. `param` names the first bad field. */
export class AbloResponseValidationError extends AbloError {
  readonly issues: readonly ValidationIssue[];
  constructor(fields: AbloErrorFields & { issues: readonly ValidationIssue[] }) {
    super(fields);
    this.issues = fields.issues;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}

/** Bad client options (missing key, malformed base URL, ...), raised by the constructor. */
export class AbloConfigurationError extends AbloError {}

/** The base URL does not lead to a usable Ablo API (unreachable, or something else answers): `probe()`. */
export class AbloEndpointError extends AbloConfigurationError {}
