import { isIPv4, isIPv6 } from "node:net";
import { API_BASE_URL } from "@ablo/api";
import { parseIPv6 } from "@ablo/connection";
import { AbloConfigurationError } from "./errors";

export interface BaseUrl {
  /** Origin plus path prefix, without a trailing slash: requests append `/v1/...`. */
  readonly href: string;
  readonly protocol: "http:" | "https:";
  /** TLS, or plaintext to this machine only: credentials may be sent. */
  readonly secure: boolean;
}

/**
 * Validates the base URL once, at construction. Messages never echo the URL as given: it is user
 * input and could embed credentials (only its origin and path, once userinfo, query and fragment
 * are refused).
 */
export function parseBaseUrl(raw: string | undefined): BaseUrl {
  const text = raw ?? API_BASE_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw configError("baseUrl is not an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw configError("baseUrl must use https:// (or http:// to a loopback host)");
  // axios would turn userinfo into a Basic Authorization header: never wanted here.
  if (url.username || url.password) throw configError("baseUrl must not contain a user name or password");
  if (url.search || url.hash) throw configError("baseUrl must not have a query string or fragment");
  const path = url.pathname.replace(/\/+$/, "");
  // Requests append /v1/…: a base URL ending in /v1 (the API's address as its docs write it) would
  // ask /v1/v1/datasources. The host and path are shown back: userinfo, query and fragment, where a
  // secret could sit, are refused above.
  if (/\/v1$/i.test(path)) throw configError(`baseUrl is the server's address without /v1: use ${url.origin}${path.slice(0, -3)}`);
  const protocol = url.protocol;
  return {
    href: `${url.origin}${path}`,
    protocol,
    secure: protocol === "https:" || isLoopbackHost(url.hostname),
  };
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped 127/8) and `localhost`, as WHATWG URL normalises them. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");
  if (host === "localhost") return true;
  if (isIPv4(host)) return host.startsWith("127.");
  if (!isIPv6(host) || host.includes("%")) return false;
  const groups = parseIPv6(host)?.parts;
  if (!groups) return false;
  const isZero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (isZero(0, 7) && groups[7] === 1) return true; // ::1
  // ::ffff:127.x.y.z — WHATWG URL writes it as ::ffff:7fxx:xxxx.
  return isZero(0, 5) && groups[5] === 0xffff && groups[6]! >> 8 === 127;
}

function configError(message: string): AbloConfigurationError {
  return new AbloConfigurationError({ message, type: "configuration_error", param: "baseUrl" });
}
