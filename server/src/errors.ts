import { ERROR_STATUS, NOT_FOUND_STATUS, RESOURCE_MISSING_CODE, type ErrorBody, type ErrorType } from "@ablo/api";

/**
 * Every failure the API answers with. Messages are fixed templates plus parameter names, host
 * classes and ids: never request bodies, connection strings or tokens.
 */
export abstract class ApiError extends Error {
  abstract readonly type: ErrorType;
  readonly status: number;
  readonly code: string;
  readonly param: string | undefined;
  /** Extra response headers (Retry-After). */
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, param?: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.param = param;
    this.headers = headers;
  }

  toBody(requestId: string): ErrorBody {
    return {
      error: { type: this.type, code: this.code, message: this.message, ...(this.param !== undefined ? { param: this.param } : {}), request_id: requestId },
    };
  }
}

/** 400 by default; also 404 (resource_missing), 413 (body too large), 415 (content type). */
export class InvalidRequestError extends ApiError {
  override readonly name: string = "InvalidRequestError";
  readonly type = "invalid_request_error" as const;
  constructor(code: string, message: string, param?: string, status: number = ERROR_STATUS.invalid_request_error) {
    super(status, code, message, param);
  }
}

export class NotFoundError extends InvalidRequestError {
  override readonly name: string = "NotFoundError";
  constructor(message: string, param?: string) {
    super(RESOURCE_MISSING_CODE, message, param, NOT_FOUND_STATUS);
  }
}

export class AuthenticationError extends ApiError {
  override readonly name: string = "AuthenticationError";
  readonly type = "authentication_error" as const;
  constructor(code: string, message: string) {
    super(ERROR_STATUS.authentication_error, code, message);
  }
}

export class PermissionError extends ApiError {
  override readonly name: string = "PermissionError";
  readonly type = "permission_error" as const;
  constructor(code: string, message: string) {
    super(ERROR_STATUS.permission_error, code, message);
  }
}

export class IdempotencyError extends ApiError {
  override readonly name: string = "IdempotencyError";
  readonly type = "idempotency_error" as const;
  /** `retryAfterSeconds` for a key still in use: the same request may simply be retried later. */
  constructor(code: string, message: string, retryAfterSeconds?: number) {
    super(ERROR_STATUS.idempotency_error, code, message, undefined, retryAfterSeconds === undefined ? undefined : { "Retry-After": String(retryAfterSeconds) });
  }
}

export class RateLimitError extends ApiError {
  override readonly name: string = "RateLimitError";
  readonly type = "rate_limit_error" as const;
  readonly retryAfterSeconds: number;
  constructor(
    retryAfterSeconds: number,
    message = "Too many requests: slow down and retry after the Retry-After delay.",
    headers: Record<string, string> = {},
  ) {
    super(ERROR_STATUS.rate_limit_error, "rate_limit", message, undefined, { ...headers, "Retry-After": String(retryAfterSeconds) });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 5xx: our fault (or an injected one). */
export class ServerError extends ApiError {
  override readonly name: string = "ServerError";
  readonly type = "api_error" as const;
  constructor(code = "internal_error", message = "An internal error occurred; the request may be retried.", status: number = ERROR_STATUS.api_error) {
    super(status, code, message);
  }
}

/** Start-up problems (bad flags, unreadable master key): printed by the CLI, never answered. */
export class ConfigError extends Error {
  override readonly name: string = "ConfigError";
}
