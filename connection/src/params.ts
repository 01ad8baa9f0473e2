/**
 * Which libpq query parameters a registered connection string may carry. Anything that makes the
 * connecting process read or write a local file, contact a third party, use its own credentials or
 * change what the session is allowed to do is refused: the string is the customer's, the process
 * that connects is ours. Values are checked too (percent-decoding can smuggle control characters).
 */

type Validator = RegExp;

const NUMBER = /^[0-9]{1,9}$/;
const BOOL01 = /^[01]$/;

export const ALLOWED_PARAMS: ReadonlyMap<string, Validator> = new Map([
  ["sslmode", /^(?:disable|allow|prefer|require|verify-ca|verify-full)$/],
  ["sslnegotiation", /^(?:postgres|direct)$/],
  ["sslsni", BOOL01],
  ["sslcompression", BOOL01],
  ["sslcertmode", /^disable$/],
  ["ssl_min_protocol_version", /^TLSv1(?:\.[0-3])?$/],
  ["ssl_max_protocol_version", /^TLSv1(?:\.[0-3])?$/],
  ["min_protocol_version", /^(?:3\.[0-9]|latest)$/],
  ["max_protocol_version", /^(?:3\.[0-9]|latest)$/],
  ["channel_binding", /^(?:disable|prefer|require)$/],
  ["require_auth", /^!?[a-z0-9-]{1,32}(?:,!?[a-z0-9-]{1,32}){0,8}$/],
  ["gssencmode", /^disable$/],
  ["connect_timeout", NUMBER],
  ["keepalives", BOOL01],
  ["keepalives_idle", NUMBER],
  ["keepalives_interval", NUMBER],
  ["keepalives_count", NUMBER],
  ["tcp_user_timeout", NUMBER],
  ["application_name", /^[\x20-\x7e]{0,63}$/],
  ["fallback_application_name", /^[\x20-\x7e]{0,63}$/],
  ["client_encoding", /^[A-Za-z0-9_-]{1,32}$/],
  ["target_session_attrs", /^(?:any|read-write|read-only|primary|standby|prefer-standby)$/],
  ["load_balance_hosts", /^(?:disable|random)$/],
]);

const FILE = "names a file on the connecting machine";
export const REFUSED_PARAMS: ReadonlyMap<string, string> = new Map([
  ["sslcert", FILE],
  ["sslkey", FILE],
  ["sslrootcert", FILE],
  ["sslcrl", FILE],
  ["sslcrldir", FILE],
  ["passfile", FILE],
  ["sslkeylogfile", "writes TLS secrets to a file on the connecting machine"],
  ["service", "reads a service file (pg_service.conf) that can redirect the connection"],
  ["servicefile", "reads a service file that can redirect the connection"],
  ["sslpassword", "is the passphrase of a client key file"],
  ["options", "sends server command-line options (-c settings) with the session"],
  ["replication", "opens a replication connection"],
  ["requirepeer", "applies to unix-domain sockets only"],
  ["krbsrvname", "makes the connecting process use its own Kerberos credentials"],
  ["gsslib", "makes the connecting process use its own GSSAPI credentials"],
  ["gssdelegation", "delegates the connecting process's GSSAPI credentials"],
  ["oauth_issuer", "makes the connecting process contact an OAuth issuer"],
  ["oauth_client_id", "makes the connecting process contact an OAuth issuer"],
  ["oauth_client_secret", "makes the connecting process contact an OAuth issuer"],
  ["oauth_scope", "makes the connecting process contact an OAuth issuer"],
  ["scram_client_key", "is an internal pass-through key"],
  ["scram_server_key", "is an internal pass-through key"],
]);

export type ParamVerdict = { ok: true } | { ok: false; reason: string };

export function checkParam(keyword: string, value: string): ParamVerdict {
  const v = ALLOWED_PARAMS.get(keyword);
  if (v) return v.test(value) ? { ok: true } : { ok: false, reason: `query parameter ${keyword} has a value that is not allowed` };
  const why = REFUSED_PARAMS.get(keyword) ?? "is not in the allow-list";
  return { ok: false, reason: `query parameter ${keyword} is not allowed: it ${why}` };
}
