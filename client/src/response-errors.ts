/**
 * An API answer that is not a 2xx, turned into the typed error it stands for. The status picks
 * the type (the contract ties them, @ablo/api's ERROR_STATUS); the body fills in code, param and
 * message, and picks the type only for a status the contract leaves open.
 */
import { ErrorBodySchema, ErrorTypeSchema, type ErrorType, NOT_FOUND_STATUS, errorTypeOfStatus } from "@ablo/api";
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
  request: { method: string; path: string },
  secrets: readonly string[],
): AbloError {
  const detail = errorDetail(body);
  const type = errorTypeOfStatus(status) ?? ErrorTypeSchema.safeParse(detail.type).data ?? "api_error";
  const Class = status === NOT_FOUND_STATUS ? AbloNotFoundError : CLASS_BY_TYPE[type];
  const fallback = status >= 300 && status < 400 ? `unexpected redirect (HTTP ${status}); redirects are not followed` : `HTTP ${status}`;
  // Everything the server said is scrubbed, not just the message: it is text we did not write.
  const scrub = (text: string | undefined) => (text === undefined ? undefined : redact(text, secrets));
  return new Class({
    type,
    code: scrub(detail.code) ?? (status === NOT_FOUND_STATUS ? "resource_missing" : undefined),
    param: scrub(detail.param),
    statusCode: status,
    requestId: scrub(requestId ?? detail.requestId),
    message: redact(detail.message ?? `${fallback} from ${request.method} ${request.path}`, secrets),
    retryAfterMs,
  });
}

interface ErrorDetail {
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
    return { type: e.type, code: e.code, message: e.message, param: e.param, requestId: e.request_id };
  }
  const loose = (body as { error?: Record<string, unknown> } | null | undefined)?.error;
  if (!loose || typeof loose !== "object") return {};
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return { type: str(loose.type), code: str(loose.code), message: str(loose.message), param: str(loose.param), requestId: str(loose.request_id) };
}
