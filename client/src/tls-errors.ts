import { AbloConnectionError } from "./errors";

/**
 * Node's codes for a server certificate the client will not accept: an unknown or private CA, a
 * certificate for another name, or one outside its validity. Retrying cannot change any of them,
 * so they become one non-retryable code, `tls_untrusted` (not among retry.ts' network codes).
 */
const UNTRUSTED_CHAIN = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
]);
const OUT_OF_VALIDITY = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "ERROR_IN_CERT_NOT_BEFORE_FIELD", "ERROR_IN_CERT_NOT_AFTER_FIELD"]);
const WRONG_NAME = new Set(["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH"]);

export const TLS_UNTRUSTED = "tls_untrusted";

const PRIVATE_CA_HINT = "If the API uses a private CA, point NODE_EXTRA_CA_CERTS at its certificate (ablo-local: <data>/tls/ca.pem)";

/**
 * The typed error for a refused server certificate, or undefined when `thrown` is something else.
 * Reads only the code (of the error or its cause) and the base URL's host and port: never the
 * thrown message, which is not ours, nor anything the request carried.
 */
export function tlsErrorFromThrown(thrown: unknown, where: string, baseUrlHref: string): AbloConnectionError | undefined {
  const code = certCode(thrown) ?? certCode((thrown as { cause?: unknown } | null)?.cause);
  if (code === undefined) return undefined;
  const host = hostOf(baseUrlHref);
  const why = WRONG_NAME.has(code)
    ? `does not name ${host.name} (${code}). Connect by a name the certificate lists (ablo-local: 127.0.0.1, ::1 or localhost)`
    : OUT_OF_VALIDITY.has(code)
      ? `is not valid at this time (${code}). Check the server's certificate dates and this machine's clock`
      : `is not trusted (${code}). ${PRIVATE_CA_HINT}`;
  return new AbloConnectionError({ type: "connection_error", code: TLS_UNTRUSTED, message: `${where}: the TLS certificate of ${host.hostPort} ${why}` });
}

function certCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" && (UNTRUSTED_CHAIN.has(code) || OUT_OF_VALIDITY.has(code) || WRONG_NAME.has(code)) ? code : undefined;
}

/** Host and port only (the base URL never holds userinfo: parseBaseUrl refuses it). */
function hostOf(href: string): { name: string; hostPort: string } {
  try {
    const url = new URL(href);
    return { name: url.hostname, hostPort: `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}` };
  } catch {
    return { name: "the server", hostPort: "the server" };
  }
}
