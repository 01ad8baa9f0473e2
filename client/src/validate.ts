import type { z } from "zod";
import { AbloInvalidRequestError, AbloResponseValidationError, type ValidationIssue } from "./errors";
import type { ApiResponse } from "./http";
import { redact } from "./redact";

/**
 * zod at both edges. Only issue paths and zod's own messages are kept: zod 4 does not quote
 * input values in its messages, and the rare key it does name (an unrecognized key) is redacted.
 */
function issuesOf(error: z.ZodError, secrets: readonly string[]): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: redact(issue.message, secrets) }));
}

function describe(issues: readonly ValidationIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
    .join("; ");
}

/** Params checked before sending, so a typo fails fast and names the parameter. */
export function parseParams<S extends z.ZodType>(schema: S, params: unknown, secrets: readonly string[]): z.output<S> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error, secrets);
  throw new AbloInvalidRequestError({
    type: "invalid_request_error",
    code: "parameter_invalid",
    param: issues[0]?.path || undefined,
    message: `Invalid parameters: ${describe(issues)}`,
  });
}

/** A 2xx body that must match `schema`; the error names the first missing or wrong field. */
export function parseResponse<S extends z.ZodType>(schema: S, res: Omit<ApiResponse, "data">, where: string): z.output<S> {
  if (res.notJson) {
    throw new AbloResponseValidationError({
      type: "response_validation_error",
      code: "invalid_json",
      statusCode: res.status,
      requestId: res.requestId,
      issues: [],
      message: `Response of ${where} is not JSON`,
    });
  }
  const parsed = schema.safeParse(res.body);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error, []);
  throw new AbloResponseValidationError({
    type: "response_validation_error",
    code: "invalid_response",
    param: issues[0]?.path || undefined,
    statusCode: res.status,
    requestId: res.requestId,
    issues,
    message: `Response of ${where} does not match the API schema: ${describe(issues)}`,
  });
}
