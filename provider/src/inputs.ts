import { DEFAULT_SCHEMA, ID_PREFIX, MetadataSchema, SchemaNameSchema, shownMetadataKey } from "@ablo/api";
import {
  classifyHost,
  ConnectionStringError,
  isConnectionStringError,
  parseConnectionString,
  PERCENT_ENCODE_USERINFO,
  type ParsedConnection,
} from "@ablo/connection";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { z } from "zod";
import { OWNER_KEY_PATTERN, OWNER_METADATA_KEY } from "./owner-key";

/** The engine's placeholder for a value not known until apply (preview of a computed input). */
export const UNKNOWN: string = unknownValue;
export const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** Inputs of `pulumi-nodejs:dynamic/ablo:Datasource`, as the engine hands them to the provider. */
export const DatasourceInputsSchema = z.object({
  connectionString: z.string({ error: "connectionString is required (a postgres:// or postgresql:// URL)" }).min(1, "connectionString must not be empty"),
  schema: SchemaNameSchema.default(DEFAULT_SCHEMA),
  metadata: MetadataSchema.refine((m) => !(OWNER_METADATA_KEY in m), {
    message: `metadata key ${OWNER_METADATA_KEY} is reserved: the provider marks the datasources it creates with it`,
  }).default({}),
  waitForVerification: z.boolean({ error: "waitForVerification must be a boolean" }).default(true),
  /** How long create/update wait for verification (from customTimeouts, default 5 minutes). */
  verificationTimeoutSeconds: z
    .number()
    .int()
    .positive()
    .max(24 * 3600)
    .default(300),
  /** Brings an existing datasource under management instead of registering a new one. */
  adoptId: z
    .string()
    .regex(new RegExp(`^(${ID_PREFIX.directTest}|${ID_PREFIX.directLive})[A-Za-z0-9]+$`), "adoptId must be a datasource id (ds_… or ds_test_…)")
    .optional(),
  /** Set by the SDK: a hash of the resource's URN, which marks what this resource creates (owner-key.ts). */
  owner: z.string().regex(OWNER_KEY_PATTERN, "owner must be the 32-character key @ablo/pulumi computes").optional(),
});
export type DatasourceInputs = z.infer<typeof DatasourceInputsSchema>;

export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  /** Every `host:port` libpq would try, IPv6 in brackets, joined by ",": what messages name. */
  endpoints: string;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * Where a connection string points, without its credentials. Throws ConnectionStringError, whose
 * message never holds the password or the string.
 */
export function connectionTarget(connectionString: string): ConnectionTarget {
  return targetOf(parseConnectionString(connectionString));
}

function targetOf(parsed: ParsedConnection): ConnectionTarget {
  const first = parsed.hosts[0];
  if (!first || !first.host) throw new ConnectionStringError("unparseable", "connectionString must name a host");
  // Normalized as the API normalizes the `host` it returns (lowercase, no trailing dot,
  // canonical IP): the same classifier, so diff and adopt compare like with like.
  const hosts = parsed.hosts.map((h) => classifyHost(h.host).host ?? h.host.toLowerCase());
  return {
    host: hosts.join(","),
    port: first.port ?? 5432,
    database: parsed.databaseOrDefault ?? "",
    user: parsed.user ?? "",
    endpoints: hosts.map((h, i) => `${h.includes(":") ? `[${h}]` : h}:${parsed.hosts[i]?.port ?? 5432}`).join(","),
  };
}

/**
 * A host (or hostaddr) the classifier cannot read unambiguously (`invalid-host`: empty labels,
 * bad percent-encoding, lone surrogates, numeric names that are no address, …): the API refuses
 * it whatever its host policy, so check does too. Private hosts are not this: whether one is
 * acceptable is the policy pack's decision (allowedCidrs, allowedHosts, allowLoopback).
 * The reason never quotes the host.
 */
function unreadableHost(parsed: ParsedConnection): string | undefined {
  const n = parsed.hosts.length;
  for (const [i, spec] of parsed.hosts.entries()) {
    for (const [what, value] of [
      ["", spec.host],
      ["hostaddr of ", spec.hostaddr],
    ] as const) {
      if (value === undefined || value === "") continue;
      const c = classifyHost(value);
      if (c.kind === "private" && c.hostClass === "invalid-host") {
        return `connectionString: ${what}${n > 1 ? `host ${i + 1} of ${n}` : "the host"} cannot be read unambiguously (${c.reason})`;
      }
    }
  }
  return undefined;
}

/** A string without a password (none, empty, or an empty `password=`): Ablo could never log in. */
const NO_PASSWORD =
  "connectionString has no password: Ablo connects with the credentials in the string; postgres://user:password@host/db (percent-encode reserved characters)";

/**
 * `postgres://app:pa/ss@db.example.com/shop`: a '/' in the user or password ends the authority
 * early (libpq reads host `app`, port `pa`, database `ss@db.example.com/shop`), which leaves an '@'
 * after the first '/' and none before it. Said instead of what the parser makes of the rest.
 */
function slashInUserinfo(cs: string): string | undefined {
  const scheme = /^postgres(?:ql)?:\/\//.exec(cs);
  if (!scheme) return undefined; // the parser says what is wrong with the scheme
  const rest = cs.slice(scheme[0].length);
  const end = rest.search(/[/?]/);
  if (end < 0 || rest[end] !== "/" || rest.slice(0, end).includes("@")) return undefined;
  const path = rest.slice(end + 1).split("?")[0] ?? "";
  if (!path.includes("@")) return undefined;
  return (
    "connectionString has an '@' after its first '/': a '/' in the user or password ends the host early; " +
    `${PERCENT_ENCODE_USERINFO} (an '@' that belongs to the database name is written %40 too)`
  );
}

