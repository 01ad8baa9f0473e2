/**
 * @ablo/connection: libpq connection-string parsing and public-host classification.
 * No Pulumi, no HTTP, no DNS of its own (resolveAndCheck takes an injected resolver).
 */
export { ConnectionStringError, isConnectionStringError, CONNECTION_STRING_PARAM } from "./errors";
export type { ConnectionErrorCode, ConnectionStringErrorDetails } from "./errors";
export { parseConnectionString, ParsedConnection, DEFAULT_PORT, MAX_CONNECTION_STRING_LENGTH, LIBPQ_KEYWORDS } from "./libpq-uri";
export type { HostSpec, Scheme } from "./libpq-uri";
export { classifyHost, percentDecode } from "./host-classifier";
export type { HostClass, HostClassification, HostType, PublicHost, PrivateHost } from "./host-classifier";
export { classifyIPv4, classifyIPv6, CidrSet, SPECIAL_BLOCKS } from "./ip-ranges";
export type { IpClass, IpVerdict } from "./ip-ranges";
export { parseIPv4Loose, parseIPv4Strict, parseIPv6 } from "./ip-parse";
export { ALLOWED_PARAMS, REFUSED_PARAMS, checkParam } from "./params";
export { checkConnectionString, assertPublicConnectionString, resolveAndCheck, resolvingChecker, failureToError } from "./check";
export type {
  AllowList,
  CheckOptions,
  CheckResult,
  CheckSuccess,
  CheckFailure,
  CheckedHost,
  AdmittedBy,
  ResolveOptions,
  ResolveSuccess,
  ResolvedHost,
} from "./check";
export { displayName } from "./display";
export { PERCENT_ENCODE_USERINFO, REACHABLE_FROM_ABLO } from "./advice";
