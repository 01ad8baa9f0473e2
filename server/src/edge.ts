import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { InvalidRequestError } from "./errors";
import { SHOWABLE_NAME } from "./params";
import { randomBase62 } from "./random";

/**
 * What the HTTP edge shows of a request it did not understand: in the access log, in messages,
 * and in the answer to a request Node's HTTP parser refused. Paths and query parameter names are
 * client input like any other (a connection string pasted into the URL bar ends up there), so
 * only what has the shape of our own paths and parameter names is shown.
 */

/** Ours: the `Request-Id` header and the `request_id` of error bodies. */
export const newRequestId = (): string => `req_${randomBase62(20)}`;

/** Shown in place of a path segment or a query parameter name that is not of a known shape. */
const UNRECOGNIZED = "(unrecognized)";

/**
 * A path segment of the shape of ours: empty, a version (`v1`), a word of lowercase letters,
 * `_` and `.` (`datasources`, `openapi.json`, `_admin`, or a mistyped one) or an id (`ds_test_…`).
 * A bare password or a percent-encoded connection string has none of these shapes.
 */
const SEGMENT = /^(?:|v\d{1,2}|[a-z_.]{1,40}|dse?_(?:test_)?[A-Za-z0-9]{1,64})$/;
/** The common case at once: the datasource routes. */
const PLAIN_PATH = /^\/v1\/datasources(?:\/dse?_(?:test_)?[A-Za-z0-9]{1,64})?$/;

/** The path with every segment of another shape replaced. */
export function shownPath(path: string): string {
  if (PLAIN_PATH.test(path)) return path;
  return path
    .split("/")
    .map((s) => (SEGMENT.test(s) ? s : UNRECOGNIZED))
    .join("/");
}

/**
 * The URL as logged: the path as shownPath shows it; query values dropped (a client may put
 * anything there, even a secret) and names kept only when they look like parameter names.
 */
export function loggedUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return shownPath(url);
  const names = url
    .slice(q + 1)
    .split("&")
    .map((kv) => kv.split("=")[0]!)
    .filter(Boolean)
    .map((n) => (SHOWABLE_NAME.test(n) ? n : UNRECOGNIZED));
  return `${shownPath(url.slice(0, q))}?${names.map((n) => `${n}=`).join("&")}`;
}

/**
 * Answers, in the contract's error shape and with a Request-Id, a request Node's HTTP parser
 * refused (bytes >= 0x80 or controls in the request line, oversized headers, a timeout): these
 * never reach fastify's routing, hooks or error handlers. Returns the status sent, or undefined
 * when the connection was already gone (nothing to answer, nothing to log).
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket, requestId: string, date: string): number | undefined {
  if (err.code === "ECONNRESET" || socket.destroyed) return undefined;
  const e =
    err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? new InvalidRequestError("request_timeout", "The request was not received in time.", undefined, 408)
      : err.code === "HPE_HEADER_OVERFLOW"
        ? new InvalidRequestError("headers_too_large", "The request headers are too large.", undefined, 431)
        : new InvalidRequestError("invalid_request", "The request could not be read (malformed request line or headers).");
  const body = JSON.stringify(e.toBody(requestId));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nDate: ${date}\r\nRequest-Id: ${requestId}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  // As Node and fastify do: the parser cannot go on with this connection.
  socket.destroy();
  return e.status;
}