/** The failure's property: the issue's path; an empty metadata key names no property of its own. */
function propertyOf(path: readonly PropertyKey[]): string {
  const segments = path.map(String);
  if (segments[0] === "metadata" && segments[1] === "") return "metadata";
  return segments.length ? segments.join(".") : "inputs";
}

/**
 * Validates inputs the way the API would, so that bad input fails at preview, naming the property.
 * Unknown (computed) values are left for apply.
 */
export function checkInputs(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  /** The metadata key each schema failure is about, for hiding the ones that hold a credential. */
  const keyOf = new Map<CheckFailure, string>();
  const unknownKeys = Object.keys(news).filter((k) => isUnknown(news[k]) && k in DatasourceInputsSchema.shape);
  const schema = DatasourceInputsSchema.omit(Object.fromEntries(unknownKeys.map((k) => [k, true])) as never);
  const result = schema.safeParse(Object.fromEntries(Object.entries(news).filter(([k]) => !unknownKeys.includes(k))));
  if (!result.success) {
    for (const issue of result.error.issues) {
      const failure = { property: propertyOf(issue.path), reason: issue.message };
      if (issue.path[0] === "metadata" && typeof issue.path[1] === "string") keyOf.set(failure, issue.path[1]);
      failures.push(failure);
    }
  }
  const cs = news.connectionString;
  const slash = typeof cs === "string" && !isUnknown(cs) ? slashInUserinfo(cs) : undefined;
  if (slash !== undefined) {
    failures.push({ property: "connectionString", reason: slash });
  } else if (typeof cs === "string" && cs.length > 0 && !isUnknown(cs)) {
    try {
      const parsed = parseConnectionString(cs);
      const target = targetOf(parsed);
      if (!target.user) failures.push({ property: "connectionString", reason: "connectionString must name a user (postgres://user:password@host/db)" });
      // A password in the userinfo or in a `password=` parameter (libpq takes either); only its presence is looked at.
      else if (!parsed.password) failures.push({ property: "connectionString", reason: NO_PASSWORD });
      const unreadable = unreadableHost(parsed);
      if (unreadable !== undefined) failures.push({ property: "connectionString", reason: unreadable });
      const credentials = credentialsInMetadata(news.metadata, parsed.password);
      if (credentials.length > 0) hideCredentialKeys(failures, keyOf, parsed.password);
      failures.push(...credentials);
    } catch (err) {
      failures.push({ property: "connectionString", reason: safeReason(err) });
    }
  }
  // The inputs as given: defaults are applied where they are used (create, update, diff), not
  // stored, because every byte of a resource's state is written again at each step of an update.
  return { inputs: { ...news }, failures };
}

/** Shorter passwords are not looked for in metadata: too many ordinary words would match. */
const MIN_PASSWORD_SEARCHED = 8;
/** A postgres URL with a password in its userinfo. */
const URL_WITH_PASSWORD = /postgres(?:ql)?:\/\/[^\s/@:]*:[^\s/@]+@/i;

/** What credential `text` holds, if any. */
function credentialIn(text: string, password: string | undefined): string | undefined {
  return password !== undefined && password.length >= MIN_PASSWORD_SEARCHED && text.includes(password)
    ? "the connection string's password"
    : URL_WITH_PASSWORD.test(text)
      ? "a connection string with a password"
      : undefined;
}

/**
 * With a credential in metadata, the schema's failures on metadata must not show it: the engine
 * prints the value of a failure's top-level property (so not `metadata`, the whole map), and a
 * key holding a credential is named neither in the property nor in the reason.
 */
function hideCredentialKeys(failures: CheckFailure[], keyOf: ReadonlyMap<CheckFailure, string>, password: string | undefined): void {
  for (const f of failures) {
    if (f.property === "metadata") f.property = "metadata.*";
    const key = keyOf.get(f);
    if (key === undefined || credentialIn(key, password) === undefined) continue;
    f.property = "metadata.<key>";
    const shown = shownMetadataKey(key);
    if (shown !== undefined) f.reason = f.reason.split(`metadata key ${shown}`).join("a metadata key");
  }
}

/**
 * Metadata is plain text wherever it goes (state, the API's answers, the console): a value that
 * holds the connection string's password, or any postgres URL with a password, is refused at
 * preview rather than kept there. The reason names the key, never the value.
 */
function credentialsInMetadata(metadata: unknown, password: string | undefined): CheckFailure[] {
  if (metadata === null || typeof metadata !== "object" || isUnknown(metadata)) return [];
  const what = (text: string): string | undefined => credentialIn(text, password);
  const failures: CheckFailure[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    const inKey = what(key);
    // A key holding a credential is not quoted, even in the property's name; nor is the property
    // the whole map, whose value the engine would print.
    const property = inKey === undefined ? `metadata.${key}` : "metadata.<key>";
    const found = inKey ?? (typeof value === "string" && !isUnknown(value) ? what(value) : undefined);
    if (found === undefined) continue;
    failures.push({
      property,
      reason: `${inKey === undefined ? property : "a metadata key"} holds ${found}: metadata is kept and shown in plain text (state, the API's answers); keep credentials in connectionString, which is a secret`,
    });
  }
  return failures;
}

/** A reason safe to show: our typed errors are credential-free by construction; anything else is not trusted. */
function safeReason(err: unknown): string {
  if (isConnectionStringError(err)) return err.message;
  return "connectionString could not be parsed as a libpq URI (postgres://user:password@host:port/database)";
}
