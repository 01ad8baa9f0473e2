import { ErrorTypeSchema, type ErrorType } from "./schemas";

/**
 * The HTTP status each error type is answered with (README, "Errors"): the one place client and
 * server read it from. `api_error` stands for any 5xx.
 */
export const ERROR_STATUS = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  idempotency_error: 409,
  rate_limit_error: 429,
  api_error: 500,
} as const satisfies Record<ErrorType, number>;

/** `resource_missing` (also another organization's or mode's id): an `invalid_request_error` of its own status. */
export const NOT_FOUND_STATUS = 404;
/** The code of a 404 that means "no such datasource"; any other 404 is an unknown route. */
export const RESOURCE_MISSING_CODE = "resource_missing";

/**
 * The error type the contract ties to a status, or undefined for one it leaves to the body (a
 * 413 or 415 from ablo-local's HTTP layer, a proxy's 3xx).
 */
export function errorTypeOfStatus(status: number): ErrorType | undefined {
  if (status >= 500) return "api_error";
  if (status === NOT_FOUND_STATUS) return "invalid_request_error";
  return ErrorTypeSchema.options.find((type) => ERROR_STATUS[type] === status);
}
