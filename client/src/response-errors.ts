/**
 * An API answer that is not a 2xx, turned into the typed error it stands for. The status picks
 * the type (the contract ties them, @ablo/api's ERROR_STATUS); the body fills in code, param and
 * message, and picks the type only for a status the contract leaves open.
 */
import { ErrorBodySchema, ErrorTypeSchema, type ErrorType, NOT_FOUND_STATUS, RESOURCE_MISSING_CODE, errorTypeOfStatus } from "@ablo/api";
import {
  AbloAPIError,
  AbloAuthenticationError,
  AbloError,
  type AbloErrorFields,
  AbloIdempotencyError,
  AbloInvalidRequestError,
  AbloNotFoundError,
  AbloPermissionError,
  AbloRateLimitError,
  AbloRouteNotFoundError,
} from "./errors";
import { redact } from "./redact";

type ErrorClass = new (fields: AbloErrorFields & { retryAfterMs?: number | undefined }) => AbloError;

const CLASS_BY_TYPE: Record<ErrorType, ErrorClass> = {
  invalid_request_error: AbloInvalidRequestError,
  authentication_error: AbloAuthenticationError,
  permission_error: AbloPermissionError,
  idempotency_error: AbloIdempotencyError,
  rate_limit_error: AbloRateLimitError,
  api_error: AbloAPIError,
};

export function errorFromResponse(
  status: number,
  body: unknown,
  requestId: string | undefined,
  retryAfterMs: number | undefined,
  request: { method: string; path: string; route?: string | undefined; query?: Record<string, unknown> | undefined },
  secrets: readonly string[],
  /** The `Location` header of a 3xx. */
  location?: string,
): AbloError {
  const detail = errorDetail(body);
  // Everything the server said is scrubbed, not just the message: it is text we did not write.
  const scrub = (text: string | undefined) => (text === undefined ? undefined : redact(text, secrets));
  const fields = {
    param: scrub(detail.param),
    statusCode: status,
    requestId: scrub(requestId ?? detail.requestId),
    foreignAnswer: !detail.isErrorBody,
  };
  const route = `${request.method} ${request.route ?? request.path}`;
  if (status >= 300 && status < 400) {
    const to = shownLocation(location, secrets);
    return new AbloRouteNotFoundError({
      ...fields,
      type: "route_not_found_error",
      code: "route_redirected",
      route,
      message: `${route} is not served by this API: it answered with a redirect (HTTP ${status}${to ? ` to ${to}` : ""}), and redirects are not followed`,
    });
  }
  if (isRouteMissing(status, detail, namesAnId(request))) {
    const said = detail.message === undefined ? "" : `: ${redact(detail.message, secrets).slice(0, 200)}`;
    return new AbloRouteNotFoundError({
      ...fields,
      type: "route_not_found_error",
      code: scrub(detail.code) ?? "route_not_found",
      route,
      message: `${route} is not served by this API (HTTP ${status}${detail.isErrorBody ? "" : ", not an Ablo error body"}${said})`,
    });
  }
  const type = errorTypeOfStatus(status) ?? ErrorTypeSchema.safeParse(detail.type).data ?? "api_error";
  const Class = status === NOT_FOUND_STATUS ? AbloNotFoundError : CLASS_BY_TYPE[type];
  return new Class({
    ...fields,
    type,
    code: scrub(detail.code),
    message: redact(detail.message ?? `HTTP ${status} from ${request.method} ${request.path}`, secrets),
    retryAfterMs,
  });
}

/** Whether the URL names a datasource: item routes are spelled with `{id}` (RequestSpec.route). */
/** The URL names a datasource: by id in the path, or as the list's `starting_after` cursor (a 404 there is that cursor gone). */
function namesAnId(request: { route?: string | undefined; query?: Record<string, unknown> | undefined }): boolean {
  return (request.route?.includes("{id}") ?? false) || request.query?.starting_after !== undefined;
}

/**
 * 405 and 501 say so outright. A 404 on a URL that names no id (the collection: list without a cursor, create)
 * can only mean the route is missing, whatever its body: there is no datasource it could be
 * about. On a URL naming an id, a 404 means "no such datasource" only when it is the contract's
 * `resource_missing` error: anything else (an unknown-URL error, a page, another API's body) is
 * taken as a missing route, the safe reading, since "gone" would let refresh and delete drop
 * from state a datasource that may still exist.
 */
function isRouteMissing(status: number, detail: ErrorDetail, namesId: boolean): boolean {
  if (status === 405 || status === 501) return true;
  if (status !== NOT_FOUND_STATUS) return false;
  return !namesId || !(detail.isContract && detail.code === RESOURCE_MISSING_CODE);
}

/**
 * Where a redirect pointed, for the message: the path only. Scheme, host, user info, query and
 * fragment are dropped (a sign-in page's query may carry a token or a return URL), and what is
 * left is redacted and cut short.
 */
function shownLocation(location: string | undefined, secrets: readonly string[]): string | undefined {
  if (location === undefined) return undefined;
  let path: string;
  try {
    path = new URL(location, "http://base.invalid").pathname;
  } catch {
    return undefined;
  }
  const shown = redact(path, secrets);
  return shown.length <= 100 ? shown : `${shown.slice(0, 100)}…`;
}

interface ErrorDetail {
  /** The body is the contract's error shape. */
  isContract: boolean;
  /** The body is an error object of some shape (the contract's or a looser one). */
  isErrorBody: boolean;
  type?: string | undefined;
  code?: string | undefined;
  message?: string | undefined;
  param?: string | undefined;
  requestId?: string | undefined;
}

/** The contract's error body when it parses; otherwise whatever string fields a looser body offers. */
function errorDetail(body: unknown): ErrorDetail {
  const parsed = ErrorBodySchema.safeParse(body);
  if (parsed.success) {
    const e = parsed.data.error;
    return { isContract: true, isErrorBody: true, type: e.type, code: e.code, message: e.message, param: e.param, requestId: e.request_id };
  }
  const loose = (body as { error?: Record<string, unknown> } | null | undefined)?.error;
  if (!loose || typeof loose !== "object") return { isContract: false, isErrorBody: false };
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const detail = { type: str(loose.type), code: str(loose.code), message: str(loose.message), param: str(loose.param), requestId: str(loose.request_id) };
  return { isContract: false, isErrorBody: detail.message !== undefined || detail.type !== undefined || detail.code !== undefined, ...detail };
}
