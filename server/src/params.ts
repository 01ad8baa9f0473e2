import type { z } from "zod";
import { InvalidRequestError } from "./errors";

/** `metadata[key]` style, as Stripe names nested parameters. */
export function paramName(path: ReadonlyArray<PropertyKey>): string | undefined {
  if (path.length === 0) return undefined;
  const [first, ...rest] = path.map(String);
  return first + rest.map((p) => `[${p}]`).join("");
}

/**
 * Validates with the shared zod schema and turns the first issue into a 400 naming the parameter:
 * parameter_unknown, parameter_missing or parameter_invalid. Messages come from the schema's
 * fixed wording, never from the input value.
 */
export function parseParams<S extends z.ZodType>(schema: S, input: unknown, what = "Request body"): z.output<S> {
  const r = schema.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const param = paramName([...issue.path, issue.keys[0]!])!;
    throw new InvalidRequestError("parameter_unknown", `Received unknown parameter: ${param}.`, param);
  }
  const param = paramName(issue.path);
  if (param === undefined) {
    throw new InvalidRequestError("parameter_invalid", `${what} must be a JSON object.`);
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    throw new InvalidRequestError("parameter_missing", `Missing required param: ${param}.`, param);
  }
  throw new InvalidRequestError("parameter_invalid", `Invalid ${param}: ${issue.message}.`, param);
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });
const JSON_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * A request body as JSON. Empty bodies read as `{}`. The parser's own messages quote the input
 * (a password could be in it), so every failure gets a fixed message.
 */
export function parseJsonBody(contentType: string | undefined, raw: Buffer | undefined): unknown {
  if (raw === undefined || raw.length === 0) return {};
  if (contentType === undefined || !JSON_TYPE.test(contentType.trim())) {
    throw new InvalidRequestError("unsupported_content_type", "Request bodies must be sent as Content-Type: application/json (UTF-8).", undefined, 415);
  }
  let text: string;
  try {
    text = fatalUtf8.decode(raw);
  } catch {
    throw new InvalidRequestError("invalid_json", "The request body is not valid UTF-8.");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError("invalid_json", "The request body is not valid JSON.");
  }
  // A "__proto__" member would become an object's prototype once copied by a schema: refuse it.
  if (text.includes("__proto__") && hasProtoKey(value)) {
    throw new InvalidRequestError("parameter_invalid", "Parameter names must not be __proto__.");
  }
  return value;
}

function hasProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKey);
  if (v === null || typeof v !== "object") return false;
  return Object.keys(v).some((k) => k === "__proto__" || hasProtoKey((v as Record<string, unknown>)[k]));
}
