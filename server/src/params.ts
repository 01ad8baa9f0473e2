import type { z } from "zod";
import { InvalidRequestError } from "./errors";

/**
 * A parameter name the client sent that we may show back (in a message, a `param` or a log):
 * letters and underscores, at most 40. Anything else (a connection string pasted as a query
 * string, say) is never echoed: names are input too.
 */
export const SHOWABLE_NAME = /^[A-Za-z_]{1,40}$/;
/** A segment of a nested parameter's path (a metadata key, an index) that we may show back. */
const SHOWABLE_SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * `metadata[key]` style, as Stripe names nested parameters. A segment that is not safe to echo
 * ends the name there: `metadata` rather than `metadata[<whatever the key was>]`.
 */
export function paramName(path: ReadonlyArray<PropertyKey>): string | undefined {
  const segments = path.map(String);
  const shown = segments.findIndex((s, i) => !(i === 0 ? SHOWABLE_NAME : SHOWABLE_SEGMENT).test(s));
  const kept = shown < 0 ? segments : segments.slice(0, shown);
  if (kept.length === 0) return undefined;
  const [first, ...rest] = kept;
  return first + rest.map((p) => `[${p}]`).join("");
}

/** The 400 for an unknown parameter: named when its name is safe to show, else not named at all. */
export function unknownParameter(path: ReadonlyArray<PropertyKey>, name: string): InvalidRequestError {
  const param = paramName([...path, name]);
  if (SHOWABLE_NAME.test(name) && param !== undefined && param.endsWith(name)) {
    return new InvalidRequestError("parameter_unknown", `Received unknown parameter: ${param}.`, param);
  }
  return new InvalidRequestError(
    "parameter_unknown",
    "Received an unknown parameter (its name is not shown: only names of letters and underscores are).",
    paramName(path),
  );
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
  if (issue.code === "unrecognized_keys") throw unknownParameter(issue.path, issue.keys[0]!);
  if (issue.path.length === 0) {
    throw new InvalidRequestError("parameter_invalid", `${what} must be a JSON object.`);
  }
  const param = paramName(issue.path);
  if (issue.code === "invalid_type" && issue.input === undefined) {
    throw new InvalidRequestError("parameter_missing", `Missing required param: ${param ?? "a parameter"}.`, param);
  }
  throw new InvalidRequestError("parameter_invalid", `Invalid ${param ?? "parameter"}: ${issue.message}.`, param);
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
  // Every walk of the body (this one, zod's, the idempotency fingerprint's) is then bounded.
  checkStructure(value);
  return value;
}

/** How deep a request body may nest (the API's deepest parameter is metadata[key], at 2). */
export const MAX_JSON_DEPTH = 64;
export const tooDeep = (): InvalidRequestError =>
  new InvalidRequestError("json_too_deep", `The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`);

/**
 * Refuses a body nested deeper than MAX_JSON_DEPTH (before anything recursive walks it: a deep
 * body would overflow the stack) or holding a "__proto__" member anywhere (it would become an
 * object's prototype once copied by a schema). Iterative, so that input cannot exhaust the stack.
 */
function checkStructure(value: unknown): void {
  if (value === null || typeof value !== "object") return;
  const stack: object[] = [value];
  const depths: number[] = [1];
  let proto = false;
  while (stack.length > 0) {
    const v = stack.pop()!;
    const depth = depths.pop()!;
    if (depth > MAX_JSON_DEPTH) throw tooDeep();
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v);
    if (!Array.isArray(v) && Object.hasOwn(v, "__proto__")) proto = true;
    for (const c of children) {
      if (c !== null && typeof c === "object") {
        stack.push(c);
        depths.push(depth + 1);
      }
    }
  }
  if (proto) throw new InvalidRequestError("parameter_invalid", "Parameter names must not be __proto__.");
}
